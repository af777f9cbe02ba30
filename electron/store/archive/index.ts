// The experiment archive: one SQLite file, split by aggregate into stores with row mappers
// (studies and runs, metrics, per-timestep statistics, population statistics, evaluations).
// Every method is one unit of work on the connection's queue; every write is one transaction, so
// a bad batch leaves nothing behind. Policy (which runs are interrupted, what a request may do)
// lives in the services and handlers above it.
import { hostname } from 'node:os'
import type { Migration } from '../migrations'
import type { SqliteDb } from '../sqlite'
import { EvaluationStore } from './evaluations'
import { MetricStore } from './metrics'
import { openDatabase, type OpenReport } from './open'
import { PopulationStore } from './population'
import { RunStore, StudyStore, type WriterProcess } from './runs'
import { TimestepStore } from './timestep-stats'

export interface OpenOptions {
  /** Folder of NNNN_name.sql files, or the migrations themselves. */
  migrations: string | Migration[]
  /** May this open create the archive (or take over an empty file)? Default: yes. */
  create?: boolean
  /** The process that writes (named in the leases it takes); this one by default. */
  writer?: WriterProcess
}

export type ArchiveTable = 'runs' | 'metrics' | 'timestep_stats' | 'timestep_features' | 'population_stats' | 'evaluations' | 'run_tags' | 'studies'

export class Archive {
  readonly studies: StudyStore
  readonly runs: RunStore
  readonly metrics: MetricStore
  readonly timesteps: TimestepStore
  readonly population: PopulationStore
  readonly evaluations: EvaluationStore

  private constructor(
    private readonly db: SqliteDb,
    readonly path: string,
    readonly schemaVersion: number,
    /** What opening found: created, took over an empty file, integrity, read-only. */
    readonly report: OpenReport,
    writer: WriterProcess,
  ) {
    this.studies = new StudyStore(db)
    this.runs = new RunStore(db, this.studies, writer)
    this.metrics = new MetricStore(db)
    this.timesteps = new TimestepStore(db)
    this.population = new PopulationStore(db)
    this.evaluations = new EvaluationStore(db)
  }

  static async open(path: string, options: OpenOptions): Promise<Archive> {
    const { db, schemaVersion, report } = await openDatabase(path, { migrations: options.migrations, create: options.create ?? true })
    return new Archive(db, path, schemaVersion, report, options.writer ?? { host: hostname(), pid: process.pid })
  }

  close(): Promise<void> {
    return this.db.close()
  }

  /** For tests and diagnostics: the number of rows in a table. */
  countRows(table: ArchiveTable): Promise<number> {
    return this.db.exclusive(async () => (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n)
  }
}

export { canonicalJson, configHash } from './runs'
export type { OpenReport } from './open'
export type { WriterProcess } from './runs'
export { decimate } from './timestep-stats'
