// Scalar metrics: one row per (run, name, step), written with multi-row INSERTs.
import type { MetricSeries, RequestOf } from '../../../shared/contract'
import { insertMany, type SqliteDb } from '../sqlite'
import { requireRunIds } from './guards'

export class MetricStore {
  constructor(private readonly db: SqliteDb) {}

  append(req: RequestOf<'appendMetrics'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await requireRunIds(this.db, [req.runId])
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
        const names = req.names ?? (await this.db.all<{ name: string }>('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name', [runId])).map((r) => r.name)
        for (const name of names) {
          const rows = await this.db.all<{ step: number; value: number; wall_ms: number }>('SELECT step, value, wall_ms FROM metrics WHERE run_id = ? AND name = ? ORDER BY step', [runId, name])
          series.push({ runId, name, steps: rows.map((r) => r.step), values: rows.map((r) => r.value), wallMs: rows.map((r) => r.wall_ms) })
        }
      }
      return { series }
    })
  }
}
