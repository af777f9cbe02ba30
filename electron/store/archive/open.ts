// Opening an archive file: the read-only prefix check of its migrations first (a newer NormLab's
// archive is refused untouched), then the connection's pragmas and the pending migrations.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { loadMigrations, migrate, verifyBeforeOpening, type Migration } from '../migrations'
import { SqliteDb } from '../sqlite'

/** WAL (readers never block the writer), foreign keys (deletes cascade), a wait on a busy file. */
const PRAGMAS = 'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;'

export interface OpenedDatabase {
  db: SqliteDb
  schemaVersion: number
}

export async function openDatabase(path: string, migrations: string | Migration[]): Promise<OpenedDatabase> {
  const known = typeof migrations === 'string' ? loadMigrations(migrations) : migrations
  await verifyBeforeOpening(path, known)
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = await SqliteDb.open(path)
  try {
    await db.exec(PRAGMAS)
    return { db, schemaVersion: await migrate(db, known) }
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}
