// `lab train` as a real process, ended the ways processes end: kill -9 at several moments,
// SIGTERM, SIGHUP, and another program holding a lock on the archive while it trains. Every kept
// run must be readable, end with an honest status, and lose at most about a second of reports.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteDb } from '../../../electron/store/sqlite'
import { firstSteps, keptSteps, readArchive as read, untilLossPoints } from '../../helpers/archive'
import { runCli } from '../../../electron/cli/run-cli'
import { ROOT, tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-crash-')
afterAll(() => tmp.cleanup())

const TRAIN = [
  'train',
  '--task',
  'adding',
  '--norm',
  'bn_step',
  '--hidden',
  '8',
  '--batch',
  '8',
  '--lengths',
  '4-12',
  '--steps',
  '100000',
  '--record-every',
  '1',
  '--eval-every',
  '0',
  '--backend',
  'wasm',
]

function startTraining(
  db: string,
  extra: string[] = [],
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'scripts/run-bundled.mjs'), 'electron/cli/main.ts', ...TRAIN, ...extra, '--db', db],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

interface Kept {
  status: string
  error: string | null
  lossSteps: number[]
  lastStatsStep: number
  stepsPerSecond: number
}

async function kept(db: string): Promise<Kept> {
  const [run] = await read<{ status: string; error: string | null }>(db, 'SELECT status, error FROM runs WHERE id = 1')
  const loss = await read<{ step: number; wall_ms: number }>(
    db,
    "SELECT step, wall_ms FROM metrics WHERE run_id = 1 AND name = 'loss' ORDER BY step",
  )
  const [stats] = await read<{ last: number }>(db, 'SELECT MAX(step) AS last FROM timestep_stats WHERE run_id = 1')
  const first = loss[0]!
  const last = loss[loss.length - 1]!
  return {
    status: run!.status,
    error: run!.error,
    lossSteps: loss.map((r) => r.step),
    lastStatsStep: stats!.last,
    stepsPerSecond: (last.step - first.step) / Math.max(1e-3, (last.wall_ms - first.wall_ms) / 1000),
  }
}

/** Any process opening the archive next: the CLI's `runs list`. */
async function openedByAnotherProcess(db: string): Promise<void> {
  const code = await runCli(['runs', 'list', '--db', db, '--json'], { out: () => undefined, err: () => undefined })
  expect(code).toBe(0)
}

beforeAll(async () => {
  // Build the CLI bundle once, so every test's process starts fast.
  const { exited } = startTraining(tmp.file('warm.sqlite'), ['--steps', '1'])
  expect(await exited).toBe(0)
}, 120_000)

describe('a training process that is killed', () => {
  it.each([3, 12, 30])(
    'kill -9 after %i loss points: the run is readable, "interrupted" on the next open by any process, at most ~1 s of steps missing',
    async (points) => {
      const db = tmp.file(`kill-${points}.sqlite`)
      const { child, exited } = startTraining(db)
      await untilLossPoints(db, points)
      child.kill('SIGKILL')
      await exited
      await openedByAnotherProcess(db)
      const run = await kept(db)
      expect(run.status).toBe('interrupted')
      expect(run.error).toMatch(/its process \(pid \d+\) ended without finishing it/)
      // Loss points from step 1 on, with no hole.
      expect(run.lossSteps).toEqual(run.lossSteps.map((_, i) => i + 1))
      // Statistics are written each step; loss points at least once a second: what the kill took is
      // the steps of about one second.
      const missing = run.lastStatsStep - run.lossSteps[run.lossSteps.length - 1]!
      expect(missing).toBeLessThanOrEqual(Math.ceil(run.stepsPerSecond * 1.5) + 1)
    },
    90_000,
  )

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGUSR1', 138],
  ] as const)(
    '%s ends the run "interrupted" after writing everything it reported and a checkpoint, exit code %i (128 + the signal)',
    async (signal, code) => {
      const db = tmp.file(`${signal}.sqlite`)
      const { child, output, exited } = startTraining(db)
      await untilLossPoints(db, 5)
      child.kill(signal)
      expect(await exited).toBe(code)
      expect(output()).toMatch(new RegExp(`${signal}: stopping after this step`))
      expect(output()).toMatch(/Run 1 interrupted after (\d+) steps/)
      const steps = Number(/Run 1 interrupted after (\d+) steps/.exec(output())![1])
      const run = await kept(db)
      expect(run.status).toBe('interrupted')
      expect(run.lossSteps).toEqual(Array.from({ length: steps }, (_, i) => i + 1))
      expect(run.lastStatsStep).toBe(steps)
      // Its state at the last step it trained, to resume from.
      const [checkpoint] = await read<{ step: number }>(db, 'SELECT step FROM run_checkpoints WHERE run_id = 1')
      expect(checkpoint?.step).toBe(steps)
    },
    90_000,
  )
})

/** `lab sweep` of TRAIN's run in a process of its own, with these flags. */
function startSweep(db: string, flags: string[]): ChildProcess {
  return spawn(
    process.execPath,
    [join(ROOT, 'scripts/run-bundled.mjs'), 'electron/cli/main.ts', 'sweep', ...TRAIN.slice(1), ...flags, '--db', db],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
}

describe('a sweep that is stopped', () => {
  it('SIGTERM ends the sweep with exit code 143, its current run "interrupted" and the rest never started', async () => {
    const db = tmp.file('sweep-term.sqlite')
    // One after another in this process: the signal reaches the run that trains.
    const child = startSweep(db, ['--seed', '1,2', '--jobs', '1'])
    let output = ''
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    await untilLossPoints(db, 3)
    child.kill('SIGTERM')
    expect(await exited).toBe(143)
    const runs = await read<{ status: string }>(db, 'SELECT status FROM runs ORDER BY id')
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted'])
    // The summary counts every run, the one that never started too (it said "1 interrupted").
    expect(output).toMatch(/^Study \d+ done: 2 interrupted$/m)
  }, 90_000)

  it('SIGTERM to sweep --jobs 2: both processes stop, each run they trained keeps every step and a checkpoint, the rest never started', async () => {
    const db = tmp.file('jobs-term.sqlite')
    const child = startSweep(db, ['--seed', '1,2,3,4', '--jobs', '2'])
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    // Both processes have trained a few steps of their first run.
    const trainingBoth = async () =>
      (
        await read<{ n: number }>(
          db,
          "SELECT COUNT(DISTINCT run_id) AS n FROM metrics WHERE name = 'loss' AND step >= 3",
        ).catch(() => [{ n: 0 }])
      )[0]!.n
    for (let waited = 0; (await trainingBoth()) < 2; waited += 100) {
      if (waited > 60_000) throw new Error('the two processes never both trained')
      await new Promise((r) => setTimeout(r, 100))
    }
    child.kill('SIGTERM')
    expect(await exited).toBe(143)
    const runs = await read<{ id: number; status: string; error: string | null }>(
      db,
      'SELECT id, status, error FROM runs ORDER BY id',
    )
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted', 'interrupted', 'interrupted'])
    for (const run of runs) {
      const { steps, checkpoint } = await keptSteps(db, run.id)
      if (steps.length === 0) {
        expect(run.error).toBe('stopped before it started')
        continue
      }
      // Every step it trained, no gap, and its state at the last one to resume from.
      expect(steps).toEqual(firstSteps(steps.length))
      expect(checkpoint).toBe(steps.at(-1))
    }
  }, 90_000)
})

describe('another program holding a lock on the archive while a run trains', () => {
  it('the run waits for the lock and completes with every metric step present', async () => {
    const db = tmp.file('locked.sqlite')
    const { exited, output } = startTraining(db, ['--steps', '60'])
    await untilLossPoints(db, 3)
    // An exclusive lock for 8 s: longer than SQLite's own 5 s wait, so the writes see SQLITE_BUSY.
    const holder = await SqliteDb.open(db)
    await holder.exec('PRAGMA busy_timeout = 10000; BEGIN EXCLUSIVE')
    await new Promise((r) => setTimeout(r, 8000))
    await holder.exec('COMMIT')
    await holder.close()
    expect(await exited).toBe(0)
    expect(output()).toMatch(/Run 1 completed after 60 steps/)
    const run = await kept(db)
    expect(run.status).toBe('completed')
    expect(run.lossSteps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    expect(run.lastStatsStep).toBe(60)
  }, 120_000)
})
