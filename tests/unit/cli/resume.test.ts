// `lab resume`: a run stopped midway goes on from its last checkpoint and ends with exactly the
// record of a run that never stopped (every loss, statistic and evaluation the same, nothing twice);
// a study's queued and interrupted runs go on together; what cannot resume is refused with why.
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli'
import { readArchive as read } from '../../helpers/archive'
import { tempDir } from '../../helpers/temp'
import { SqliteDb } from '../../../electron/store/sqlite'

const tmp = tempDir('normlab-resume-')
afterAll(() => tmp.cleanup())

const RUN = [
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
  '30',
  '--record-every',
  '5',
  '--eval-every',
  '10',
  '--backend',
  'wasm',
]

/** Stops after the engine has asked `calls` times (it asks once before every step). */
const stopAfter = (calls: number) => {
  let n = 0
  return () => ++n > calls
}

/** A run's whole record, wall times left out: what "the same run" means. */
async function record(db: string, runId: number) {
  const metrics = await read(
    db,
    `SELECT name, step, value FROM metrics WHERE run_id = ${runId} AND name != 'step_ms' ORDER BY name, step`,
  )
  const stats = await read(
    db,
    `SELECT term, step, count, mean, var FROM timestep_stats WHERE run_id = ${runId} ORDER BY term, step`,
  )
  const population = await read(
    db,
    `SELECT step, term, mean, var, seen FROM population_stats WHERE run_id = ${runId} ORDER BY step, term`,
  )
  const evaluations = await read(
    db,
    `SELECT step, policy, length, metric, value FROM evaluations WHERE run_id = ${runId} ORDER BY step, policy, length, metric`,
  )
  return { metrics, stats, population, evaluations }
}

describe('lab resume', () => {
  it('a run stopped after step 16 resumes from its checkpoint and ends identical to one that never stopped', async () => {
    const whole = tmp.file('whole.sqlite')
    expect((await cli(['train', ...RUN, '--db', whole])).code).toBe(0)

    const db = tmp.file('stopped.sqlite')
    const first = await cli(['train', ...RUN, '--db', db], stopAfter(16))
    expect(first.out).toMatch(/Run 1 interrupted after 16 steps/)
    expect(await read(db, 'SELECT step FROM run_checkpoints')).toEqual([{ step: 16 }])

    const resumed = await cli(['resume', '--run', '1', '--db', db])
    expect(resumed.err).toBe('')
    expect(resumed.code).toBe(0)
    expect(resumed.out).toMatch(/Resuming 1 run: 0 queued, 1 interrupted \(#1 from step 16\)/)
    expect(resumed.out).toMatch(/Run 1 completed after 30 steps/)
    expect(await read(db, 'SELECT status, error FROM runs')).toEqual([{ status: 'completed', error: null }])
    // Nothing left to resume from: a completed run keeps no checkpoint.
    expect(await read(db, 'SELECT COUNT(*) AS n FROM run_checkpoints')).toEqual([{ n: 0 }])
    expect(await record(db, 1)).toEqual(await record(whole, 1))
  }, 120_000)

  it('what a run recorded after its last checkpoint (a kill between checkpoints) is replaced, never doubled', async () => {
    const db = tmp.file('past.sqlite')
    await cli(['train', ...RUN, '--db', db], stopAfter(10))
    const [older] = await read<{ step: number; bytes: number; saved_at: number; state: string }>(
      db,
      'SELECT step, bytes, saved_at, state FROM run_checkpoints',
    )
    expect(older!.step).toBe(10)
    await cli(['resume', '--run', '1', '--db', db], stopAfter(6))
    expect(await read(db, "SELECT MAX(step) AS last FROM metrics WHERE name = 'loss'")).toEqual([{ last: 16 }])
    // As if the process had died at step 16 with its checkpoint still at 10.
    const conn = await SqliteDb.open(db)
    await conn.run('UPDATE run_checkpoints SET step = ?, bytes = ?, saved_at = ?, state = ?', [
      older!.step,
      older!.bytes,
      older!.saved_at,
      older!.state,
    ])
    await conn.close()
    const resumed = await cli(['resume', '--run', '1', '--db', db])
    expect(resumed.out).toMatch(/from step 10/)
    const loss = await read<{ step: number }>(
      db,
      "SELECT step FROM metrics WHERE run_id = 1 AND name = 'loss' ORDER BY step",
    )
    expect(loss.map((r) => r.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(await record(db, 1)).toEqual(await record(tmp.file('whole.sqlite'), 1))
  }, 120_000)

  it('a study stopped midway: its interrupted run and the runs that never started go on, and it says which', async () => {
    const db = tmp.file('study.sqlite')
    const stopped = await cli(['sweep', ...RUN, '--seed', '1,2,3', '--jobs', '1', '--db', db], stopAfter(7))
    expect(stopped.code).toBe(0)
    expect((await read<{ status: string }>(db, 'SELECT status FROM runs ORDER BY id')).map((r) => r.status)).toEqual([
      'interrupted',
      'interrupted',
      'interrupted',
    ])
    const nothing = await cli(['resume', '--study', '2', '--db', db])
    expect(nothing.out).toMatch(/Nothing to resume in study 2/)
    const resumed = await cli(['resume', '--study', '1', '--db', db])
    expect(resumed.code).toBe(0)
    expect(resumed.out).toMatch(
      /Resuming 3 runs: 0 queued, 3 interrupted \(#1 from step 7, #2 from the start, #3 from the start\)/,
    )
    expect((await read<{ status: string }>(db, 'SELECT status FROM runs ORDER BY id')).map((r) => r.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ])
    const again = await cli(['resume', '--run', '2', '--db', db])
    expect(again.code).toBe(2)
    expect(again.err).toMatch(/run 2 is completed: only a queued or interrupted run resumes/)
  }, 180_000)

  it('the same sweep given again goes on with the study it left unfinished, instead of training every run twice', async () => {
    const db = tmp.file('again.sqlite')
    await cli(['sweep', ...RUN, '--seed', '1,2', '--jobs', '1', '--db', db], stopAfter(5))
    const again = await cli(['sweep', ...RUN, '--seed', '1,2', '--db', db])
    expect(again.code).toBe(0)
    expect(again.out).toMatch(
      /Study 1 \(.*\) has these 2 runs and did not finish: going on with its 2 queued or interrupted/,
    )
    expect(await read(db, 'SELECT COUNT(*) AS n FROM studies')).toEqual([{ n: 1 }])
    expect((await read<{ status: string }>(db, 'SELECT status FROM runs ORDER BY id')).map((r) => r.status)).toEqual([
      'completed',
      'completed',
    ])
    // Finished: the same sweep again is a new study (a replicate), as before.
    await cli(['sweep', ...RUN, '--seed', '1,2', '--db', db])
    expect(await read(db, 'SELECT COUNT(*) AS n FROM studies')).toEqual([{ n: 2 }])
  }, 120_000)

  it('asks for exactly one of --study, --run, --runs or --all', async () => {
    const none = await cli(['resume', '--db', tmp.file('x.sqlite')])
    expect(none.code).toBe(2)
    expect(none.err).toMatch(/one of --study N, --run N, --runs 1,2,3 or --all/)
  })
})
