// Every recorded number out as tidy data, at full fidelity: the tables of shared/lab/tidy (same
// columns and meanings as a report's attachments), one CSV (or Parquet) file each, no sampling:
// every metric row, every time step of every recorded step, every population time step, every
// evaluation; per-feature vectors too when asked. The data dictionary goes beside them.
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { ApiError, type Run } from '../../../shared/contract'
import { csvLine, type Cell } from '../../../shared/lab/tidy/csv'
import { dataDictionary, runRow, TABLE_COLUMNS, type TableName } from '../../../shared/lab/tidy/tables'
import { readFloat32, readInt32, readMatrix } from '../blobs'
import type { SqliteDb } from '../sqlite'
import { TERM_ORDER } from './guards'

export type DataFormat = 'csv' | 'parquet'

/** Per-feature tables, written when asked (they are large: T × C values per recorded step). */
export const FEATURE_COLUMNS = {
  timestep_features: ['run_id', 'run_uuid', 'layer', 'term', 'step', 'time_step', 'feature', 'mean', 'var'],
  population_features: ['run_id', 'run_uuid', 'step', 'layer', 'term', 'time_step', 'feature', 'mean', 'var'],
} as const

export interface DataExportResult {
  dir: string
  format: DataFormat
  files: { name: string; rows: number }[]
}

interface TableSink {
  write(row: Cell[]): void
  close(): Promise<number>
}

/** A CSV file streamed row by row (memory stays flat however large the archive). */
function csvSink(path: string, columns: readonly string[]): TableSink {
  const out = createWriteStream(path, { encoding: 'utf8' })
  let rows = 0
  let pending = csvLine(columns)
  return {
    write(row) {
      pending += csvLine(row)
      rows++
      if (pending.length > 1 << 20) {
        out.write(pending)
        pending = ''
      }
    },
    close: () =>
      new Promise((resolve, reject) => {
        out.end(pending, () => resolve(rows))
        out.on('error', reject)
      }),
  }
}

/** Parquet column types by name: whole numbers INT32, times and measurements DOUBLE, the rest text. */
const INT32_COLUMNS = new Set([
  'sample',
  'valid',
  'run_id',
  'study_id',
  'batch_size',
  'seed',
  'steps',
  'hidden',
  'layer',
  'step',
  'time_step',
  'feature',
  'count',
  'norm_count',
  'seen',
  'length',
])
const DOUBLE_COLUMNS = new Set(['value', 'wall_ms', 'mean', 'var', 'lr', 'created_at', 'started_at', 'ended_at'])
const parquetType = (column: string) =>
  INT32_COLUMNS.has(column) ? 'INT32' : DOUBLE_COLUMNS.has(column) ? 'DOUBLE' : 'STRING'

/**
 * A Parquet file (hyparquet-writer): columns are gathered, then written at once, so a table is
 * held in memory while it is written (CSV streams); missing values are nulls.
 */
async function parquetSink(path: string, columns: readonly string[]): Promise<TableSink> {
  const { parquetWriteFile } = await import('hyparquet-writer')
  const data: Cell[][] = columns.map(() => [])
  let rows = 0
  return {
    write(row) {
      row.forEach((v, i) => data[i]!.push(v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v))
      rows++
    },
    close: async () => {
      parquetWriteFile({
        filename: path,
        columnData: columns.map((name, i) => ({
          name,
          data: data[i]! as never,
          type: parquetType(name),
          nullable: true,
        })),
      })
      return rows
    },
  }
}

/** Opens a table's sink: a file (CSV or Parquet) for the data export, a string for a report. */
type SinkFactory = (name: string, columns: readonly string[]) => Promise<TableSink>

/** A CSV table held in memory (a report carries its tables inside the file). */
function memoryCsvSink(columns: readonly string[], done: (text: string) => void): TableSink {
  let text = csvLine(columns)
  let rows = 0
  return {
    write(row) {
      text += csvLine(row)
      rows++
    },
    close: async () => {
      done(text)
      return rows
    },
  }
}

/** The data dictionary written beside the tables (and carried by reports). */
export function tidyDictionary(format: DataFormat, features: boolean, snapshots = false): string {
  const tables: TableName[] = [
    'runs',
    'metrics',
    'timestep_stats',
    'evaluations',
    'population',
    ...(snapshots ? (['snapshots'] as const) : []),
  ]
  const extra = features
    ? `\n## timestep_features, population_features\n\nPer-feature values (exported with --features): one row per run, term, recorded step (or snapshot step), time step and feature; mean and var of that feature alone.\n`
    : ''
  return (
    dataDictionary(tables).replace(
      'Every table is CSV (RFC 4180, UTF-8).',
      format === 'csv' ? 'Every table is CSV (RFC 4180, UTF-8).' : 'Every table is Parquet (one file per table).',
    ) + extra
  )
}

/**
 * The same tables as `export-data` in CSV, as strings: what a report attaches. One code path, so
 * a report's CSV files are byte-identical to the data export's of the same runs.
 */
export async function tidyCsvTables(db: SqliteDb, runs: readonly Run[]): Promise<{ name: string; text: string }[]> {
  const out: { name: string; text: string }[] = []
  // Not the snapshots: a report shows them as pictures, and its file stays small.
  await writeTables(
    db,
    runs,
    async (name, columns) => memoryCsvSink(columns, (text) => out.push({ name: `${name}.csv`, text })),
    'csv',
    { features: false, snapshots: false },
  )
  return out
}

/** Snapshots (one row per value of every kept batch: tens of MB for a preset) only when asked for. */
export async function exportTidyData(
  db: SqliteDb,
  runs: readonly Run[],
  dir: string,
  options: { format: DataFormat; features: boolean; snapshots?: boolean },
): Promise<DataExportResult> {
  const target = dir
  if (existsSync(target) && !statSync(target).isDirectory())
    throw new ApiError('conflict', `${target} is a file: give a new or empty folder (nothing was written)`)
  if (existsSync(target) && readdirSync(target).length > 0)
    throw new ApiError('conflict', `${target} is not empty: give a new or empty folder (nothing was written)`)
  // Written beside the target and renamed at the end: a failed export leaves no half folder.
  dir = `${target}.partial-${process.pid}`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  try {
    const open: SinkFactory = (name, columns) =>
      options.format === 'csv'
        ? Promise.resolve(csvSink(join(dir, `${name}.csv`), columns))
        : parquetSink(join(dir, `${name}.parquet`), columns)
    const snapshots = options.snapshots ?? false
    const files = await writeTables(db, runs, open, options.format, { features: options.features, snapshots })
    writeFileSync(join(dir, 'DATA_DICTIONARY.md'), tidyDictionary(options.format, options.features, snapshots))
    const result = { dir, format: options.format, files }
    if (existsSync(target)) rmdirSync(target)
    renameSync(dir, target)
    return { ...result, dir: target }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

async function writeTables(
  db: SqliteDb,
  runs: readonly Run[],
  open: SinkFactory,
  format: DataFormat,
  options: { features: boolean; snapshots: boolean },
): Promise<DataExportResult['files']> {
  const files: DataExportResult['files'] = []
  const finish = async (name: string, sink: TableSink) =>
    files.push({ name: `${name}.${format}`, rows: await sink.close() })
  const ids = runs.map((r) => r.id)
  const uuid = new Map(runs.map((r) => [r.id, r.uuid]))
  const inRuns = `run_id IN (${ids.join(',') || 'NULL'})`

  await db.exclusive(async () => {
    const runSink = await open('runs', TABLE_COLUMNS.runs)
    for (const run of runs) runSink.write(runRow(run))
    await finish('runs', runSink)

    const metrics = await open('metrics', TABLE_COLUMNS.metrics)
    for (const r of await db.all<{ run_id: number; name: string; step: number; value: number; wall_ms: number }>(
      `SELECT run_id, name, step, value, wall_ms FROM metrics WHERE ${inRuns} ORDER BY run_id, name, step`,
    )) {
      metrics.write([r.run_id, uuid.get(r.run_id), r.name, r.step, r.value, r.wall_ms])
    }
    await finish('metrics', metrics)

    const stats = await open('timestep_stats', TABLE_COLUMNS.timestep_stats)
    const featureStats = options.features ? await open('timestep_features', FEATURE_COLUMNS.timestep_features) : null
    const statRows = await db.all<{
      run_id: number
      layer: number
      term: string
      step: number
      features: number
      count: Buffer
      norm_count: Buffer | null
      mean: Buffer
      var: Buffer
      feature_mean: Buffer | null
      feature_var: Buffer | null
    }>(
      `SELECT s.run_id, s.layer, s.term, s.step, s.features, s.count, s.norm_count, s.mean, s.var ${options.features ? ', f.feature_mean, f.feature_var' : ', NULL AS feature_mean, NULL AS feature_var'}
       FROM timestep_stats s ${options.features ? 'LEFT JOIN timestep_features f ON f.stat_id = s.id' : ''} WHERE s.${inRuns} ORDER BY s.run_id, s.layer, s.term, s.step`,
    )
    for (const r of statRows) {
      const count = readInt32(r.count)
      const normCount = r.norm_count ? readInt32(r.norm_count) : null
      const mean = readFloat32(r.mean)
      const variance = readFloat32(r.var)
      count.forEach((c, t) =>
        stats.write([
          r.run_id,
          uuid.get(r.run_id),
          r.layer,
          r.term,
          r.step,
          t,
          c,
          normCount?.[t] ?? null,
          mean[t],
          variance[t],
        ]),
      )
      if (featureStats && r.feature_mean && r.feature_var) {
        const fm = readMatrix(r.feature_mean, r.features)
        const fv = readMatrix(r.feature_var, r.features)
        fm.forEach((row, t) =>
          row.forEach((v, c) =>
            featureStats.write([r.run_id, uuid.get(r.run_id), r.layer, r.term, r.step, t, c, v, fv[t]![c]]),
          ),
        )
      }
    }
    await finish('timestep_stats', stats)
    if (featureStats) await finish('timestep_features', featureStats)

    const evaluations = await open('evaluations', TABLE_COLUMNS.evaluations)
    for (const r of await db.all<{
      run_id: number
      step: number
      policy: string
      length: number
      metric: string
      value: number
    }>(
      `SELECT run_id, step, policy, length, metric, value FROM evaluations WHERE ${inRuns} ORDER BY run_id, step, policy, length, metric`,
    )) {
      evaluations.write([r.run_id, uuid.get(r.run_id), r.step, r.policy, r.length, r.metric, r.value])
    }
    await finish('evaluations', evaluations)

    const population = await open('population', TABLE_COLUMNS.population)
    const popFeatures = options.features ? await open('population_features', FEATURE_COLUMNS.population_features) : null
    for (const r of await db.all<{
      run_id: number
      step: number
      layer: number
      term: string
      features: number
      mean: Buffer
      var: Buffer
      seen: Buffer
    }>(
      `SELECT run_id, step, layer, term, features, mean, var, seen FROM population_stats WHERE ${inRuns} ORDER BY run_id, step, layer, term`,
    )) {
      const mean = readMatrix(r.mean, r.features)
      const variance = readMatrix(r.var, r.features)
      const seen = readInt32(r.seen)
      const avg = (row: (number | null)[]) => {
        const xs = row.filter((v): v is number => v !== null)
        return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null
      }
      seen.forEach((s, t) => {
        population.write([
          r.run_id,
          uuid.get(r.run_id),
          r.step,
          r.layer,
          r.term,
          t,
          s,
          avg(mean[t] ?? []),
          avg(variance[t] ?? []),
        ])
        if (popFeatures)
          (mean[t] ?? []).forEach((v, c) =>
            popFeatures.write([r.run_id, uuid.get(r.run_id), r.step, r.layer, r.term, t, c, v, variance[t]![c]]),
          )
      })
    }
    await finish('population', population)
    if (popFeatures) await finish('population_features', popFeatures)

    if (options.snapshots) {
      const snapshots = await open('snapshots', TABLE_COLUMNS.snapshots)
      const rows = await db.all<{
        run_id: number
        term: string
        step: number
        batch: number
        time_steps: number
        features: number
        lengths: Buffer
        vals: Buffer
      }>(
        `SELECT run_id, term, step, batch, time_steps, features, lengths, vals FROM snapshots WHERE ${inRuns} ORDER BY run_id, ${TERM_ORDER}, step`,
      )
      for (const r of rows) {
        const lengths = readInt32(r.lengths)
        const values = readFloat32(r.vals)
        for (let n = 0; n < r.batch; n++)
          for (let t = 0; t < r.time_steps; t++) {
            const valid = t < lengths[n]! ? 1 : 0
            for (let f = 0; f < r.features; f++)
              snapshots.write([
                r.run_id,
                r.term,
                r.step,
                n,
                t,
                f,
                valid ? values[(n * r.time_steps + t) * r.features + f] : null,
                valid,
              ])
          }
      }
      await finish('snapshots', snapshots)
    }
  })

  return files
}
