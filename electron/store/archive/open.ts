// Opening an archive file, carefully: nothing is created unless the caller may create an archive,
// nothing is left beside a file that is refused, and a damaged file is noticed before anything is
// written into it.
//
// 1. A missing file is created only for a command that creates archives (training, the app);
//    read-only commands say there is none. An empty file is taken over only by such a command, and
//    it says so. A file that is not SQLite is refused on its header, before SQLite touches it.
// 2. The migrations are checked read-only first (a newer NormLab's archive is refused untouched);
//    -wal/-shm files that check created are removed again when the file is refused.
// 3. A quick integrity check runs on open (bounded time, reported). A damaged archive opens
//    read-only with a clear reason; nothing is written into it.
// 4. The file's identity (device, inode) is remembered: if the file is deleted, moved or replaced
//    while open, every request is refused from then on instead of answering from a ghost.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { ApiError } from '../../../shared/contract'
import { ArchiveRefusedError, loadMigrations, migrate, verifyBeforeOpening, type Migration } from '../migrations'
import { SqliteDb } from '../sqlite'

/** WAL (readers never block the writer), foreign keys (deletes cascade), a wait on a busy file. */
const PRAGMAS =
  'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;'
const SQLITE_HEADER = 'SQLite format 3\0'
/** The integrity check stops after this long and reports that it could not finish. */
export const INTEGRITY_CHECK_LIMIT_MS = 5000

export interface IntegrityReport {
  status: 'ok' | 'damaged' | 'unchecked'
  detail: string | null
  ms: number
}

export interface OpenReport {
  /** There was no file: this open created the archive. */
  created: boolean
  /** The file was empty and became an archive. */
  tookOverEmpty: boolean
  integrity: IntegrityReport
  /** Why the archive is open read-only (it is damaged), or null. */
  readOnly: string | null
}

export interface OpenedDatabase {
  db: SqliteDb
  schemaVersion: number
  report: OpenReport
}

export interface OpenDatabaseOptions {
  migrations: string | Migration[]
  /** May this open create an archive (or take over an empty file)? Read-only commands say no. */
  create: boolean
  integrityLimitMs?: number
}

function hasSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(16)
    return readSync(fd, buffer, 0, 16, 0) === 16 && buffer.toString('latin1') === SQLITE_HEADER
  } finally {
    closeSync(fd)
  }
}

/** Removes -wal/-shm files that were not there before (this process's read-only check made them). */
function removeNewSidecars(path: string, before: Record<string, boolean>): void {
  for (const suffix of ['-wal', '-shm'] as const) {
    const file = path + suffix
    if (!before[suffix] && existsSync(file)) rmSync(file, { force: true })
  }
}

async function quickCheck(db: SqliteDb, limitMs: number): Promise<IntegrityReport> {
  const started = Date.now()
  const timer = setTimeout(() => db.interrupt(), limitMs)
  try {
    const rows = await db.all<{ quick_check: string }>('PRAGMA quick_check(10)')
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
    return {
      status: problems.length === 0 ? 'ok' : 'damaged',
      detail: problems.length === 0 ? null : problems.join('; '),
      ms: Date.now() - started,
    }
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'SQLITE_INTERRUPT')
      return {
        status: 'unchecked',
        detail: `the check did not finish within ${limitMs / 1000} s`,
        ms: Date.now() - started,
      }
    return { status: 'damaged', detail: (error as Error).message, ms: Date.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

/** Refuses every request once the file at `path` is no longer the one that was opened. */
function watchIdentity(db: SqliteDb, path: string): void {
  const opened = statSync(path)
  let gone: ApiError | null = null
  db.guard = () => {
    if (!gone) {
      const now = statSync(path, { throwIfNoEntry: false })
      if (!now || now.ino !== opened.ino || now.dev !== opened.dev) {
        gone = new ApiError(
          'archive_gone',
          `The archive file ${path} was ${now ? 'replaced by another file' : 'deleted or moved'} while NormLab had it open. ` +
            'Nothing more is written or read: put the file back, or restart NormLab to open the file now at that path.',
        )
      }
    }
    if (gone) throw gone
  }
}

export async function openDatabase(path: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const known = typeof options.migrations === 'string' ? loadMigrations(options.migrations) : options.migrations
  const memory = path === ':memory:'
  let created = false
  let tookOverEmpty = false
  if (!memory) {
    if (!existsSync(path)) {
      if (!options.create)
        throw new ArchiveRefusedError(
          `There is no archive at ${path}. Check the path (--db), or train something to create one.`,
        )
      mkdirSync(dirname(path), { recursive: true })
      created = true
    } else if (statSync(path).size === 0) {
      if (!options.create)
        throw new ArchiveRefusedError(`${path} is an empty file, not a NormLab archive. The file was not changed.`)
      tookOverEmpty = true
    } else if (!hasSqliteHeader(path)) {
      throw new ArchiveRefusedError(
        `${path} is not a NormLab archive (it is not an SQLite file). The file was not changed.`,
      )
    }
  }
  const sidecars = { '-wal': existsSync(`${path}-wal`), '-shm': existsSync(`${path}-shm`) }
  try {
    if (!created && !tookOverEmpty) await verifyBeforeOpening(path, known)
  } catch (error) {
    if (!memory) removeNewSidecars(path, sidecars)
    throw error
  }

  let db = await SqliteDb.open(path)
  try {
    await db.exec(PRAGMAS)
    const integrity =
      created || tookOverEmpty || memory
        ? { status: 'ok' as const, detail: null, ms: 0 }
        : await quickCheck(db, options.integrityLimitMs ?? INTEGRITY_CHECK_LIMIT_MS)
    let readOnly: string | null = null
    let schemaVersion: number
    if (integrity.status === 'damaged') {
      // Nothing is written into a damaged file: reopen it read-only, so what can be read still is.
      await db.close()
      db = await SqliteDb.open(path, { readonly: true })
      readOnly = `The archive ${path} is damaged (${integrity.detail}); it is open read-only`
      db.readOnlyReason = readOnly
      // Reading it made -wal/-shm files beside it: leave the damaged file as it was found.
      if (!memory) db.afterClose = () => removeNewSidecars(path, sidecars)
      schemaVersion = known.length
    } else {
      schemaVersion = await migrate(db, known)
    }
    if (!memory) watchIdentity(db, path)
    return { db, schemaVersion, report: { created, tookOverEmpty, integrity, readOnly } }
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}
