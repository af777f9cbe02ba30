// Per-timestep statistics: one row per (run, layer, term, recorded step) with the T time steps
// packed in BLOBs (valid count Int32[T], normCount Int32[T], mean and variance summaries
// Float32[T]); the per-feature vectors (Float32[T×C]) sit in timestep_features so heatmap scans
// never read them.
import {
  matrixShape,
  notFound,
  type RequestOf,
  type ResponseOf,
  type Term,
  type TimestepRecord,
} from '../../../shared/contract'
import { float32Blob, int32Blob, matrixBlob, readFloat32, readInt32, readMatrix } from '../blobs'
import { insertMany, type Param, type SqliteDb } from '../sqlite'
import { requireRunIds, requireWriter, TERM_ORDER } from './guards'

/** Evenly spaced rows, always keeping the first and the last. */
export function decimate<T>(rows: readonly T[], maxRows: number): T[] {
  if (rows.length <= maxRows) return [...rows]
  if (maxRows === 1) return [rows[rows.length - 1]!]
  const picked: T[] = []
  for (let i = 0; i < maxRows; i++) picked.push(rows[Math.round((i * (rows.length - 1)) / (maxRows - 1))]!)
  return picked
}

export class TimestepStore {
  constructor(private readonly db: SqliteDb) {}

  append(req: RequestOf<'appendTimestepStats'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await requireWriter(this.db, req.runId, req.owner)
      const rows = req.records.map((r: TimestepRecord) => [
        req.runId,
        r.layer,
        r.term,
        r.step,
        r.count.length,
        r.featureMean ? matrixShape(r.featureMean).columns : 0,
        int32Blob(r.count),
        r.normCount ? int32Blob(r.normCount) : null,
        float32Blob(r.mean),
        float32Blob(r.var),
      ])
      const ids: number[] = []
      const perStatement = 400
      for (let start = 0; start < rows.length; start += perStatement) {
        const chunk = rows.slice(start, start + perStatement)
        const inserted = await this.db.all<{ id: number }>(
          `INSERT INTO timestep_stats (run_id, layer, term, step, time_steps, features, count, norm_count, mean, var)
           VALUES ${chunk.map(() => '(?,?,?,?,?,?,?,?,?,?)').join(',')}
           ON CONFLICT (run_id, layer, term, step) DO UPDATE SET time_steps = excluded.time_steps,
             features = excluded.features, count = excluded.count, norm_count = excluded.norm_count, mean = excluded.mean, var = excluded.var
           RETURNING id`,
          chunk.flat(),
        )
        ids.push(...inserted.map((r) => r.id))
      }
      // RETURNING gives rows in insertion order, one per VALUES tuple.
      const features: Param[][] = []
      req.records.forEach((r, i) => {
        if (r.featureMean && r.featureVar) features.push([ids[i]!, matrixBlob(r.featureMean), matrixBlob(r.featureVar)])
      })
      await this.db.run(`DELETE FROM timestep_features WHERE stat_id IN (${ids.map(() => '?').join(',')})`, ids)
      if (features.length > 0)
        await insertMany(this.db, 'INSERT INTO timestep_features (stat_id, feature_mean, feature_var)', 3, features)
      return { written: ids.length }
    })
  }

  listSeries(runId: number): Promise<ResponseOf<'listTimestepSeries'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [runId])
      const rows = await this.db.all<{
        layer: number
        term: Term
        t: number
        c: number
        n: number
        first: number
        last: number
      }>(
        `SELECT layer, term, MAX(time_steps) AS t, MAX(features) AS c, COUNT(*) AS n, MIN(step) AS first, MAX(step) AS last
         FROM timestep_stats WHERE run_id = ? GROUP BY layer, term ORDER BY layer, ${TERM_ORDER}`,
        [runId],
      )
      return rows.map((r) => ({
        layer: r.layer,
        term: r.term,
        timeSteps: r.t,
        features: r.c,
        recordedSteps: r.n,
        firstStep: r.first,
        lastStep: r.last,
      }))
    })
  }

  /** The training steps at which a term was recorded, ascending (an index-only scan). */
  recordedSteps(req: RequestOf<'listRecordedSteps'>): Promise<ResponseOf<'listRecordedSteps'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [req.runId])
      const rows = await this.db.all<{ step: number }>(
        'SELECT step FROM timestep_stats WHERE run_id = ? AND layer = ? AND term = ? ORDER BY step',
        [req.runId, req.layer, req.term],
      )
      return { steps: rows.map((r) => r.step) }
    })
  }

  profile(req: RequestOf<'getTimestepProfile'>): Promise<ResponseOf<'getTimestepProfile'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [req.runId])
      const row = await this.db.get<{
        step: number
        features: number
        count: Buffer
        norm_count: Buffer | null
        mean: Buffer
        var: Buffer
        feature_mean: Buffer | null
        feature_var: Buffer | null
      }>(
        `SELECT s.step, s.features, s.count, s.norm_count, s.mean, s.var, f.feature_mean, f.feature_var
         FROM timestep_stats s LEFT JOIN timestep_features f ON f.stat_id = s.id
         WHERE s.run_id = ? AND s.layer = ? AND s.term = ? ${req.step === undefined ? '' : 'AND s.step <= ?'}
         ORDER BY s.step DESC LIMIT 1`,
        req.step === undefined ? [req.runId, req.layer, req.term] : [req.runId, req.layer, req.term, req.step],
      )
      if (!row) {
        throw notFound(
          `per-timestep statistics of run ${req.runId}, layer ${req.layer}, term ${req.term}${req.step === undefined ? '' : ` at or before step ${req.step}`}`,
        )
      }
      return {
        step: row.step,
        layer: req.layer,
        term: req.term,
        count: readInt32(row.count),
        normCount: row.norm_count ? readInt32(row.norm_count) : null,
        mean: readFloat32(row.mean),
        var: readFloat32(row.var),
        featureMean: row.feature_mean ? readMatrix(row.feature_mean, row.features) : null,
        featureVar: row.feature_var ? readMatrix(row.feature_var, row.features) : null,
      }
    })
  }

  rows(req: RequestOf<'getTimestepRows'>): Promise<ResponseOf<'getTimestepRows'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [req.runId])
      const rows = await this.db.all<{
        step: number
        features: number
        time_steps: number
        count: Buffer
        norm_count: Buffer | null
        mean: Buffer
        var: Buffer
        feature_mean: Buffer | null
        feature_var: Buffer | null
      }>(
        `SELECT s.step, s.features, s.time_steps, s.count, s.norm_count, s.mean, s.var,
           CASE WHEN s.step IN (SELECT value FROM json_each(?)) THEN f.feature_mean END AS feature_mean,
           CASE WHEN s.step IN (SELECT value FROM json_each(?)) THEN f.feature_var END AS feature_var
         FROM timestep_stats s LEFT JOIN timestep_features f ON f.stat_id = s.id
         WHERE s.run_id = ? AND s.layer = ? AND s.term = ? AND s.step IN (SELECT value FROM json_each(?)) ORDER BY s.step`,
        [
          JSON.stringify(req.featureSteps),
          JSON.stringify(req.featureSteps),
          req.runId,
          req.layer,
          req.term,
          JSON.stringify(req.steps),
        ],
      )
      // The BLOBs are little-endian Float32 already: the packed form is their base64.
      const packed = (blob: Buffer | null, r: { time_steps: number; features: number }) =>
        blob && r.features > 0 ? { rows: r.time_steps, columns: r.features, base64: blob.toString('base64') } : null
      return {
        layer: req.layer,
        term: req.term,
        rows: rows.map((r) => ({
          step: r.step,
          count: readInt32(r.count),
          normCount: r.norm_count ? readInt32(r.norm_count) : null,
          mean: readFloat32(r.mean),
          var: readFloat32(r.var),
          featureMean: packed(r.feature_mean, r),
          featureVar: packed(r.feature_var, r),
        })),
      }
    })
  }

  grid(req: RequestOf<'getTimestepGrid'>): Promise<ResponseOf<'getTimestepGrid'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [req.runId])
      // Count first (index only); when there are more rows than asked for, pick evenly spaced
      // steps from the index and read only those rows' blobs.
      const where = 'run_id = ? AND layer = ? AND term = ?'
      const params: Param[] = [req.runId, req.layer, req.term]
      const total = (await this.db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM timestep_stats WHERE ${where}`,
        params,
      ))!.n
      let filter = ''
      if (total > req.maxRows) {
        const steps = (
          await this.db.all<{ step: number }>(`SELECT step FROM timestep_stats WHERE ${where} ORDER BY step`, params)
        ).map((r) => r.step)
        filter = 'AND step IN (SELECT value FROM json_each(?))'
        params.push(JSON.stringify(decimate(steps, req.maxRows)))
      }
      // The column name comes from a closed enum validated by the contract.
      const column = req.field === 'normCount' ? 'norm_count' : req.field
      const picked = await this.db.all<{ step: number; time_steps: number; blob: Buffer | null }>(
        `SELECT step, time_steps, ${column} AS blob FROM timestep_stats WHERE ${where} ${filter} ORDER BY step`,
        params,
      )
      const timeSteps = picked.reduce((max, r) => Math.max(max, r.time_steps), 0)
      const read = req.field === 'count' || req.field === 'normCount' ? readInt32 : readFloat32
      const values = picked.map((r) => {
        const row: (number | null)[] = r.blob ? read(r.blob) : []
        while (row.length < timeSteps) row.push(null)
        return row
      })
      return {
        layer: req.layer,
        term: req.term,
        field: req.field,
        steps: picked.map((r) => r.step),
        timeSteps,
        values,
        totalSteps: total,
      }
    })
  }
}
