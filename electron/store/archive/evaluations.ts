// Length-generalization results: the metric per (run, step, BN policy, evaluation length).
import type { EvaluationResult, RequestOf, ResponseOf } from '../../../shared/contract'
import { insertMany, type SqliteDb } from '../sqlite'
import { requireRunIds, requireWriter } from './guards'

export class EvaluationStore {
  constructor(private readonly db: SqliteDb) {}

  append(req: RequestOf<'appendEvaluations'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await requireWriter(this.db, req.runId, req.owner)
      const rows = req.results.map((r: EvaluationResult) => [req.runId, r.step, r.policy, r.length, r.metric, r.value])
      const written = await insertMany(
        this.db,
        'INSERT INTO evaluations (run_id, step, policy, length, metric, value)',
        6,
        rows,
        'ON CONFLICT (run_id, step, policy, length, metric) DO UPDATE SET value = excluded.value',
      )
      return { written }
    })
  }

  list(req: RequestOf<'listEvaluations'>): Promise<ResponseOf<'listEvaluations'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, req.runIds)
      return this.db.all<EvaluationResult & { runId: number }>(
        `SELECT run_id AS runId, step, policy, length, metric, value FROM evaluations
         WHERE run_id IN (${req.runIds.map(() => '?').join(',')}) ORDER BY run_id, step, policy, length, metric`,
        req.runIds,
      )
    })
  }
}
