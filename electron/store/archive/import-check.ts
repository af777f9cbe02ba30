// A file to import is untrusted input, whatever its manifest says. Before anything is merged, the
// private copy being imported is checked like every other boundary checks what reaches the archive:
//   1. its schema objects are exactly those NormLab's migrations make (no extra view, trigger or
//      table posing as one of ours; no missing index or constraint);
//   2. every row passes the same schemas the app's own writes pass (shared/contract), with the
//      columns copied out of a run's configuration agreeing with it;
//   3. every reference points at a row that exists.
// A file with anything outside them is refused, with the first problems named; the archive it was
// to go into is not touched. Every table the migrations make has a row check here (a test holds
// the list to the schema), so a new table cannot slip through unchecked.
import { z } from 'zod'
import {
  DeviceInfo,
  EvaluationResult,
  Id,
  Layer,
  MetricPoint,
  Name,
  Notes,
  RUN_STATUSES,
  RunError,
  Step,
  StudyDesign,
  Tag,
  Term,
  Time,
  Uuid,
} from '../../../shared/contract'
import { TrainConfig } from '../../../shared/contract/train-config'
import { TrainingCheckpoint } from '../../../shared/contract/checkpoint'
import { migrate, type Migration } from '../migrations'
import { SqliteDb, type Row } from '../sqlite'
import { configHash } from './runs'

/** The tables every archive has, each with the check of its rows (`tableChecks`). */
export const CHECKED_TABLES = [
  'schema_migrations',
  'studies',
  'runs',
  'run_tags',
  'metrics',
  'timestep_stats',
  'timestep_features',
  'population_stats',
  'snapshots',
  'evaluations',
  'run_checkpoints',
] as const

/** An export's manifest, as exportRuns writes it. */
export const ManifestSchema = z.strictObject({
  format: z.literal('normlab-export'),
  formatVersion: z.literal(1),
  appVersion: z.string().max(64),
  schemaVersion: z.number().int().min(1),
  exportedAt: Time,
  studies: z.array(z.strictObject({ uuid: Uuid, name: z.string().max(200) })),
  runs: z.array(
    z.strictObject({
      uuid: Uuid,
      name: z.string().max(200),
      checksum: z.string().regex(/^[0-9a-f]{64}$/),
      rows: z.record(z.string(), z.number().int().min(0)),
    }),
  ),
})

/** What a refused file is told: the first problems, each with where it was found. */
export class ImportProblems extends Error {}

const MAX_PROBLEMS = 5

/** The schema objects a fresh archive has (type, name, table, SQL), made once per process. */
let expected: Promise<Map<string, string>> | null = null
async function expectedObjects(migrations: Migration[]): Promise<Map<string, string>> {
  expected ??= (async () => {
    const db = await SqliteDb.open(':memory:')
    try {
      await migrate(db, migrations)
      return objectsOf(await db.all<SchemaObject>('SELECT type, name, tbl_name, sql FROM sqlite_master'))
    } finally {
      await db.close()
    }
  })()
  return expected
}

interface SchemaObject {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}

/** SQLite's own objects (sqlite_sequence, sqlite_stat1, autoindexes) are not ours to judge. */
const objectsOf = (rows: readonly SchemaObject[]) =>
  new Map(
    rows
      .filter((r) => !r.name.startsWith('sqlite_'))
      .map((r) => [`${r.type} ${r.name}`, `${r.tbl_name}\n${(r.sql ?? '').replace(/\s+/g, ' ').trim()}`]),
  )

const MANIFEST_SQL = 'normlab_manifest\nCREATE TABLE normlab_manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL)'

/** The blob of `count` little-endian 4-byte values, or a problem. */
function blob(value: unknown, count: number, what: string): Buffer {
  if (!Buffer.isBuffer(value)) throw new Error(`${what} is not a BLOB`)
  if (value.length !== count * 4) throw new Error(`${what} holds ${value.length} bytes, not ${count * 4}`)
  return value
}

/** Int32 values all ≥ 0 (valid counts). */
function counts(value: unknown, n: number, what: string): void {
  const b = blob(value, n, what)
  for (let i = 0; i < n; i++) if (b.readInt32LE(i * 4) < 0) throw new Error(`${what} has a negative count`)
}

/** Float32 summaries the app writes from validated numbers: finite, or NaN for "no value". */
function summaries(value: unknown, n: number, what: string): void {
  const b = blob(value, n, what)
  for (let i = 0; i < n; i++) {
    const v = b.readFloatLE(i * 4)
    if (v === Infinity || v === -Infinity) throw new Error(`${what} holds an infinite value`)
  }
}

const SqlBool = z.union([z.literal(0), z.literal(1)])
const HostName = z.string().max(255).nullable()
const TimeSteps = z.number().int().min(1).max(100_000)
const Features = z.number().int().min(0).max(65_536)

/** A run row: the same schemas as createRun and updateRun, and its copied columns agreeing with its configuration. */
function checkRun(row: Row): void {
  z.strictObject({
    id: Id,
    uuid: Uuid,
    study_id: Id.nullable(),
    name: Name,
    status: z.enum(RUN_STATUSES),
    config_json: z.string(),
    config_hash: z.string(),
    task: z.string(),
    cell: z.string(),
    norm: z.string(),
    batch_size: z.number(),
    seed: z.number(),
    backend: z.string().nullable(),
    device_json: z.string().nullable(),
    created_at: Time,
    started_at: Time.nullable(),
    ended_at: Time.nullable(),
    notes: Notes,
    starred: SqlBool,
    error: RunError.nullable(),
    lease_owner: z.string().nullable(),
    lease_host: z.string().nullable(),
    lease_pid: z.number().nullable(),
    lease_heartbeat: z.number().nullable(),
    host: HostName,
  }).parse(row)
  let stored: unknown
  try {
    stored = JSON.parse(row.config_json as string)
  } catch {
    throw new Error('its configuration is not JSON')
  }
  const config = TrainConfig.parse(stored)
  const copied = {
    task: config.task,
    cell: config.cell,
    norm: config.norm,
    batch_size: config.batchSize,
    seed: config.seed,
  }
  for (const [column, value] of Object.entries(copied))
    if (row[column] !== value)
      throw new Error(`its ${column} (${String(row[column])}) is not its configuration's (${String(value)})`)
  if (row.config_hash !== configHash(stored)) throw new Error('its config_hash does not match its configuration')
  const device = row.device_json === null ? null : DeviceInfo.parse(JSON.parse(row.device_json as string))
  if ((device?.backend ?? null) !== row.backend) throw new Error('its backend is not its device’s')
}

type Check = (row: Row) => void

/**
 * Row checks per table; `features` and shapes come from the parent row (joined in the query).
 * `ofRun` selects one run's rows of a table in schema `s` (a run being exported), null: none.
 */
const tableChecks: Record<
  (typeof CHECKED_TABLES)[number],
  { sql: string; check: Check; ofRun: ((s: string) => string) | null }
> = {
  schema_migrations: {
    sql: 'SELECT * FROM schema_migrations',
    ofRun: null,
    check: (row) =>
      z
        .strictObject({
          version: z.number().int().min(1),
          name: z.string(),
          checksum: z.string(),
          applied_at: z.number(),
        })
        .parse(row),
  },
  studies: {
    sql: 'SELECT * FROM studies',
    ofRun: (s) => `SELECT * FROM ${s}.studies WHERE id = (SELECT study_id FROM ${s}.runs WHERE id = ?)`,
    check: (row) => {
      const { design_json, ...rest } = row as Row & { design_json?: unknown }
      z.strictObject({ id: Id, uuid: Uuid, name: Name, description: Notes, created_at: Time }).parse(rest)
      if (design_json !== null && design_json !== undefined)
        StudyDesign.parse(JSON.parse(z.string().parse(design_json)))
    },
  },
  runs: { sql: 'SELECT * FROM runs', ofRun: (s) => `SELECT * FROM ${s}.runs WHERE id = ?`, check: checkRun },
  run_tags: {
    sql: 'SELECT * FROM run_tags',
    ofRun: (s) => `SELECT * FROM ${s}.run_tags WHERE run_id = ?`,
    check: (row) => z.strictObject({ run_id: Id, tag: Tag }).parse(row),
  },
  metrics: {
    sql: 'SELECT run_id, name, step, value, wall_ms AS wallMs FROM metrics',
    ofRun: (s) => `SELECT run_id, name, step, value, wall_ms AS wallMs FROM ${s}.metrics WHERE run_id = ?`,
    check: ({ run_id, ...point }) => {
      Id.parse(run_id)
      MetricPoint.parse(point)
    },
  },
  timestep_stats: {
    sql: 'SELECT * FROM timestep_stats',
    ofRun: (s) => `SELECT * FROM ${s}.timestep_stats WHERE run_id = ?`,
    check: (row) => {
      const r = z
        .strictObject({
          id: Id,
          run_id: Id,
          layer: Layer,
          term: Term,
          step: Step,
          time_steps: TimeSteps,
          features: Features,
          count: z.instanceof(Buffer),
          norm_count: z.instanceof(Buffer).nullable(),
          mean: z.instanceof(Buffer),
          var: z.instanceof(Buffer),
        })
        .parse(row)
      counts(r.count, r.time_steps, 'count')
      if (r.norm_count) counts(r.norm_count, r.time_steps, 'norm_count')
      summaries(r.mean, r.time_steps, 'mean')
      summaries(r.var, r.time_steps, 'var')
    },
  },
  timestep_features: {
    sql: 'SELECT f.stat_id, f.feature_mean, f.feature_var, s.time_steps, s.features FROM timestep_features f LEFT JOIN timestep_stats s ON s.id = f.stat_id',
    ofRun: (s) =>
      `SELECT f.stat_id, f.feature_mean, f.feature_var, t.time_steps, t.features FROM ${s}.timestep_features f JOIN ${s}.timestep_stats t ON t.id = f.stat_id WHERE t.run_id = ?`,
    check: (row) => {
      const r = z
        .strictObject({
          stat_id: Id,
          feature_mean: z.instanceof(Buffer),
          feature_var: z.instanceof(Buffer),
          time_steps: TimeSteps,
          features: Features.min(1),
        })
        .parse(row)
      summaries(r.feature_mean, r.time_steps * r.features, 'feature_mean')
      summaries(r.feature_var, r.time_steps * r.features, 'feature_var')
    },
  },
  population_stats: {
    sql: 'SELECT * FROM population_stats',
    ofRun: (s) => `SELECT * FROM ${s}.population_stats WHERE run_id = ?`,
    check: (row) => {
      const r = z
        .strictObject({
          id: Id,
          run_id: Id,
          step: Step,
          layer: Layer,
          term: Term,
          time_steps: TimeSteps,
          features: Features,
          mean: z.instanceof(Buffer),
          var: z.instanceof(Buffer),
          seen: z.instanceof(Buffer),
        })
        .parse(row)
      summaries(r.mean, r.time_steps * r.features, 'mean')
      summaries(r.var, r.time_steps * r.features, 'var')
      counts(r.seen, r.time_steps, 'seen')
    },
  },
  snapshots: {
    // With the run's planned steps: a snapshot is taken at a recorded step of the run.
    sql: "SELECT s.*, json_extract(r.config_json, '$.steps') AS run_steps FROM snapshots s LEFT JOIN runs r ON r.id = s.run_id",
    ofRun: (s) =>
      `SELECT t.*, json_extract(r.config_json, '$.steps') AS run_steps FROM ${s}.snapshots t JOIN ${s}.runs r ON r.id = t.run_id WHERE t.run_id = ?`,
    check: (row) => {
      // The write limits (SnapshotRecord): what a write refuses, an import refuses.
      const r = z
        .strictObject({
          id: Id,
          run_id: Id,
          term: Term,
          step: Step,
          batch: z.number().int().min(1).max(4096),
          time_steps: z.number().int().min(1).max(2000),
          features: Features.min(1),
          total_features: Features.min(1),
          groups: z.number().int().min(1).max(256),
          lengths: z.instanceof(Buffer),
          vals: z.instanceof(Buffer),
          row_mean: z.instanceof(Buffer),
          row_var: z.instanceof(Buffer),
          run_steps: z.number().int().nullable(),
        })
        .parse(row)
      if (r.run_steps !== null && r.step > r.run_steps)
        throw new Error(`its step ${r.step} is past the run's ${r.run_steps} steps`)
      if (r.features > r.total_features || r.total_features % r.groups !== 0)
        throw new Error(`${r.features} of ${r.total_features} features in ${r.groups} groups do not fit`)
      const lengths = blob(r.lengths, r.batch, 'lengths')
      for (let n = 0; n < r.batch; n++) {
        const l = lengths.readInt32LE(n * 4)
        if (l < 0 || l > r.time_steps) throw new Error(`lengths has ${l}, outside 0…${r.time_steps}`)
      }
      summaries(r.vals, r.batch * r.time_steps * r.features, 'vals')
      summaries(r.row_mean, r.batch * r.time_steps * r.groups, 'row_mean')
      summaries(r.row_var, r.batch * r.time_steps * r.groups, 'row_var')
    },
  },
  run_checkpoints: {
    // With the run's status and planned steps: only a run that can resume has one, within its steps.
    sql: "SELECT c.*, r.status AS run_status, json_extract(r.config_json, '$.steps') AS run_steps FROM run_checkpoints c LEFT JOIN runs r ON r.id = c.run_id",
    ofRun: (s) =>
      `SELECT c.*, r.status AS run_status, json_extract(r.config_json, '$.steps') AS run_steps FROM ${s}.run_checkpoints c JOIN ${s}.runs r ON r.id = c.run_id WHERE c.run_id = ?`,
    check: (row) => {
      const r = z
        .strictObject({
          run_id: Id,
          step: Step,
          bytes: z.number().int().min(0),
          saved_at: Time,
          state: z.string().max(500_000_000),
          run_status: z.enum(RUN_STATUSES).nullable(),
          run_steps: z.number().int().nullable(),
        })
        .parse(row)
      if (r.bytes !== r.state.length) throw new Error(`it says ${r.bytes} bytes but holds ${r.state.length}`)
      let state: unknown
      try {
        state = JSON.parse(r.state)
      } catch {
        throw new Error('its state is not JSON') // never JSON.parse's message: it quotes the file
      }
      const checkpoint = TrainingCheckpoint.parse(state)
      if (checkpoint.step !== r.step) throw new Error(`its step ${r.step} is not its state's ${checkpoint.step}`)
      if (r.run_steps !== null && r.step > r.run_steps)
        throw new Error(`its step ${r.step} is past the run's ${r.run_steps} steps`)
    },
  },
  evaluations: {
    sql: 'SELECT * FROM evaluations',
    ofRun: (s) => `SELECT * FROM ${s}.evaluations WHERE run_id = ?`,
    check: ({ run_id, ...result }) => {
      Id.parse(run_id)
      EvaluationResult.parse(result)
    },
  },
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError)
    return error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')
  return (error as Error).message
}

/** The first problem with one run's rows in schema `schema` (a run just copied into an export), or null. */
export async function runRowProblem(db: SqliteDb, schema: string, runId: number): Promise<string | null> {
  for (const table of CHECKED_TABLES) {
    const { ofRun, check } = tableChecks[table]
    if (!ofRun) continue
    for (const row of await db.all<Row>(ofRun(schema), [runId])) {
      try {
        check(row)
      } catch (error) {
        return `${table}: ${describe(error)}`
      }
    }
  }
  return null
}

/** Throws ImportProblems naming what is wrong with the file open on `db` (checked, migrated copy). */
export async function checkImportedFile(db: SqliteDb, migrations: Migration[]): Promise<void> {
  const problems: string[] = []
  const want = await expectedObjects(migrations)
  const have = objectsOf(await db.all<SchemaObject>('SELECT type, name, tbl_name, sql FROM sqlite_master'))
  for (const [key, sql] of have) {
    if (key === 'table normlab_manifest' && sql === MANIFEST_SQL) continue
    if (!want.has(key)) problems.push(`it has a ${key} that NormLab does not make`)
    else if (want.get(key) !== sql) problems.push(`its ${key} is not defined as NormLab defines it`)
  }
  for (const key of want.keys()) if (!have.has(key)) problems.push(`its ${key} is missing`)
  if (problems.length > 0) throw new ImportProblems(problems.slice(0, MAX_PROBLEMS).join('; '))

  for (const table of CHECKED_TABLES) {
    const { sql, check } = tableChecks[table]
    let index = 0
    await db.each<Row>(sql, [], (row) => {
      index++
      if (problems.length >= MAX_PROBLEMS) return
      try {
        check(row)
      } catch (error) {
        const at = row.id ?? row.run_id ?? row.stat_id ?? index
        problems.push(`${table} row ${String(at)}: ${describe(error)}`)
      }
    })
  }
  for (const r of await db.all<{ table: string; rowid: number | null; parent: string }>('PRAGMA foreign_key_check')) {
    if (problems.length >= MAX_PROBLEMS) break
    problems.push(`${r.table} row ${r.rowid ?? '?'} refers to a ${r.parent} row that is not there`)
  }
  if (problems.length > 0) throw new ImportProblems(problems.join('; '))
}
