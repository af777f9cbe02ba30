import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Archive, ArchiveRefusedError, loadMigrations } from '../../../electron/store'
import { SqliteDb } from '../../../electron/store/sqlite'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
})
afterEach(() => tmp.cleanup())

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

async function query<T>(path: string, sql: string): Promise<T[]> {
  const db = await SqliteDb.open(path, { readonly: true })
  try {
    return await db.all<T>(sql)
  } finally {
    await db.close()
  }
}

/** A migrations folder with the shipped ones plus extra files. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = tmp.file('migrations')
  mkdirSync(dir)
  for (const m of loadMigrations(MIGRATIONS))
    copyFileSync(
      join(MIGRATIONS, `${String(m.version).padStart(4, '0')}_${m.name}.sql`),
      join(dir, `${String(m.version).padStart(4, '0')}_${m.name}.sql`),
    )
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql)
  return dir
}

const SHIPPED = loadMigrations(MIGRATIONS)
/** The number a new migration would take, and the newest shipped one's label. */
const NEXT = String(SHIPPED.length + 1).padStart(4, '0')
const NEWEST = `${String(SHIPPED.length).padStart(4, '0')}_${SHIPPED[SHIPPED.length - 1]!.name}`

describe('migrations', () => {
  it('applies every shipped migration to a new archive, records each with its checksum, and applies nothing twice', async () => {
    const path = tmp.file('a.sqlite')
    const archive = await Archive.open(path, { migrations: MIGRATIONS })
    expect(archive.schemaVersion).toBe(SHIPPED.length)
    await archive.close()
    const applied = await query<{ version: number; name: string; checksum: string }>(
      path,
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    )
    expect(applied).toEqual(SHIPPED.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })))
    await (await Archive.open(path, { migrations: MIGRATIONS })).close()
    expect(await query(path, 'SELECT version FROM schema_migrations')).toHaveLength(SHIPPED.length)
  })

  it('upgrades a schema-1 archive: its runs are kept and gain UUIDs, hosts and leases', async () => {
    const path = tmp.file('v1.sqlite')
    await (await Archive.open(path, { migrations: SHIPPED.slice(0, 1) })).close()
    const v1 = await SqliteDb.open(path)
    await v1.run(
      `INSERT INTO runs (name, status, config_json, config_hash, task, cell, norm, batch_size, seed, created_at, notes)
       VALUES ('from v1', 'completed', ?, 'h', 'adding', 'lstm', 'ln', 8, 1, 1000, 'kept')`,
      [JSON.stringify(sampleConfig())],
    )
    await v1.run("INSERT INTO run_tags (run_id, tag) VALUES (1, 'old')")
    await v1.run("INSERT INTO studies (name, description, created_at) VALUES ('s', '', 1000)")
    await v1.close()
    const now = await Archive.open(path, { migrations: MIGRATIONS })
    expect(now.schemaVersion).toBe(SHIPPED.length)
    const [run] = await now.runs.list({ filter: {} })
    expect(run).toMatchObject({
      name: 'from v1',
      tags: ['old'],
      notes: 'kept',
      lease: null,
      host: null,
      createdAt: 1000,
    })
    expect(run!.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const [study] = await now.studies.list()
    expect(study!.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await now.close()
  })

  it('applies a pending migration to an existing archive and keeps its data', async () => {
    const path = tmp.file('b.sqlite')
    const v1 = await Archive.open(path, { migrations: MIGRATIONS })
    await v1.runs.create({
      name: 'kept',
      config: sampleConfig(),
      studyId: null,
      status: 'queued',
      tags: [],
      notes: '',
      device: null,
    })
    await v1.close()
    const dir = migrationsWith({
      [`${NEXT}_run_colour.sql`]: "ALTER TABLE runs ADD COLUMN colour TEXT NOT NULL DEFAULT '';",
    })
    const v2 = await Archive.open(path, { migrations: dir })
    expect(v2.schemaVersion).toBe(SHIPPED.length + 1)
    expect((await v2.runs.list({ filter: {} }))[0]!.name).toBe('kept')
    await v2.close()
    expect(
      await query<{ name: string }>(path, "SELECT name FROM pragma_table_info('runs') WHERE name = 'colour'"),
    ).toHaveLength(1)
  })

  it('rolls a failing migration back whole and does not record it', async () => {
    const path = tmp.file('c.sqlite')
    await (await Archive.open(path, { migrations: MIGRATIONS })).close()
    const dir = migrationsWith({
      [`${NEXT}_broken.sql`]: 'CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1);',
    })
    await expect(Archive.open(path, { migrations: dir })).rejects.toThrow(/no_such_table/)
    expect(await query(path, "SELECT name FROM sqlite_master WHERE name = 'half_done'")).toEqual([])
    expect(await query(path, 'SELECT version FROM schema_migrations')).toHaveLength(SHIPPED.length)
  })

  it('refuses an archive made by a newer version with a clear message, leaving the file byte-for-byte unchanged', async () => {
    const path = tmp.file('newer.sqlite')
    const dir = migrationsWith({ [`${NEXT}_future.sql`]: 'CREATE TABLE future_feature (id INTEGER);' })
    await (await Archive.open(path, { migrations: dir })).close()
    const before = sha(path)
    const error = await Archive.open(path, { migrations: MIGRATIONS }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ArchiveRefusedError)
    expect((error as Error).message).toContain(
      `made by a newer version of NormLab: it has migration ${NEXT}_future, but this version knows only up to ${NEWEST}`,
    )
    expect((error as Error).message).toMatch(/not changed/)
    expect(sha(path)).toBe(before)
  })

  it('refuses an archive whose applied migration differs from the known one', async () => {
    const path = tmp.file('changed.sqlite')
    await (await Archive.open(path, { migrations: MIGRATIONS })).close()
    const known = loadMigrations(MIGRATIONS).map((m) => ({ ...m, checksum: 'different' }))
    const before = sha(path)
    await expect(Archive.open(path, { migrations: known })).rejects.toThrow(
      /has migration 0001_init applied, which differs/,
    )
    expect(sha(path)).toBe(before)
  })

  it('refuses files that are not NormLab archives, without touching them', async () => {
    const text = tmp.file('notes.sqlite')
    writeFileSync(text, 'this is not a database, just some text that is long enough to have a header'.repeat(10))
    const before = sha(text)
    await expect(Archive.open(text, { migrations: MIGRATIONS })).rejects.toThrow(/is not a NormLab archive/)
    expect(sha(text)).toBe(before)

    const other = tmp.file('other.sqlite')
    const db = await SqliteDb.open(other)
    await db.exec('CREATE TABLE something_else (x INTEGER)')
    await db.close()
    const beforeOther = sha(other)
    await expect(Archive.open(other, { migrations: MIGRATIONS })).rejects.toThrow(
      /SQLite database but not a NormLab archive/,
    )
    expect(sha(other)).toBe(beforeOther)
  })

  it('rejects badly named or gapped migration folders', () => {
    const bad = tmp.file('bad')
    mkdirSync(bad)
    writeFileSync(join(bad, '1_init.sql'), '')
    expect(() => loadMigrations(bad)).toThrow(/not named NNNN_name.sql/)
    const gap = tmp.file('gap')
    mkdirSync(gap)
    writeFileSync(join(gap, '0001_a.sql'), '')
    writeFileSync(join(gap, '0003_c.sql'), '')
    expect(() => loadMigrations(gap)).toThrow(/without gaps; found 0003_c at position 2/)
  })
})
