// `sweep --jobs N`: the runs train N at a time, each in a process of its own, into one archive;
// every run ends as the same run trained one after another would (every loss, statistic and
// evaluation equal), and the study is one study.
import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli'
import { readArchive as read } from '../../helpers/archive'
import { tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-jobs-')
afterAll(() => tmp.cleanup())

const SWEEP = [
  'sweep',
  '--task',
  'adding',
  '--norm',
  'bn_step,ln',
  '--seed',
  '1,2',
  '--hidden',
  '8',
  '--batch',
  '8',
  '--lengths',
  '4-12',
  '--steps',
  '20',
  '--record-every',
  '5',
  '--eval-every',
  '10',
  '--snapshots',
  'last',
  '--backend',
  'wasm',
]

/** Each run's record by name, wall times left out. */
async function records(db: string) {
  const byName = async (sql: string) => read(db, sql)
  return {
    runs: await byName('SELECT name, status, error FROM runs ORDER BY name'),
    metrics: await byName(
      "SELECT r.name, m.name AS metric, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.name != 'step_ms' ORDER BY r.name, m.name, m.step",
    ),
    stats: await byName(
      'SELECT r.name, s.term, s.step, s.count, s.mean, s.var FROM timestep_stats s JOIN runs r ON r.id = s.run_id ORDER BY r.name, s.term, s.step',
    ),
    evaluations: await byName(
      'SELECT r.name, e.step, e.policy, e.length, e.metric, e.value FROM evaluations e JOIN runs r ON r.id = e.run_id ORDER BY r.name, e.step, e.policy, e.length, e.metric',
    ),
    snapshots: await byName(
      'SELECT r.name, s.term, s.step, s.vals FROM snapshots s JOIN runs r ON r.id = s.run_id ORDER BY r.name, s.term, s.step',
    ),
  }
}

describe('sweep --jobs', () => {
  it('trains 2 runs at a time into one archive, each run identical to the same run trained alone', async () => {
    const alone = tmp.file('alone.sqlite')
    expect((await cli([...SWEEP, '--db', alone])).code).toBe(0)
    const parallel = tmp.file('parallel.sqlite')
    const result = await cli([...SWEEP, '--jobs', '2', '--db', parallel])
    expect(result.code, result.err).toBe(0)
    expect(result.out).toMatch(/Training 4 runs 2 at a time, each in a process of its own/)
    expect(result.out).toMatch(/^\[job 1\] Run \d+: /m)
    expect(result.out).toMatch(/^\[job 2\] Run \d+: /m)
    // Every process is given every run and takes the next one no process has started: each run
    // is started exactly once, by one of them.
    const started = [...result.out.matchAll(/^\[job \d\] Run (\d+): /gm)].map((m) => Number(m[1]))
    expect(started.sort()).toEqual([1, 2, 3, 4])
    expect(result.out).toMatch(/Study 1 done: 4 completed/)
    expect(await read(parallel, 'SELECT COUNT(*) AS n FROM studies')).toEqual([{ n: 1 }])
    expect(await records(parallel)).toEqual(await records(alone))
  }, 180_000)

  it('refuses a --jobs that is not a count', async () => {
    const bad = await cli([...SWEEP, '--jobs', 'many', '--db', tmp.file('never.sqlite')])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--jobs must be a whole number from 1 to 256, or auto/)
    expect(existsSync(tmp.file('never.sqlite'))).toBe(false)
  })
})
