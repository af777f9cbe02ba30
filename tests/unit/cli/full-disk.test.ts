// A disk that fills while `lab train` writes (fault injection: every write past N bytes fails as
// SQLite's do on a full disk), for N across the run. Whatever N, the process ends within a bounded
// time; the run ends "completed" with every point, or "failed" / "interrupted" with the reason
// recorded, or (the disk full before it could start) stays "queued" with nothing trained; and the
// exit code is non-zero unless it completed.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readArchive as read } from '../../helpers/archive'
import { cli } from '../../helpers/cli'
import { ROOT, tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-full-disk-')
afterAll(() => tmp.cleanup())

const STEPS = 40
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
  String(STEPS),
  '--record-every',
  '5',
  '--eval-every',
  '20',
  '--backend',
  'wasm',
]
/** The CLI waits this long on a write the archive refuses (in use: 100 s). */
const GIVE_UP_MS = 1500

function train(db: string, diskBytes: number): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now()
  const child = spawn(
    process.execPath,
    [join(ROOT, 'scripts/run-bundled.mjs'), 'electron/cli/main.ts', ...TRAIN, '--db', db],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NORMLAB_TEST_DISK_BYTES: String(diskBytes), NORMLAB_TEST_BLOCKED_MS: String(GIVE_UP_MS) },
    },
  )
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output, ms: Date.now() - started })))
}

beforeAll(async () => {
  // Build the CLI bundle once, so every test's process starts fast.
  expect((await train(tmp.file('warm.sqlite'), 1e12)).code).toBe(0)
}, 120_000)

describe('a disk that fills while a run trains', () => {
  it.each([0, 1_500, 6_000, 20_000, 60_000, 1e12])(
    'after %i bytes: an honest end, recorded, within a bounded time',
    async (bytes) => {
      const db = tmp.file(`full-${bytes}.sqlite`)
      const { code, output, ms } = await train(db, bytes)
      expect(ms, output).toBeLessThan(60_000)
      // Whoever opens the archive next (here: `runs list`) settles a run whose end could not be written.
      const listed = await cli(['runs', 'list', '--db', db, '--json'])
      if (listed.code !== 0) {
        // Not even the archive could be made: nothing claims anything, and the command said so.
        expect(code).not.toBe(0)
        return
      }
      const runs = await read<{ id: number; status: string; error: string | null }>(
        db,
        'SELECT id, status, error FROM runs',
      )
      if (runs.length === 0) {
        expect(code, output).not.toBe(0)
        return
      }
      const [run] = runs
      const loss = await read<{ step: number }>(
        db,
        "SELECT step FROM metrics WHERE run_id = 1 AND name = 'loss' ORDER BY step",
      )
      if (run!.status === 'queued') {
        // The disk filled before the run could start: nothing trained, nothing claims otherwise.
        expect(loss, output).toEqual([])
        expect(output).toMatch(/could not start, so nothing was trained and it stays queued: .*full/)
        expect(code, output).not.toBe(0)
      } else if (run!.status === 'completed') {
        expect(code, output).toBe(0)
        expect(loss.map((r) => r.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1))
      } else {
        expect(['failed', 'interrupted'], output).toContain(run!.status)
        expect(run!.error, output).toMatch(/full|write|ended without finishing/)
        expect(code, output).not.toBe(0)
      }
    },
    90_000,
  )

  it('a run that cannot write says so and never loops: one "unblocked" only after a write succeeds', async () => {
    const { output } = await train(tmp.file('loop.sqlite'), 6_000)
    expect(output).not.toMatch(/takes writes again/)
    expect(output).toMatch(/Stopping: the run ends "failed" with this reason\./)
  }, 90_000)
})
