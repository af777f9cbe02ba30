// Scalar metrics: one row per (run, name, step), written with multi-row INSERTs.
import type { MetricSeries, RequestOf, RunMetricSummary } from '../../../shared/contract'
import { higherIsBetter } from '../../../shared/kinds'
import { insertMany, type SqliteDb } from '../sqlite'
import { requireRunIds, requireWriter } from './guards'

export class MetricStore {
  constructor(private readonly db: SqliteDb) {}

  append(req: RequestOf<'appendMetrics'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await requireWriter(this.db, req.runId, req.owner)
      const rows = req.points.map((p) => [req.runId, p.name, p.step, p.value, p.wallMs])
      const written = await insertMany(
        this.db,
        'INSERT INTO metrics (run_id, name, step, value, wall_ms)',
        5,
        rows,
        'ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, wall_ms = excluded.wall_ms',
      )
      return { written }
    })
  }

  query(req: RequestOf<'queryMetrics'>): Promise<{ series: MetricSeries[] }> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, req.runIds)
      const series: MetricSeries[] = []
      for (const runId of req.runIds) {
        const names =
          req.names ??
          (
            await this.db.all<{ name: string }>('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name', [
              runId,
            ])
          ).map((r) => r.name)
        for (const name of names) {
          const rows = await this.db.all<{ step: number; value: number; wall_ms: number }>(
            'SELECT step, value, wall_ms FROM metrics WHERE run_id = ? AND name = ? ORDER BY step',
            [runId, name],
          )
          series.push({
            runId,
            name,
            steps: rows.map((r) => r.step),
            values: rows.map((r) => r.value),
            wallMs: rows.map((r) => r.wall_ms),
          })
        }
      }
      return { series }
    })
  }

  /** Final (last step) and best value of one metric per run, in two grouped scans. */
  summarize(req: RequestOf<'summarizeRuns'>): Promise<RunMetricSummary[]> {
    const runs = req.runIds === undefined ? 'SELECT id FROM runs' : req.runIds.map(Number).join(',') || 'NULL'
    // SQLite's bare columns: with MAX(step) / MIN(value) the row's other columns come from that row.
    const best = higherIsBetter(req.metric) ? 'MAX' : 'MIN'
    return this.db.exclusive(async () => {
      const finals = await this.db.all<{ run_id: number; step: number; value: number }>(
        `SELECT run_id, MAX(step) AS step, value FROM metrics WHERE name = ? AND run_id IN (${runs}) GROUP BY run_id`,
        [req.metric],
      )
      const bests = await this.db.all<{ run_id: number; step: number; value: number }>(
        `SELECT run_id, step, ${best}(value) AS value FROM metrics WHERE name = ? AND run_id IN (${runs}) GROUP BY run_id`,
        [req.metric],
      )
      const ids = req.runIds ?? (await this.db.all<{ id: number }>('SELECT id FROM runs ORDER BY id')).map((r) => r.id)
      const finalOf = new Map(finals.map((r) => [r.run_id, { step: r.step, value: r.value }]))
      const bestOf = new Map(bests.map((r) => [r.run_id, { step: r.step, value: r.value }]))
      return ids.map((runId) => ({ runId, final: finalOf.get(runId) ?? null, best: bestOf.get(runId) ?? null }))
    })
  }
}
