// A run's content, as one checksum: everything it recorded and everything said about it (config,
// status, times, name, notes, tags, star, device, metrics, per-timestep statistics with their
// BLOBs, population statistics, evaluations), read in a fixed order. Two archives hold "the same
// run" when UUID and checksum agree; the same UUID with another checksum is a run that changed
// elsewhere (trained further, renamed).
import { createHash, type Hash } from 'node:crypto'
import type { SqliteDb } from '../sqlite'

/** SQLite's schema name for an archive on a connection: "main", or an attached one's alias. */
export type Schema = 'main' | 'src'

type Row = Record<string, unknown>

function feed(hash: Hash, row: Row): void {
  for (const [key, value] of Object.entries(row)) {
    hash.update(key)
    if (Buffer.isBuffer(value)) {
      hash.update(`B${value.length}:`)
      hash.update(value)
    } else hash.update(`J${JSON.stringify(value ?? null)};`)
  }
  hash.update('\n')
}

export async function runChecksum(db: SqliteDb, schema: Schema, runId: number): Promise<string> {
  const hash = createHash('sha256')
  const s = schema
  const queries: [string, string][] = [
    [
      'run',
      `SELECT uuid, name, status, config_json, created_at, started_at, ended_at, notes, starred, error, device_json, host FROM ${s}.runs WHERE id = ?`,
    ],
    ['tags', `SELECT tag FROM ${s}.run_tags WHERE run_id = ? ORDER BY tag`],
    ['metrics', `SELECT name, step, value, wall_ms FROM ${s}.metrics WHERE run_id = ? ORDER BY name, step`],
    [
      'stats',
      `SELECT t.layer, t.term, t.step, t.time_steps, t.features, t.count, t.norm_count, t.mean, t.var, f.feature_mean, f.feature_var
       FROM ${s}.timestep_stats t LEFT JOIN ${s}.timestep_features f ON f.stat_id = t.id WHERE t.run_id = ? ORDER BY t.layer, t.term, t.step`,
    ],
    [
      'population',
      `SELECT step, layer, term, time_steps, features, mean, var, seen FROM ${s}.population_stats WHERE run_id = ? ORDER BY step, layer, term`,
    ],
    [
      'evaluations',
      `SELECT step, policy, length, metric, value FROM ${s}.evaluations WHERE run_id = ? ORDER BY step, policy, length, metric`,
    ],
  ]
  for (const [part, sql] of queries) {
    hash.update(`[${part}]`)
    for (const row of await db.all<Row>(sql, [runId])) feed(hash, row)
  }
  // Snapshots (schema 4) only where a run has them: a run without keeps the checksum it had before.
  const snapshots = await db.all<Row>(
    `SELECT term, step, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var FROM ${s}.snapshots WHERE run_id = ? ORDER BY term, step`,
    [runId],
  )
  if (snapshots.length > 0) {
    hash.update('[snapshots]')
    for (const row of snapshots) feed(hash, row)
  }
  // A checkpoint likewise: a run trained further elsewhere differs by it as well.
  const checkpoint = await db.all<Row>(`SELECT step, state FROM ${s}.run_checkpoints WHERE run_id = ?`, [runId])
  if (checkpoint.length > 0) {
    hash.update('[checkpoint]')
    for (const row of checkpoint) feed(hash, row)
  }
  return hash.digest('hex')
}

/** Rows per table that belong to a run (what a manifest lists, and tests compare). */
export async function runRowCounts(db: SqliteDb, schema: Schema, runId: number): Promise<Record<string, number>> {
  const count = async (sql: string) => (await db.get<{ n: number }>(sql, [runId]))!.n
  return {
    metrics: await count(`SELECT COUNT(*) AS n FROM ${schema}.metrics WHERE run_id = ?`),
    timestep_stats: await count(`SELECT COUNT(*) AS n FROM ${schema}.timestep_stats WHERE run_id = ?`),
    timestep_features: await count(
      `SELECT COUNT(*) AS n FROM ${schema}.timestep_features WHERE stat_id IN (SELECT id FROM ${schema}.timestep_stats WHERE run_id = ?)`,
    ),
    population_stats: await count(`SELECT COUNT(*) AS n FROM ${schema}.population_stats WHERE run_id = ?`),
    snapshots: await count(`SELECT COUNT(*) AS n FROM ${schema}.snapshots WHERE run_id = ?`),
    evaluations: await count(`SELECT COUNT(*) AS n FROM ${schema}.evaluations WHERE run_id = ?`),
    run_tags: await count(`SELECT COUNT(*) AS n FROM ${schema}.run_tags WHERE run_id = ?`),
  }
}
