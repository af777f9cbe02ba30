// The explorable's snapshots (migrations/0004_snapshots.sql): per (run, term, step), one batch's
// pre-normalization values with its mask and each (sample, time step)'s moments over features.
// Stored and returned packed (Float32 BLOBs ⇄ base64), so neither side walks the numbers.
import { ApiError } from '../../../shared/contract'
import type { RequestOf, ResponseOf, SnapshotRecord, Term } from '../../../shared/contract'
import { int32Blob, matrixBlob, readInt32 } from '../blobs'
import { insertMany, type SqliteDb } from '../sqlite'
import { requireRunIds, requireWriter, TERM_ORDER } from './guards'

interface SnapshotRow {
  step: number
  term: Term
  batch: number
  time_steps: number
  features: number
  total_features: number
  groups: number
  lengths: Buffer
  vals: Buffer
  row_mean: Buffer
  row_var: Buffer
}

const packed = (blob: Buffer, rows: number, columns: number) => ({ rows, columns, base64: blob.toString('base64') })

/** A stored row as the contract's record (with its step). */
export function snapshotOfRow(r: SnapshotRow): SnapshotRecord & { step: number } {
  const rows = r.batch * r.time_steps
  return {
    step: r.step,
    term: r.term,
    batch: r.batch,
    timeSteps: r.time_steps,
    totalFeatures: r.total_features,
    groups: r.groups,
    lengths: readInt32(r.lengths),
    values: packed(r.vals, rows, r.features),
    rowMean: packed(r.row_mean, rows, r.groups),
    rowVar: packed(r.row_var, rows, r.groups),
  }
}

export const SNAPSHOT_COLUMNS =
  'step, term, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var'

export class SnapshotStore {
  constructor(private readonly db: SqliteDb) {}

  append(req: RequestOf<'appendSnapshots'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await requireWriter(this.db, req.runId, req.owner)
      // A snapshot is taken at a step of the run (the import check refuses one past it too).
      const planned = await this.db.get<{ steps: number | null }>(
        "SELECT json_extract(config_json, '$.steps') AS steps FROM runs WHERE id = ?",
        [req.runId],
      )
      if (planned?.steps !== null && planned?.steps !== undefined && req.step > planned.steps)
        throw new ApiError('invalid_request', `snapshot at step ${req.step} is past the run's ${planned.steps} steps`)
      const rows = req.records.map((r) => [
        req.runId,
        r.term,
        req.step,
        r.batch,
        r.timeSteps,
        r.values.columns,
        r.totalFeatures,
        r.groups,
        int32Blob(r.lengths),
        matrixBlob(r.values),
        matrixBlob(r.rowMean),
        matrixBlob(r.rowVar),
      ])
      const written = await insertMany(
        this.db,
        'INSERT INTO snapshots (run_id, term, step, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var)',
        12,
        rows,
        `ON CONFLICT (run_id, term, step) DO UPDATE SET batch = excluded.batch, time_steps = excluded.time_steps, features = excluded.features,
           total_features = excluded.total_features, groups = excluded.groups, lengths = excluded.lengths, vals = excluded.vals,
           row_mean = excluded.row_mean, row_var = excluded.row_var`,
      )
      return { written }
    })
  }

  /** Which snapshots the run has; with step (and term: the first of the cell's terms otherwise) one of them, else the last step's. */
  get(req: RequestOf<'getSnapshot'>): Promise<ResponseOf<'getSnapshot'>> {
    return this.db.exclusive(async () => {
      await requireRunIds(this.db, [req.runId])
      const available = await this.db.all<{ step: number; term: Term }>(
        `SELECT step, term FROM snapshots WHERE run_id = ? ORDER BY step, ${TERM_ORDER}`,
        [req.runId],
      )
      const step = req.step ?? available[available.length - 1]?.step
      const pick = available.find((a) => a.step === step && (req.term === undefined || a.term === req.term))
      if (!pick) return { available, snapshot: null }
      const row = await this.db.get<SnapshotRow>(
        `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE run_id = ? AND step = ? AND term = ?`,
        [req.runId, pick.step, pick.term],
      )
      return { available, snapshot: row ? snapshotOfRow(row) : null }
    })
  }
}
