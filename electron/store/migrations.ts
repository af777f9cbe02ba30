// Applies migrations/NNNN_name.sql in order, each in its own transaction, and records them.
// A database whose applied migrations are not a prefix of the known ones (made by a newer
// NormLab, or by a changed migration file) is refused before anything is written to it.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SqliteDb } from './sqlite'

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

interface AppliedMigration {
  version: number
  name: string
  checksum: string
}

export class ArchiveRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArchiveRefusedError'
  }
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/

export function loadMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new Error(`the migrations folder ${dir} does not exist`)
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file)
      if (!match) throw new Error(`migration file ${file} is not named NNNN_name.sql`)
      const sql = readFileSync(join(dir, file), 'utf8')
      return { version: Number(match[1]), name: match[2]!, sql, checksum: checksumOf(sql) }
    })
    .sort((a, b) => a.version - b.version)
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migrations must be numbered 0001, 0002, … without gaps; found ${label(m)} at position ${i + 1}`)
  })
  return migrations
}

function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex')
}

function label(m: { version: number; name: string }): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`
}

async function readApplied(db: SqliteDb): Promise<AppliedMigration[] | 'foreign'> {
  const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
  if (tables.length === 0) return []
  if (!tables.some((t) => t.name === 'schema_migrations')) return 'foreign'
  return db.all<AppliedMigration>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
}

/** Throws ArchiveRefusedError unless `applied` is a prefix of `known`. */
export function checkPrefix(path: string, applied: AppliedMigration[], known: Migration[]): void {
  for (const [i, a] of applied.entries()) {
    const k = known[i]
    if (!k) {
      throw new ArchiveRefusedError(
        `The archive ${path} was made by a newer version of NormLab: it has migration ${label(a)}, ` +
          `but this version knows only up to ${known.length > 0 ? label(known[known.length - 1]!) : 'none'}. ` +
          'Update NormLab to open it. The file was not changed.',
      )
    }
    if (k.version !== a.version || k.name !== a.name || k.checksum !== a.checksum) {
      throw new ArchiveRefusedError(
        `The archive ${path} has migration ${label(a)} applied, which differs from this version's ${label(k)}. ` +
          'It was made by a different build of NormLab. The file was not changed.',
      )
    }
  }
}

/**
 * Checks an existing file read-only first, so a refused archive is left byte-for-byte untouched
 * (opening it read-write would already switch its journal mode).
 */
export async function verifyBeforeOpening(path: string, known: Migration[]): Promise<void> {
  if (path === ':memory:' || !existsSync(path)) return
  const db = await SqliteDb.open(path, { readonly: true })
  try {
    let applied: AppliedMigration[] | 'foreign'
    try {
      applied = await readApplied(db)
    } catch (error) {
      throw new ArchiveRefusedError(
        `${path} is not a NormLab archive (${(error as Error).message}). The file was not changed.`,
      )
    }
    if (applied === 'foreign') {
      throw new ArchiveRefusedError(
        `${path} is an SQLite database but not a NormLab archive (it has no schema_migrations table). The file was not changed.`,
      )
    }
    checkPrefix(path, applied, known)
  } finally {
    await db.close()
  }
}

/** Applies every pending migration; returns the schema version afterwards. */
export async function migrate(db: SqliteDb, known: Migration[]): Promise<number> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  )
  const applied = await readApplied(db)
  if (applied === 'foreign') throw new ArchiveRefusedError(`${db.path} is not a NormLab archive`)
  checkPrefix(db.path, applied, known)
  for (const m of known.slice(applied.length)) {
    await db.transaction(async () => {
      await db.exec(m.sql)
      await db.run('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)', [
        m.version,
        m.name,
        m.checksum,
        Date.now(),
      ])
    })
  }
  return known.length
}
