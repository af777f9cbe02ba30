// Sweeps past one machine: `lab sweep --plan DIR` writes one validated config per run and a
// script; each run trains as its own process into its own archive file (as a Slurm array task
// or a GNU parallel job would), and `lab import` merges them into one study.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli as runCapture } from '../../helpers/cli'
import { readArchive, untilLossPoints } from '../../helpers/archive'
import { Archive } from '../../../electron/store'
import { PlannedRunFile, SweepPlanFile } from '../../../shared/lab/sweep-plan'
import { MIGRATIONS, ROOT, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
beforeAll(() => {
  tmp = tempDir('normlab-sweep-')
})
afterAll(() => tmp.cleanup())

const cli = runCapture

/** A separate process, as a scheduler starts it; resolves with its exit code and output. */
function processOf(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: tmp.dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('close', (code) => resolve({ code, output }))
  })
}

const GRID = [
  '--task',
  'adding',
  '--hidden',
  '8',
  '--lengths',
  '5-9',
  '--batch',
  '4',
  '--steps',
  '5',
  '--record-every',
  '2',
  '--eval-every',
  '5',
  '--norm',
  'bn_step,ln',
  '--seed',
  '1,2',
]

describe('lab sweep --plan', () => {
  it('plans, trains each run as its own process into its own archive, and imports them into one study', async () => {
    const plan = tmp.file('plan')
    const planned = await processOf(process.execPath, [
      join(ROOT, 'scripts/run-bundled.mjs'),
      'electron/cli/main.ts',
      'sweep',
      ...GRID,
      '--study',
      'BN vs LN on the cluster',
      '--plan',
      plan,
    ])
    expect(planned.code, planned.output).toBe(0)
    expect(planned.output).toContain(`sbatch ${join(plan, 'run.sh')}`)

    const sweep = SweepPlanFile.parse(JSON.parse(readFileSync(join(plan, 'plan.json'), 'utf8')))
    expect(sweep.runs).toHaveLength(4)
    const files = readdirSync(join(plan, 'runs')).sort()
    expect(files).toEqual(['001.json', '002.json', '003.json', '004.json'])
    for (const file of files)
      expect(PlannedRunFile.parse(JSON.parse(readFileSync(join(plan, 'runs', file), 'utf8'))).study.uuid).toBe(
        sweep.study.uuid,
      )
    const script = readFileSync(join(plan, 'run.sh'), 'utf8')
    expect(script).toContain('#SBATCH --array=1-4')
    expect(statSync(join(plan, 'run.sh')).mode & 0o111).not.toBe(0)

    // Two at a time, as `seq 4 | parallel -j 2 bash run.sh {}` would; task 3 as Slurm starts it.
    const run = (i: number) =>
      i === 3
        ? processOf('bash', [join(plan, 'run.sh')], { SLURM_ARRAY_TASK_ID: '3' })
        : processOf('bash', [join(plan, 'run.sh'), String(i)])
    const results = [...(await Promise.all([run(1), run(2)])), ...(await Promise.all([run(3), run(4)]))]
    for (const r of results) expect(r.code, r.output).toBe(0)
    expect(
      readdirSync(join(plan, 'archives'))
        .filter((f) => f.endsWith('.sqlite'))
        .sort(),
    ).toEqual(['001.sqlite', '002.sqlite', '003.sqlite', '004.sqlite'])
    expect((await processOf('bash', [join(plan, 'run.sh'), '5'])).code).toBe(2)

    const merged = tmp.file('merged.sqlite')
    const archives = [1, 2, 3, 4].map((i) => join(plan, 'archives', `00${i}.sqlite`))
    const imported = await cli(['import', ...archives, '--db', merged])
    expect(imported.code, imported.err).toBe(0)
    const archive = await Archive.open(merged, { migrations: MIGRATIONS })
    const studies = await archive.studies.list()
    const runs = await archive.runs.list({ filter: {} })
    await archive.close()
    expect(studies).toHaveLength(1)
    expect(studies[0]).toMatchObject({ uuid: sweep.study.uuid, name: 'BN vs LN on the cluster', runCount: 4 })
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed'])
    expect(runs.map((r) => `${r.norm} ${r.seed}`).sort()).toEqual(['bn_step 1', 'bn_step 2', 'ln 1', 'ln 2'])
    // Importing the same run archives again adds nothing.
    expect((await cli(['import', ...archives, '--db', merged])).out).not.toContain('1 added')
  }, 180_000)

  it('refuses a plan folder that is not empty, and a run file that is not valid, writing nothing', async () => {
    const busy = tmp.file('busy-plan')
    await cli(['sweep', ...GRID, '--plan', busy])
    const again = await cli(['sweep', ...GRID, '--plan', busy])
    expect(again.code).toBe(2)
    expect(again.err).toContain('is not an empty folder')

    const bad = tmp.file('bad-run.json')
    const good = JSON.parse(readFileSync(join(busy, 'runs', '001.json'), 'utf8'))
    writeFileSync(bad, JSON.stringify({ ...good, config: { ...good.config, norm: 'batchnorm' } }))
    const db = tmp.file('never.sqlite')
    const refused = await cli(['train', '--from-plan', bad, '--db', db])
    expect(refused.code).toBe(2)
    expect(refused.err).toMatch(/not a run of a NormLab sweep plan; nothing was written:\n {2}config\.norm: /)
    expect(existsSync(db)).toBe(false)
    const mixed = await cli(['train', '--from-plan', join(busy, 'runs', '001.json'), '--norm', 'ln', '--db', db])
    expect(mixed.code).toBe(2)
    expect(mixed.err).toContain('drop --norm')
  })

  it('plans the README’s 72-run sweep (the 64-run limit is the one-machine queue’s), asking the scheduler for time, memory, partition, account, cpus and a throttle', async () => {
    const readme = [
      '--task',
      'adding',
      '--norm',
      'bn_step,ln',
      '--batch',
      '4,16,64',
      '--batching',
      'mask,pad',
      '--seed',
      '1,2,3,4,5,6',
      '--equal-samples',
    ]
    // Trained here, one after another: still refused, and the message says what takes more.
    const here = await cli(['sweep', ...readme, '--db', tmp.file('never.sqlite')])
    expect(here.code).toBe(2)
    expect(here.err).toMatch(
      /72 combinations; at most 64 runs per study trained here \(a cluster plan, --plan DIR, takes more\)/,
    )
    const dir = tmp.file('cluster-72')
    const planned = await cli([
      'sweep',
      ...readme,
      '--plan',
      dir,
      '--time',
      '0-02:00:00',
      '--mem',
      '4G',
      '--partition',
      'gpu,cpu',
      '--account',
      'lab_1',
      '--cpus-per-task',
      '4',
      '--throttle',
      '50',
    ])
    expect(planned.code, planned.err).toBe(0)
    expect(readdirSync(join(dir, 'runs'))).toHaveLength(72)
    const script = readFileSync(join(dir, 'run.sh'), 'utf8')
    for (const line of [
      '#SBATCH --array=1-72%50',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --time=0-02:00:00',
      '#SBATCH --mem=4G',
      '#SBATCH --partition=gpu,cpu',
      '#SBATCH --account=lab_1',
    ])
      expect(script).toContain(line)
    // What the scheduler is asked for is checked like every other flag: nothing written when wrong.
    const bad = await cli(['sweep', ...GRID, '--plan', tmp.file('bad-time'), '--time', '2 hours'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--time 2 hours: a time limit as Slurm takes it/)
    expect(existsSync(tmp.file('bad-time'))).toBe(false)
    const loose = await cli(['sweep', ...GRID, '--mem', '4G', '--db', tmp.file('never2.sqlite')])
    expect(loose.code).toBe(2)
    expect(loose.err).toMatch(/--mem goes with --plan DIR/)
  })

  it('a plan larger than the site’s MaxArraySize is submitted in chunks, each task finding its run by its offset', async () => {
    const dir = tmp.file('chunked')
    const planned = await cli([
      'sweep',
      ...GRID,
      '--seed',
      '1,2,3',
      '--plan',
      dir,
      '--max-array-size',
      '4',
      '--throttle',
      '2',
    ])
    expect(planned.code, planned.err).toBe(0)
    expect(planned.out).toContain(`bash ${join(dir, 'submit.sh')}`)
    const script = readFileSync(join(dir, 'run.sh'), 'utf8')
    expect(script).not.toContain('#SBATCH --array')
    expect(script).toContain('#SBATCH --signal=B:USR1@90')
    const submit = readFileSync(join(dir, 'submit.sh'), 'utf8')
    expect(submit).toContain(`sbatch --array=1-3%2 --export=ALL,NORMLAB_OFFSET=0 "${join(dir, 'run.sh')}"`)
    expect(submit).toContain(`sbatch --array=1-3%2 --export=ALL,NORMLAB_OFFSET=3 "${join(dir, 'run.sh')}"`)
    // Array task 2 of the second chunk is run 5.
    const task = await processOf('bash', [join(dir, 'run.sh')], { SLURM_ARRAY_TASK_ID: '2', NORMLAB_OFFSET: '3' })
    expect(task.code, task.output).toBe(0)
    expect(readdirSync(join(dir, 'archives'))).toContain('005.sqlite')
    const fifth = SweepPlanFile.parse(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'))).runs[4]!
    expect(task.output).toContain(`Run 1: ${fifth.name}`)
  }, 120_000)

  it('tasks killed midway (SIGTERM, kill -9) and never started: plan status names them, resubmitting trains only those, each run once and as if never stopped', async () => {
    const slow = [
      '--task',
      'adding',
      '--hidden',
      '24',
      '--lengths',
      '20-40',
      '--batch',
      '16',
      '--steps',
      '200',
      '--record-every',
      '1',
      '--eval-every',
      '20',
      '--norm',
      'bn_step',
      '--seed',
      '1,2,3',
    ]
    const dir = tmp.file('killed')
    expect((await cli(['sweep', ...slow, '--plan', dir])).code).toBe(0)
    const start = (i: number) => {
      const child = spawn('bash', [join(dir, 'run.sh'), String(i)], { cwd: tmp.dir, stdio: 'ignore' })
      return { child, exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) }
    }
    const one = start(1)
    const two = start(2)
    await Promise.all([
      untilLossPoints(join(dir, 'archives', '001.sqlite'), 30),
      untilLossPoints(join(dir, 'archives', '002.sqlite'), 30),
    ])
    one.child.kill('SIGTERM') // the script passes it on: a checkpoint, then "interrupted"
    // The trainer itself, at once, as the kernel's OOM killer would.
    const [trainer] = await readArchive<{ pid: number }>(
      join(dir, 'archives', '002.sqlite'),
      'SELECT lease_pid AS pid FROM runs',
    )
    process.kill(trainer!.pid, 'SIGKILL')
    expect(await one.exited).toBe(143)
    expect(await two.exited).toBe(137)

    const status = await cli(['plan', 'status', dir])
    expect(status.code, status.err).toBe(0)
    expect(status.out).toMatch(/3 runs — 1 interrupted, 1 stalled, 1 missing/)
    expect(status.out).toMatch(/Not finished: 1-3/)
    const resubmit = await cli(['plan', 'resubmit', dir])
    expect(resubmit.out).toContain(`sbatch --array=1-3 --export=ALL,NORMLAB_OFFSET=0 ${join(dir, 'run.sh')}`)
    expect(resubmit.out).toContain(`printf '%s\\n' 1 2 3 | parallel -j 4 bash ${join(dir, 'run.sh')} {}`)

    // What the printed GNU parallel line does: each unfinished task again (xargs -P where parallel is not installed).
    const again = await processOf('bash', [
      '-c',
      `printf '%s\\n' 1 2 3 | xargs -P 3 -I{} bash ${join(dir, 'run.sh')} {}`,
    ])
    expect(again.code, again.output).toBe(0)
    expect(again.output).toMatch(/Run 1 resumes after step \d+/)
    const done = await cli(['plan', 'status', dir])
    expect(done.out).toMatch(/3 runs — 3 completed/)
    expect(done.out).toMatch(/Every run has finished/)
    // A task started once more finds its run done and trains nothing.
    const extra = await processOf('bash', [join(dir, 'run.sh'), '1'])
    expect(extra.code).toBe(0)
    expect(extra.output).toMatch(/has completed in this archive already; nothing to do/)

    const merged = tmp.file('killed-merged.sqlite')
    expect(
      (await cli(['import', ...[1, 2, 3].map((i) => join(dir, 'archives', `00${i}.sqlite`)), '--db', merged])).code,
    ).toBe(0)
    const runs = await readArchive<{ id: number; name: string; status: string }>(
      merged,
      'SELECT id, name, status FROM runs ORDER BY id',
    )
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed'])
    // Each run's losses are those of the same planned run trained without a stop.
    for (const i of [1, 2, 3]) {
      const alone = tmp.file(`alone-${i}.sqlite`)
      expect((await cli(['train', '--from-plan', join(dir, 'runs', `00${i}.json`), '--db', alone])).code).toBe(0)
      const losses = async (db: string, name: string) =>
        readArchive(
          db,
          `SELECT m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.name = '${name}' AND m.name IN ('loss', 'eval/loss') ORDER BY m.name, m.step`,
        )
      const name = runs[i - 1]!.name
      expect(await losses(merged, name)).toEqual(await losses(alone, name))
    }
  }, 240_000)
})
