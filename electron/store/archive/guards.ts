// Checks every store makes before touching a run's rows: the run exists, or a clear "not found".
import { ApiError, notFound } from '../../../shared/contract'
import type { SqliteDb } from '../sqlite'

export async function requireRunIds(db: SqliteDb, ids: readonly number[]): Promise<void> {
  const unique = [...new Set(ids)]
  const rows = await db.all<{ id: number }>(
    `SELECT id FROM runs WHERE id IN (${unique.map(() => '?').join(',')})`,
    unique,
  )
  const found = new Set(rows.map((r) => r.id))
  const missing = unique.filter((id) => !found.has(id))
  if (missing.length > 0) throw notFound(`run ${missing.join(', ')}`)
}

/** Terms in the order a cell computes them. */
export const TERM_ORDER = "CASE term WHEN 'x' THEN 0 WHEN 'h' THEN 1 ELSE 2 END"

/**
 * A run has one writer: what it records (metrics, statistics, population statistics, snapshots,
 * evaluations) is written only while it is running, and only under the lease of the trainer that
 * holds it. A finished run's record stays as it is; a deleted run's id is never given again, so a
 * trainer that lost its run cannot write into another.
 */
export async function requireWriter(db: SqliteDb, runId: number, owner: string): Promise<void> {
  const run = await db.get<{ status: string; lease_owner: string | null }>(
    'SELECT status, lease_owner FROM runs WHERE id = ?',
    [runId],
  )
  if (!run) throw notFound(`run ${runId}`)
  if (run.status !== 'running')
    throw new ApiError(
      'conflict',
      `run ${runId} is ${run.status}: only a running run takes data, from the trainer that holds it (a finished run's record stays as it is)`,
    )
  if (run.lease_owner !== owner)
    throw new ApiError(
      'conflict',
      `run ${runId} is trained by another process: only the trainer that holds its lease writes to it`,
    )
}
