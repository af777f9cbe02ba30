// Moving runs between archives. An export is itself an archive (a SQLite file of the same schema,
// readable by any SQLite tool) holding the chosen runs, their studies and everything they
// recorded, plus a manifest (app and schema version, each run's UUID, row counts and content
// checksum). An import merges an export, or any archive, into this one in a single transaction:
// runs and studies are matched by UUID, so importing twice adds nothing; a run whose UUID is here
// with other content is reported (and replaced only when asked and the incoming one is newer).
// Everything is checked before anything is written: a truncated, damaged, newer or tampered file
// is refused and this archive stays byte-identical.
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs'
import { privateTempDir } from '../temp-folders'
import { join } from 'node:path'
import { ApiError } from '../../../shared/contract'
import { ArchiveRefusedError, checkPrefix, loadMigrations, migrate, type Migration } from '../migrations'
import { SqliteDb } from '../sqlite'
import { CHECKED_TABLES, checkImportedFile, ImportProblems, ManifestSchema, runRowProblem } from './import-check'
import { openDatabase } from './open'
import { runChecksum, runRowCounts, type Schema } from './run-content'
import { NEXT_ID } from './runs'

export const MANIFEST_TABLE = 'normlab_manifest'

export interface ManifestRun {
  uuid: string
  name: string
  checksum: string
  rows: Record<string, number>
}

export interface Manifest {
  format: 'normlab-export'
  formatVersion: 1
  appVersion: string
  schemaVersion: number
  exportedAt: number
  studies: { uuid: string; name: string }[]
  runs: ManifestRun[]
}

/** What an export wrote, and the runs it could not read (a damaged archive: the rest is rescued). */
export interface ExportResult {
  manifest: Manifest
  unreadable: { id: number; name: string | null; reason: string }[]
  /**
   * The source's tables with damaged pages (a damaged archive only). SQLite reads past some damage
   * without an error, so runs taken from these tables may lack the rows those pages held.
   */
  damagedTables: string[]
}

export interface ExportSelection {
  runIds?: readonly number[]
  studyIds?: readonly number[]
  /** Every run. */
  all?: boolean
}

export interface ImportOptions {
  /** A run here with the same UUID but other content: replace it when the incoming one is newer. */
  replaceNewer?: boolean
  onProgress?: (done: number, total: number) => void
}

export interface ImportResult {
  added: { uuid: string; name: string; id: number }[]
  skipped: { uuid: string; name: string; id: number }[]
  conflicts: {
    uuid: string
    name: string
    id: number
    reason: 'incoming_newer' | 'here_newer' | 'still_training'
    message: string
  }[]
  replaced: { uuid: string; name: string; id: number }[]
  studiesAdded: { uuid: string; name: string; id: number }[]
  /** What the file was: an export with a manifest, or a whole archive. */
  source: { manifest: boolean; schemaVersion: number; runs: number }
}

/** Columns copied as they are (the id is new in the target; the lease never travels). */
const RUN_COLUMNS = [
  'uuid',
  'name',
  'status',
  'config_json',
  'config_hash',
  'task',
  'cell',
  'norm',
  'batch_size',
  'seed',
  'backend',
  'device_json',
  'created_at',
  'started_at',
  'ended_at',
  'notes',
  'starred',
  'error',
  'host',
] as const

const quoted = (path: string) => `'${path.replace(/'/g, "''")}'`

/** Runs ATTACH, work in one transaction, DETACH, all on one connection's queue. */
async function withAttached<T>(db: SqliteDb, path: string, work: () => Promise<T>): Promise<T> {
  return db.exclusive(async () => {
    await db.exec(`ATTACH DATABASE ${quoted(path)} AS src`)
    try {
      await db.exec('BEGIN IMMEDIATE')
      try {
        const result = await work()
        await db.exec('COMMIT')
        return result
      } catch (error) {
        await db.exec('ROLLBACK').catch(() => undefined)
        throw error
      }
    } finally {
      await db.exec('DETACH DATABASE src').catch(() => undefined)
    }
  })
}

/** Copies one run (and what belongs to it) from `from` into `to`, under a new id; returns the id. */
async function copyRun(db: SqliteDb, from: Schema, to: Schema, runId: number, studyId: number | null): Promise<number> {
  const columns = RUN_COLUMNS.join(', ')
  await db.run(
    `INSERT INTO ${to}.runs (id, ${columns}, study_id) SELECT ${NEXT_ID('runs', to)}, ${columns}, ? FROM ${from}.runs WHERE id = ?`,
    [studyId, runId],
  )
  const { id } = (await db.get<{ id: number }>(
    `SELECT id FROM ${to}.runs WHERE uuid = (SELECT uuid FROM ${from}.runs WHERE id = ?)`,
    [runId],
  ))!
  await db.run(`INSERT INTO ${to}.run_tags (run_id, tag) SELECT ?, tag FROM ${from}.run_tags WHERE run_id = ?`, [
    id,
    runId,
  ])
  await db.run(
    `INSERT INTO ${to}.metrics (run_id, name, step, value, wall_ms) SELECT ?, name, step, value, wall_ms FROM ${from}.metrics WHERE run_id = ?`,
    [id, runId],
  )
  await db.run(
    `INSERT INTO ${to}.timestep_stats (run_id, layer, term, step, time_steps, features, count, norm_count, mean, var)
     SELECT ?, layer, term, step, time_steps, features, count, norm_count, mean, var FROM ${from}.timestep_stats WHERE run_id = ? ORDER BY id`,
    [id, runId],
  )
  await db.run(
    `INSERT INTO ${to}.timestep_features (stat_id, feature_mean, feature_var)
     SELECT t.id, f.feature_mean, f.feature_var FROM ${from}.timestep_stats s
       JOIN ${from}.timestep_features f ON f.stat_id = s.id
       JOIN ${to}.timestep_stats t ON t.run_id = ? AND t.layer = s.layer AND t.term = s.term AND t.step = s.step
     WHERE s.run_id = ?`,
    [id, runId],
  )
  await db.run(
    `INSERT INTO ${to}.population_stats (run_id, step, layer, term, time_steps, features, mean, var, seen)
     SELECT ?, step, layer, term, time_steps, features, mean, var, seen FROM ${from}.population_stats WHERE run_id = ? ORDER BY id`,
    [id, runId],
  )
  await db.run(
    `INSERT INTO ${to}.snapshots (run_id, term, step, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var)
     SELECT ?, term, step, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var FROM ${from}.snapshots WHERE run_id = ? ORDER BY id`,
    [id, runId],
  )
  await db.run(
    `INSERT INTO ${to}.evaluations (run_id, step, policy, length, metric, value) SELECT ?, step, policy, length, metric, value FROM ${from}.evaluations WHERE run_id = ?`,
    [id, runId],
  )
  // The last checkpoint goes with the run: an interrupted run resumes on the machine it moves to.
  await db.run(
    `INSERT INTO ${to}.run_checkpoints (run_id, step, bytes, saved_at, state) SELECT ?, step, bytes, saved_at, state FROM ${from}.run_checkpoints WHERE run_id = ?`,
    [id, runId],
  )
  return id
}

/** The study of `uuid` in `to`, created from `from`'s when missing; returns its id and whether it is new. */
async function studyIn(
  db: SqliteDb,
  from: Schema,
  to: Schema,
  fromStudyId: number | null,
): Promise<{ id: number | null; created: { uuid: string; name: string; id: number } | null }> {
  if (fromStudyId === null) return { id: null, created: null }
  const study = (await db.get<{
    uuid: string
    name: string
    description: string
    created_at: number
    design_json: string | null
  }>(`SELECT uuid, name, description, created_at, design_json FROM ${from}.studies WHERE id = ?`, [fromStudyId]))!
  const existing = await db.get<{ id: number }>(`SELECT id FROM ${to}.studies WHERE uuid = ?`, [study.uuid])
  if (existing) return { id: existing.id, created: null }
  await db.run(
    `INSERT INTO ${to}.studies (id, uuid, name, description, created_at, design_json) VALUES (${NEXT_ID('studies', to)}, ?, ?, ?, ?, ?)`,
    [study.uuid, study.name, study.description, study.created_at, study.design_json],
  )
  const { id } = (await db.get<{ id: number }>(`SELECT id FROM ${to}.studies WHERE uuid = ?`, [study.uuid]))!
  return { id, created: { uuid: study.uuid, name: study.name, id } }
}

/** The source's trouble in words that name the source, not the export being written (whose connection reports it). */
function sourceError(sourcePath: string, error: unknown): Error {
  const code = (error as { code?: string }).code
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB')
    return new ApiError('read_only', `The archive ${sourcePath} is damaged: ${(error as Error).message}`)
  return error as Error
}

/**
 * Writes the chosen runs of the archive at `sourcePath` into a new export file at `target`. Each
 * run is copied in a savepoint and checked as an import would check it: a run a damaged archive
 * cannot yield whole is left out and named, so exporting is the rescue the damage warning says.
 */
export async function exportRuns(
  sourcePath: string,
  migrations: string | Migration[],
  selection: ExportSelection,
  target: string,
  info: { appVersion: string; sourceDamaged?: boolean },
): Promise<ExportResult> {
  if (existsSync(target))
    throw new ApiError('conflict', `${target} exists already: choose another file name (nothing was written)`)
  const { db: created } = await openDatabase(target, { migrations, create: true })
  await created.close()
  const db = await SqliteDb.open(target)
  try {
    await db.exec('PRAGMA foreign_keys = ON')
    const unreadable: ExportResult['unreadable'] = []
    const damagedTables: string[] = []
    const manifest = await withAttached(db, sourcePath, async () => {
      if (info.sourceDamaged) {
        // Which tables the damage is in: each checked on its own (with its indexes).
        for (const table of CHECKED_TABLES) {
          const rows = await db
            .all<{ quick_check: string }>(`PRAGMA src.quick_check(${table})`)
            .catch(() => [{ quick_check: 'unreadable' }])
          if (rows.some((r) => r.quick_check !== 'ok')) damagedTables.push(table)
        }
      }
      const where = selection.all
        ? '1'
        : `id IN (${(selection.runIds ?? []).map(Number).join(',') || 'NULL'}) OR study_id IN (${(selection.studyIds ?? []).map(Number).join(',') || 'NULL'})`
      let runs: { id: number; uuid: string; name: string; status: string; study_id: number | null }[]
      try {
        runs = await db.all(`SELECT id, uuid, name, status, study_id FROM src.runs WHERE ${where} ORDER BY id`)
      } catch (error) {
        throw sourceError(sourcePath, error)
      }
      const missing = (selection.runIds ?? []).filter((id) => !runs.some((r) => r.id === id))
      if (missing.length > 0)
        throw new ApiError('not_found', `run ${missing.join(', ')} is not in the archive: nothing was exported`)
      if (runs.length === 0)
        throw new ApiError(
          selection.studyIds?.length ? 'not_found' : 'invalid_request',
          selection.studyIds?.length
            ? `study ${selection.studyIds.join(', ')} has no runs (or does not exist): nothing to export`
            : 'the archive has no runs: nothing to export',
        )
      const running = runs.filter((r) => r.status === 'running')
      if (running.length > 0)
        throw new ApiError(
          'conflict',
          `run ${running.map((r) => r.id).join(', ')} is still training: export it when it has ended`,
        )
      const studies: Manifest['studies'] = []
      const entries: ManifestRun[] = []
      for (const run of runs) {
        await db.exec('SAVEPOINT run_copy')
        try {
          const study = await studyIn(db, 'src', 'main', run.study_id)
          const id = await copyRun(db, 'src', 'main', run.id, study.id)
          const problem = await runRowProblem(db, 'main', id)
          if (problem) throw new Error(`it holds what NormLab never writes (${problem})`)
          entries.push({
            uuid: run.uuid,
            name: run.name,
            checksum: await runChecksum(db, 'main', id),
            rows: await runRowCounts(db, 'main', id),
          })
          if (study.created) studies.push({ uuid: study.created.uuid, name: study.created.name })
          await db.exec('RELEASE run_copy')
        } catch (error) {
          await db.exec('ROLLBACK TO run_copy; RELEASE run_copy')
          unreadable.push({
            id: run.id,
            name: typeof run.name === 'string' ? run.name : null,
            reason: sourceError(sourcePath, error).message,
          })
        }
      }
      if (entries.length === 0)
        throw new ApiError(
          'read_only',
          `No run could be read from ${sourcePath}: ${unreadable.map((u) => `run ${u.id}: ${u.reason}`).join('; ')}. Nothing was written.`,
        )
      const version = (await db.get<{ v: number }>('SELECT MAX(version) AS v FROM main.schema_migrations'))!.v
      const manifest: Manifest = {
        format: 'normlab-export',
        formatVersion: 1,
        appVersion: info.appVersion,
        schemaVersion: version,
        exportedAt: Date.now(),
        studies,
        runs: entries,
      }
      await db.exec(`CREATE TABLE main.${MANIFEST_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
      await db.run(`INSERT INTO main.${MANIFEST_TABLE} (key, value) VALUES ('manifest', ?)`, [JSON.stringify(manifest)])
      return manifest
    })
    // One file, no -wal beside it: what is copied or mailed is complete.
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE')
    return { manifest, unreadable, damagedTables }
  } catch (error) {
    await db.close().catch(() => undefined)
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true })
    throw error
  } finally {
    await db.close().catch(() => undefined)
  }
}

/** A file to import, checked and (if older) upgraded in a copy; the path to read and what it is. */
interface CheckedSource {
  path: string
  manifest: Manifest | null
  schemaVersion: number
  cleanup(): void
}

async function checkSource(path: string, migrations: string | Migration[]): Promise<CheckedSource> {
  const known = typeof migrations === 'string' ? loadMigrations(migrations) : migrations
  const refuse = (why: string) =>
    new ArchiveRefusedError(`Cannot import ${path}: ${why.replace(/\.$/, '')}. Nothing was written.`)
  if (!existsSync(path)) throw refuse('there is no such file')
  if (statSync(path).size < 512) throw refuse('it is not a NormLab export or archive (too small to be one)')
  // Work on a private copy: the file is read, upgraded if older, never changed.
  const dir = privateTempDir('normlab-import-')
  const copy = join(dir, 'source.sqlite')
  copyFileSync(path, copy)
  // An archive whose last writer did not close it keeps recent pages in its WAL: bring it along.
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`)
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    let opened: SqliteDb
    try {
      opened = await SqliteDb.open(copy, { create: false })
    } catch (error) {
      throw refuse(`it cannot be opened (${(error as Error).message})`)
    }
    try {
      let rows: { quick_check: string }[]
      try {
        rows = await opened.all<{ quick_check: string }>('PRAGMA quick_check(5)')
      } catch (error) {
        throw refuse(`it is damaged or truncated (${(error as Error).message})`)
      }
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
      if (problems.length > 0) throw refuse(`it is damaged or truncated (${problems.join('; ')})`)
      const tables = await opened.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      if (!tables.some((t) => t.name === 'schema_migrations'))
        throw refuse('it is not a NormLab export or archive (no schema_migrations table)')
      const applied = await opened.all<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
      )
      try {
        checkPrefix(path, applied, known)
      } catch (error) {
        throw refuse(
          (error as Error).message.replace(/^The archive \S+ /, 'it ').replace(/ The file was not changed\.$/, ''),
        )
      }
      const manifestRow = tables.some((t) => t.name === MANIFEST_TABLE)
        ? await opened.get<{ value: string }>(`SELECT value FROM ${MANIFEST_TABLE} WHERE key = 'manifest'`)
        : undefined
      let manifest: Manifest | null = null
      if (manifestRow) {
        let parsed: unknown
        try {
          parsed = JSON.parse(manifestRow.value)
        } catch {
          throw refuse('its manifest is not valid JSON')
        }
        const checked = ManifestSchema.safeParse(parsed)
        if (!checked.success) throw refuse('its manifest is not a NormLab export manifest')
        manifest = checked.data
      }
      // Older: upgrade the copy to this version's schema before reading it.
      if (applied.length < known.length) await migrate(opened, known)
      // Whatever the manifest says, every object and row must be one the app itself could write.
      try {
        await checkImportedFile(opened, known)
      } catch (error) {
        if (error instanceof ImportProblems) throw refuse(`it holds what NormLab never writes: ${error.message}`)
        throw error
      }
      // Every run the manifest lists is there, with the content it was exported with.
      if (manifest) {
        for (const entry of manifest.runs) {
          const row = await opened.get<{ id: number }>('SELECT id FROM runs WHERE uuid = ?', [entry.uuid])
          if (!row) throw refuse(`run ${entry.uuid} (“${entry.name}”) of its manifest is missing`)
          if ((await runChecksum(opened, 'main', row.id)) !== entry.checksum)
            throw refuse(
              `run ${entry.uuid} (“${entry.name}”) does not match its checksum: the file was changed or damaged after export`,
            )
        }
        const count = (await opened.get<{ n: number }>('SELECT COUNT(*) AS n FROM runs'))!.n
        if (count !== manifest.runs.length)
          throw refuse(`it holds ${count} runs but its manifest lists ${manifest.runs.length}`)
      }
      await opened.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      return { path: copy, manifest, schemaVersion: applied.length, cleanup }
    } finally {
      await opened.close()
    }
  } catch (error) {
    cleanup()
    throw error
  }
}

/** Merges the runs of the export or archive at `path` into the archive open on `db`. */
export async function importRuns(
  db: SqliteDb,
  path: string,
  migrations: string | Migration[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  const source = await checkSource(path, migrations)
  try {
    return await withAttached(db, source.path, async () => {
      const runs = await db.all<{
        id: number
        uuid: string
        name: string
        status: string
        study_id: number | null
        ended_at: number | null
        started_at: number | null
        created_at: number
      }>('SELECT id, uuid, name, status, study_id, ended_at, started_at, created_at FROM src.runs ORDER BY id')
      const result: ImportResult = {
        added: [],
        skipped: [],
        conflicts: [],
        replaced: [],
        studiesAdded: [],
        source: { manifest: source.manifest !== null, schemaVersion: source.schemaVersion, runs: runs.length },
      }
      for (const [i, run] of runs.entries()) {
        options.onProgress?.(i, runs.length)
        if (run.status === 'running') {
          result.conflicts.push({
            uuid: run.uuid,
            name: run.name,
            id: run.id,
            reason: 'still_training',
            message: 'it is still training in the archive it comes from: import it when it has ended',
          })
          continue
        }
        const here = await db.get<{
          id: number
          status: string
          ended_at: number | null
          started_at: number | null
          created_at: number
        }>('SELECT id, status, ended_at, started_at, created_at FROM main.runs WHERE uuid = ?', [run.uuid])
        if (here?.status === 'running') {
          result.conflicts.push({
            uuid: run.uuid,
            name: run.name,
            id: here.id,
            reason: 'still_training',
            message: 'it is training here right now: import again when it has ended',
          })
          continue
        }
        if (here) {
          if ((await runChecksum(db, 'src', run.id)) === (await runChecksum(db, 'main', here.id))) {
            result.skipped.push({ uuid: run.uuid, name: run.name, id: here.id })
            continue
          }
          const when = (r: { ended_at: number | null; started_at: number | null; created_at: number }) =>
            r.ended_at ?? r.started_at ?? r.created_at
          const newer = when(run) > when(here)
          if (!options.replaceNewer || !newer) {
            result.conflicts.push(
              newer
                ? {
                    uuid: run.uuid,
                    name: run.name,
                    id: here.id,
                    reason: 'incoming_newer',
                    message: 'the incoming run has other content and is newer: import with “replace newer” to take it',
                  }
                : {
                    uuid: run.uuid,
                    name: run.name,
                    id: here.id,
                    reason: 'here_newer',
                    message: 'the run here has other content and is as new or newer: kept',
                  },
            )
            continue
          }
          await db.run('DELETE FROM main.runs WHERE id = ?', [here.id])
        }
        const study = await studyIn(db, 'src', 'main', run.study_id)
        if (study.created) result.studiesAdded.push(study.created)
        const id = await copyRun(db, 'src', 'main', run.id, study.id)
        ;(here ? result.replaced : result.added).push({ uuid: run.uuid, name: run.name, id })
      }
      options.onProgress?.(runs.length, runs.length)
      return result
    })
  } finally {
    source.cleanup()
  }
}
