// Checkpoints (migration 0007) and resuming from them. A run resumes only from what it wrote up to
// its checkpoint: whatever it recorded after that step (it trained on, then stopped without a
// newer checkpoint) is deleted in the same transaction that takes the run's lease, so the resumed
// run writes those steps once, exactly as the run that never stopped would have.
import { ApiError, notFound, type RequestOf, type ResponseOf, type Run } from '../../../shared/contract'
import { TrainingCheckpoint } from '../../../shared/contract/checkpoint'
import { leftBehind, liveJudge } from '../lease-judge'
import type { SqliteDb } from '../sqlite'
import { requireWriter } from './guards'
import type { RunStore } from './runs'

/** The tables a run records into, each with a `step` column. */
const RECORDED = ['metrics', 'timestep_stats', 'population_stats', 'snapshots', 'evaluations'] as const

/**
 * Statuses a run resumes from: stopped or cut off (interrupted), never started (queued), or ended
 * by a write that failed (failed: its checkpoint was written after everything before it, so what
 * it resumes from is whole). listResumable offers only the first two; a plan's task resumes all three.
 */
export const RESUMABLE = new Set<Run['status']>(['interrupted', 'queued', 'failed'])

export class CheckpointStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly runs: RunStore,
  ) {}

  /** Keeps a running run's checkpoint, replacing its last. */
  save(req: RequestOf<'saveCheckpoint'>): Promise<ResponseOf<'saveCheckpoint'>> {
    return this.db.transaction(async () => {
      await requireWriter(this.db, req.runId, req.owner)
      const state = JSON.stringify(req.checkpoint)
      await this.db.run(
        `INSERT INTO run_checkpoints (run_id, step, bytes, saved_at, state) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET step = excluded.step, bytes = excluded.bytes, saved_at = excluded.saved_at, state = excluded.state`,
        [req.runId, req.checkpoint.step, state.length, Date.now(), state],
      )
      return { step: req.checkpoint.step, bytes: state.length }
    })
  }

  /** Runs that can go on, with the step each resumes from (0: from the start). */
  resumable(req: RequestOf<'listResumable'>): Promise<ResponseOf<'listResumable'>> {
    return this.db.exclusive(async () => {
      const rows = await this.db.all<{
        id: number
        study_id: number | null
        status: 'queued' | 'interrupted'
        step: number | null
      }>(
        `SELECT r.id, r.study_id, r.status, c.step FROM runs r LEFT JOIN run_checkpoints c ON c.run_id = r.id
         WHERE r.status IN ('queued', 'interrupted') ${req.studyId !== undefined ? 'AND r.study_id = ?' : ''} ORDER BY r.id`,
        req.studyId !== undefined ? [req.studyId] : [],
      )
      return rows.map((r) => ({ runId: r.id, studyId: r.study_id, status: r.status, fromStep: r.step ?? 0 }))
    })
  }

  /**
   * Takes a resumable run's lease (as starting it would) and returns its checkpoint; what it
   * recorded after the checkpoint's step is deleted first. A running run whose trainer is gone
   * counts as interrupted.
   */
  resume(req: RequestOf<'resumeRun'>): Promise<ResponseOf<'resumeRun'>> {
    return this.db.transaction(async () => {
      const run = await this.runs.byIdInTransaction(req.id)
      if (!run) throw notFound(`run ${req.id}`)
      const gone = run.status === 'running' && leftBehind(run, liveJudge()) !== null
      if (!RESUMABLE.has(run.status) && !gone)
        throw new ApiError(
          'conflict',
          `run ${run.id} is ${run.status}: only a queued, interrupted or failed run resumes`,
        )
      const row = await this.db.get<{ state: string }>('SELECT state FROM run_checkpoints WHERE run_id = ?', [run.id])
      const checkpoint = row ? TrainingCheckpoint.parse(JSON.parse(row.state)) : null
      const from = checkpoint?.step ?? 0
      for (const table of RECORDED)
        await this.db.run(`DELETE FROM ${table} WHERE run_id = ? AND step > ?`, [run.id, from])
      await this.runs.takeLease(run.id, req.owner, req.device)
      return { run: (await this.runs.byIdInTransaction(run.id))!, checkpoint }
    })
  }

  /** A run that ended with nothing left to resume keeps no checkpoint. */
  async dropFinished(runId: number): Promise<void> {
    await this.db.run(
      "DELETE FROM run_checkpoints WHERE run_id = ? AND (SELECT status FROM runs WHERE id = ?) IN ('completed', 'diverged')",
      [runId, runId],
    )
  }
}
