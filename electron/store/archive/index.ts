// The experiment archive: one SQLite file, split by aggregate into stores with row mappers
// (studies and runs, metrics, per-timestep statistics, population statistics, snapshots,
// evaluations).
// Every method is one unit of work on the connection's queue; every write is one transaction, so
// a bad batch leaves nothing behind. Policy (which runs are interrupted, what a request may do)
// lives in the services and handlers above it.
import { hostname } from 'node:os'
import { ApiError, type Run } from '../../../shared/contract'
import type { Migration } from '../migrations'
import type { SqliteDb } from '../sqlite'
import { CheckpointStore } from './checkpoints'
import { EvaluationStore } from './evaluations'
import { MetricStore } from './metrics'
import { openDatabase, type OpenReport } from './open'
import { PopulationStore } from './population'
import { RunStore, StudyStore, type WriterProcess } from './runs'
import { SnapshotStore } from './snapshots'
import { exportTidyData, tidyCsvTables, tidyDictionary, type DataExportResult, type DataFormat } from './tidy-export'
import { TimestepStore } from './timestep-stats'
import {
  exportRuns,
  importRuns,
  type ExportResult,
  type ExportSelection,
  type ImportOptions,
  type ImportResult,
} from './transfer'

export interface OpenOptions {
  /** Folder of NNNN_name.sql files, or the migrations themselves. */
  migrations: string | Migration[]
  /** May this open create the archive (or take over an empty file)? Default: yes. */
  create?: boolean
  /** The process that writes (named in the leases it takes); this one by default. */
  writer?: WriterProcess
}

export type ArchiveTable =
  | 'runs'
  | 'metrics'
  | 'timestep_stats'
  | 'timestep_features'
  | 'population_stats'
  | 'snapshots'
  | 'evaluations'
  | 'run_tags'
  | 'studies'
  | 'run_checkpoints'

export class Archive {
  readonly studies: StudyStore
  readonly runs: RunStore
  readonly metrics: MetricStore
  readonly timesteps: TimestepStore
  readonly population: PopulationStore
  readonly snapshots: SnapshotStore
  readonly evaluations: EvaluationStore
  readonly checkpoints: CheckpointStore

  private constructor(
    private readonly db: SqliteDb,
    readonly path: string,
    readonly schemaVersion: number,
    /** What opening found: created, took over an empty file, integrity, read-only. */
    readonly report: OpenReport,
    writer: WriterProcess,
    private readonly migrations: string | Migration[],
  ) {
    this.studies = new StudyStore(db)
    this.runs = new RunStore(db, this.studies, writer)
    this.metrics = new MetricStore(db)
    this.timesteps = new TimestepStore(db)
    this.population = new PopulationStore(db)
    this.snapshots = new SnapshotStore(db)
    this.evaluations = new EvaluationStore(db)
    this.checkpoints = new CheckpointStore(db, this.runs)
  }

  static async open(path: string, options: OpenOptions): Promise<Archive> {
    const { db, schemaVersion, report } = await openDatabase(path, {
      migrations: options.migrations,
      create: options.create ?? true,
    })
    return new Archive(
      db,
      path,
      schemaVersion,
      report,
      options.writer ?? { host: hostname(), pid: process.pid },
      options.migrations,
    )
  }

  close(): Promise<void> {
    return this.db.close()
  }

  /** Writes the chosen runs into a new export file (.normlab: an archive of the same schema with a manifest). */
  exportTo(target: string, selection: ExportSelection, info: { appVersion: string }): Promise<ExportResult> {
    return exportRuns(this.path, this.migrations, selection, target, {
      ...info,
      sourceDamaged: this.report.readOnly !== null,
    })
  }

  /** Merges an export or another archive into this one, in one transaction (transfer.ts). */
  importFrom(path: string, options: ImportOptions = {}): Promise<ImportResult> {
    if (this.report.readOnly)
      return Promise.reject(new ApiError('read_only', `${this.report.readOnly}: nothing can be imported into it`))
    return importRuns(this.db, path, this.migrations, options)
  }

  /** Every recorded number of the given runs as tidy CSV or Parquet tables in a new folder (tidy-export.ts). */
  exportData(
    dir: string,
    runs: readonly Run[],
    options: { format: DataFormat; features: boolean; snapshots?: boolean },
  ): Promise<DataExportResult> {
    return exportTidyData(this.db, runs, dir, options)
  }

  /** The same tables as exportData's CSV, as strings, with their dictionary: what a report attaches. */
  async tidyCsv(runs: readonly Run[]): Promise<{ csv: { name: string; text: string }[]; dictionary: string }> {
    return { csv: await tidyCsvTables(this.db, runs), dictionary: tidyDictionary('csv', false) }
  }

  /** For tests and diagnostics: the number of rows in a table. */
  countRows(table: ArchiveTable): Promise<number> {
    return this.db.exclusive(async () => (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n)
  }
}

export { configHash } from './runs'
export { canonicalJson } from '../../../shared/canonical-json'
export type { OpenReport } from './open'
export type { WriterProcess } from './runs'
export type { DataExportResult, DataFormat } from './tidy-export'
export type { ExportResult, ExportSelection, ImportOptions, ImportResult, Manifest } from './transfer'
export { decimate } from './timestep-stats'
