// Snapshots of BN's population (running) statistics: per (run, step, layer, term), mean and
// variance as Float32 [T × C] BLOBs and how often each time step was updated as Int32 [T].
import {
  matrixShape,
  type PopulationRecord,
  type RequestOf,
  type ResponseOf,
  type Term,
} from '../../../shared/contract'
import { int32Blob, matrixBlob, readInt32, readMatrix } from '../blobs'
import { insertMany, type SqliteDb } from '../sqlite'
import { requireRunIds, requireWriter, TERM_ORDER } from './guards'

export class PopulationStore {
  constructor(private readonly db: SqliteDb) {}

  append(req: RequestOf<'appendPopulationStats'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await requireWriter(this.db, req.runId, req.owner)
      const rows = req.records.map((r: PopulationRecord) => [
        req.runId,
        req.step,
        r.layer,
        r.term,
        r.seen.length,
        matrixShape(r.mean).columns,
        matrixBlob(r.mean),
        matrixBlob(r.var),
        int32Blob(r.seen),
      ])
      const written = await insertMany(
        this.db,
        'INSERT INTO population_stats (run_id, step, layer, term, time_steps, features, mean, var, seen)',
        9,
        rows,
        `ON CONFLICT (run_id, step, layer, term) DO UPDATE SET time_steps = excluded.time_steps, features = excluded.features,
           mean = excluded.mean, var = excluded.var, seen = excluded.seen`,
      )
      return { written }
    })
  }

  /** The snapshot at the given step or the latest before it; the latest when no step is given. */
  get(req: RequestOf<'getPopulationStats'>): Promise<ResponseOf<'getPopulationStats'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [req.runId])
      const latest = await this.db.get<{ step: number | null }>(
        `SELECT MAX(step) AS step FROM population_stats WHERE run_id = ? ${req.step === undefined ? '' : 'AND step <= ?'}`,
        req.step === undefined ? [req.runId] : [req.runId, req.step],
      )
      if (!latest || latest.step === null) return null
      const rows = await this.db.all<{
        layer: number
        term: Term
        features: number
        mean: Buffer
        var: Buffer
        seen: Buffer
      }>(
        `SELECT layer, term, features, mean, var, seen FROM population_stats WHERE run_id = ? AND step = ? ORDER BY layer, ${TERM_ORDER}`,
        [req.runId, latest.step],
      )
      return {
        step: latest.step,
        records: rows.map((r) => ({
          layer: r.layer,
          term: r.term,
          mean: readMatrix(r.mean, r.features),
          var: readMatrix(r.var, r.features),
          seen: readInt32(r.seen),
        })),
      }
    })
  }
}
