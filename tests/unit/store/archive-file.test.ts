// The archive file, handled carefully: refused files are left alone with nothing beside them, a
// damaged file is noticed on open and never written into, and a file deleted or replaced while open
// stops every request instead of answering from a ghost.
import {
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Archive, ArchiveRefusedError, openServices } from '../../../electron/store'
import { TEST_OWNER } from '../../helpers/writer'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
})
afterEach(() => tmp.cleanup())

const newRun = async (archive: Archive) => {
  const run = await archive.runs.create({
    name: 'r',
    config: sampleConfig(),
    studyId: null,
    status: 'queued',
    tags: [],
    notes: '',
    device: null,
  })
  return archive.runs.update({ id: run.id, status: 'running', lease: { owner: TEST_OWNER } })
}

/** An archive with enough metric rows to span many pages. */
async function filledArchive(path: string): Promise<number> {
  const archive = await Archive.open(path, { migrations: MIGRATIONS })
  const run = await newRun(archive)
  for (let batch = 0; batch < 20; batch++) {
    const points = Array.from({ length: 1000 }, (_, i) => ({
      name: 'loss',
      step: batch * 1000 + i,
      value: Math.sin(i),
      wallMs: i,
    }))
    await archive.metrics.append({ runId: run.id, owner: TEST_OWNER, points })
  }
  await archive.close()
  return run.id
}

describe('opening the archive file', () => {
  it('refuses a corrupt (non-SQLite) file on its header: unchanged, and no -wal/-shm left beside it', async () => {
    const path = tmp.file('garbage.sqlite')
    writeFileSync(path, Buffer.alloc(8192, 7))
    const before = readFileSync(path)
    await expect(Archive.open(path, { migrations: MIGRATIONS })).rejects.toThrow(ArchiveRefusedError)
    await expect(Archive.open(path, { migrations: MIGRATIONS })).rejects.toThrow(
      /is not a NormLab archive \(it is not an SQLite file\)/,
    )
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(existsSync(`${path}-wal`)).toBe(false)
    expect(existsSync(`${path}-shm`)).toBe(false)
  })

  it('leaves no -wal/-shm beside an SQLite file it refuses (another program’s database)', async () => {
    const path = tmp.file('other.sqlite')
    const { SqliteDb } = await import('../../../electron/store/sqlite')
    const db = await SqliteDb.open(path)
    await db.exec(
      'PRAGMA journal_mode = WAL; CREATE TABLE something_else (x INTEGER); INSERT INTO something_else VALUES (1)',
    )
    await db.close()
    expect(existsSync(`${path}-wal`)).toBe(false)
    await expect(Archive.open(path, { migrations: MIGRATIONS })).rejects.toThrow(
      /SQLite database but not a NormLab archive/,
    )
    expect(existsSync(`${path}-wal`)).toBe(false)
    expect(existsSync(`${path}-shm`)).toBe(false)
  })

  it('notices two overwritten pages in the middle, opens read-only with the reason, and writes nothing', async () => {
    const path = tmp.file('damaged.sqlite')
    const runId = await filledArchive(path)
    const pages = statSync(path).size / 4096
    expect(pages).toBeGreaterThan(20)
    const fd = openSync(path, 'r+')
    for (const page of [Math.floor(pages / 2), Math.floor(pages / 2) + 1])
      writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, page * 4096)
    closeSync(fd)
    const damaged = readFileSync(path)

    const services = await openServices({ dbPath: path, host: 'web', migrationsDir: MIGRATIONS })
    expect(services.archive.report.integrity.status).toBe('damaged')
    expect(services.archive.report.readOnly).toMatch(/is damaged .*; it is open read-only/)
    // Reads that do not touch the damage still work; every write is refused with the reason.
    expect((await services.archive.runs.get(runId)).name).toBe('r')
    const refused = await services.dispatch('appendMetrics', {
      runId,
      owner: TEST_OWNER,
      points: [{ name: 'loss', step: 1e6, value: 1, wallMs: 0 }],
    })
    expect(refused).toMatchObject({ ok: false, error: { code: 'read_only' } })
    expect((refused as { error: { message: string } }).error.message).toMatch(/damaged.*nothing can be written/)
    await services.close()
    expect(readFileSync(path).equals(damaged)).toBe(true)
  })

  it('runs the integrity check on open and reports it', async () => {
    const path = tmp.file('fine.sqlite')
    await filledArchive(path)
    const archive = await Archive.open(path, { migrations: MIGRATIONS })
    expect(archive.report.integrity).toMatchObject({ status: 'ok', detail: null })
    expect(archive.report.integrity.ms).toBeLessThan(5000)
    expect(archive.report).toMatchObject({ created: false, tookOverEmpty: false, readOnly: null })
    await archive.close()
  })
})

describe('the archive file while it is open', () => {
  it('refuses every request once the file is deleted, naming the file', async () => {
    const path = tmp.file('gone.sqlite')
    const services = await openServices({ dbPath: path, host: 'web', migrationsDir: MIGRATIONS })
    const run = await newRun(services.archive)
    rmSync(path)
    for (const [name, payload] of [
      ['appendMetrics', { runId: run.id, owner: TEST_OWNER, points: [{ name: 'loss', step: 1, value: 1, wallMs: 0 }] }],
      ['listRuns', {}],
    ] as const) {
      const answer = await services.dispatch(name, payload)
      expect(answer, name).toMatchObject({ ok: false, error: { code: 'archive_gone' } })
      expect((answer as { error: { message: string } }).error.message).toContain(
        `The archive file ${path} was deleted or moved while NormLab had it open`,
      )
    }
    await services.close()
  })

  it('refuses every request once the file is replaced by another one', async () => {
    const path = tmp.file('replaced.sqlite')
    const services = await openServices({ dbPath: path, host: 'web', migrationsDir: MIGRATIONS })
    const other = tmp.file('other.sqlite')
    await (await Archive.open(other, { migrations: MIGRATIONS })).close()
    renameSync(other, path)
    expect(await services.dispatch('listRuns', {})).toMatchObject({
      ok: false,
      error: { code: 'archive_gone', message: expect.stringMatching(/replaced by another file/) },
    })
    await services.close()
  })
})
