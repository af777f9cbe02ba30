// A small promise layer over the callback API of the `sqlite3` package. One connection, and every
// unit of work runs through one queue, so a transaction never interleaves with another request's
// statements on the same connection.
import sqlite3 from 'sqlite3'
import { ApiError } from '../../shared/contract'

export type Param = string | number | bigint | Buffer | null
export type Row = Record<string, unknown>

/** SQLite's errors as the contract's: a lock is worth retrying, a full disk is a storage problem. */
export function translateSqliteError(error: unknown, path: string): unknown {
  const code = (error as { code?: string } | null)?.code
  const message = (error as Error | null)?.message ?? String(error)
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new ApiError('busy', `The archive ${path} is locked by another program (${message})`)
    case 'SQLITE_FULL':
      return new ApiError('storage', `The disk holding the archive ${path} is full (${message})`)
    case 'SQLITE_IOERR':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
      return new ApiError('storage', `The archive ${path} cannot be written (${message})`)
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new ApiError('read_only', `The archive ${path} is damaged (${message})`)
    default:
      return error
  }
}

/** A write statement: what a full disk refuses. */
const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i

export class SqliteDb {
  /**
   * Fault injection for tests (never set in use): a disk that fills up. Every write statement
   * spends the size of its parameters; once `bytesLeft` is spent, writes fail as SQLite's do on a
   * full disk (SQLITE_FULL), in every connection of this process.
   */
  static diskFaults: { bytesLeft: number } | null = null

  private static spend(sql: string, params: readonly Param[]): Error | null {
    const faults = SqliteDb.diskFaults
    if (!faults || !WRITE.test(sql)) return null
    for (const p of params)
      faults.bytesLeft -= Buffer.isBuffer(p) ? p.length : typeof p === 'string' ? Buffer.byteLength(p) : 8
    if (faults.bytesLeft >= 0) return null
    return Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' })
  }

  private queue: Promise<unknown> = Promise.resolve()
  /** Runs before every unit of work; throws to refuse it (the archive file is gone, say). */
  guard: (() => void) | null = null
  /** Why writes are refused, when the file is open read-only. */
  readOnlyReason: string | null
  /** Runs once the connection has closed (tidying files this open made). */
  afterClose: (() => void) | null = null

  private constructor(
    private readonly db: sqlite3.Database,
    readonly path: string,
    readonly readonly: boolean,
  ) {
    this.readOnlyReason = readonly ? `The archive ${path} is open read-only` : null
  }

  static open(path: string, { readonly = false, create = true } = {}): Promise<SqliteDb> {
    const mode = readonly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | (create ? sqlite3.OPEN_CREATE : 0)
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, mode, (error) => {
        if (error) reject(new Error(`cannot open the archive ${path}: ${error.message}`))
        else resolve(new SqliteDb(db, path, readonly))
      })
    })
  }

  /** Stops a running statement (a bounded integrity check). */
  interrupt(): void {
    this.db.interrupt()
  }

  run(sql: string, params: readonly Param[] = []): Promise<{ changes: number; lastID: number }> {
    const full = SqliteDb.spend(sql, params)
    if (full) return Promise.reject(full)
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error)
        else resolve({ changes: this.changes, lastID: this.lastID })
      })
    })
  }

  get<T = Row>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params, (error: Error | null, row: T | undefined) => (error ? reject(error) : resolve(row)))
    })
  }

  all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    const full = SqliteDb.spend(sql, params)
    if (full) return Promise.reject(full)
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)))
    })
  }

  /** Streams rows one by one (a table too large to hold at once); resolves with how many there were. */
  each<T = Row>(sql: string, params: readonly Param[], onRow: (row: T) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      let failed: unknown = null
      this.db.each(
        sql,
        params,
        (error: Error | null, row: T) => {
          if (error || failed) return void (failed ??= error)
          try {
            onRow(row)
          } catch (e) {
            failed = e
          }
        },
        (error: Error | null, count: number) => (error || failed ? reject(error ?? failed) : resolve(count)),
      )
    })
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())))
  }

  /** Runs `work` alone on the connection: nothing else starts until it settles. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const guarded = async () => {
      this.guard?.()
      try {
        return await work()
      } catch (error) {
        throw translateSqliteError(error, this.path)
      }
    }
    return this.enqueue(guarded)
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work)
    this.queue = result.catch(() => undefined)
    return result
  }

  /** Runs `work` alone, inside one transaction: all of it is written or none of it. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.readOnlyReason !== null)
      return Promise.reject(new ApiError('read_only', `${this.readOnlyReason}: nothing can be written to it`))
    return this.exclusive(async () => {
      await this.exec('BEGIN IMMEDIATE')
      try {
        const result = await work()
        await this.exec('COMMIT')
        return result
      } catch (error) {
        await this.exec('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
  }

  close(): Promise<void> {
    // No guard: an archive whose file is gone must still close.
    return this.enqueue(
      () =>
        new Promise<void>((resolve, reject) =>
          this.db.close((e) => {
            if (e) return reject(e)
            this.afterClose?.()
            resolve()
          }),
        ),
    )
  }
}

/**
 * Inserts many rows with multi-row INSERT statements (about ten times faster than one statement
 * per row). `head` is `INSERT INTO t (a, b)` plus anything that follows VALUES goes in `tail`.
 */
export async function insertMany(
  db: SqliteDb,
  head: string,
  columns: number,
  rows: readonly (readonly Param[])[],
  tail = '',
): Promise<number> {
  // SQLite allows 32766 bound parameters per statement; stay well below.
  const perStatement = Math.max(1, Math.floor(4000 / columns))
  const tuple = `(${new Array(columns).fill('?').join(',')})`
  let written = 0
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement)
    const sql = `${head} VALUES ${new Array(chunk.length).fill(tuple).join(',')} ${tail}`
    const result = await db.run(sql, chunk.flat())
    written += result.changes
  }
  return written
}
