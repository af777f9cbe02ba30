// Checks every store makes before touching a run's rows: the run exists, or a clear "not found".
import { notFound } from '../../../shared/contract'
import type { SqliteDb } from '../sqlite'

export async function requireRunIds(db: SqliteDb, ids: readonly number[]): Promise<void> {
  const unique = [...new Set(ids)]
  const rows = await db.all<{ id: number }>(`SELECT id FROM runs WHERE id IN (${unique.map(() => '?').join(',')})`, unique)
  const found = new Set(rows.map((r) => r.id))
  const missing = unique.filter((id) => !found.has(id))
  if (missing.length > 0) throw notFound(`run ${missing.join(', ')}`)
}

/** Terms in the order a cell computes them. */
export const TERM_ORDER = "CASE term WHEN 'x' THEN 0 WHEN 'h' THEN 1 ELSE 2 END"
