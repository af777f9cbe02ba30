// The rescue the damage warning advises: an archive with damaged pages opens read-only, leaves no
// -wal/-shm beside itself, lists its runs, and exports every run it can still read whole (the
// others named, the error naming the damaged archive, not the new file); the export imports.
import { leaseRun, TEST_OWNER } from '../../helpers/writer'
import { closeSync, openSync, readdirSync, writeSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServices } from '../../../electron/store'
import { SqliteDb } from '../../../electron/store/sqlite'
import { createApi } from '../../../shared/contract'
import { cli } from '../../helpers/cli'
import { writeRuns } from '../../helpers/synthetic-runs'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-damaged-')
const db = tmp.file('damaged.sqlite')
afterAll(() => tmp.cleanup())

beforeAll(async () => {
  const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
  const api = createApi((name, payload) => services.dispatch(name, payload))
  await writeRuns(api, [{ config: { norm: 'bn_step', seed: 1 } }])
  // The second run's many metric rows, written at once, fill a long stretch of pages of their own.
  const big = await api.createRun({
    name: 'big',
    config: { task: 'adding', norm: 'ln', seed: 1, hidden: 4, steps: 20 },
  })
  await leaseRun(api, big.id)
  for (let start = 100; start < 60_000; start += 20_000) {
    await api.appendMetrics({
      runId: big.id,
      owner: TEST_OWNER,
      points: Array.from({ length: 20_000 }, (_, i) => ({
        name: 'grad_norm',
        step: start + i,
        value: i / 7,
        wallMs: i,
      })),
    })
  }
  await api.updateRun({ id: big.id, owner: TEST_OWNER, status: 'completed' })
  await writeRuns(api, [{ config: { norm: 'gn', seed: 1 } }])
  await services.close()
  const file = await SqliteDb.open(db, { create: false })
  const pages = (await file.get<{ page_count: number }>('PRAGMA page_count'))!.page_count
  await file.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  await file.close()
  // Scribble over a page just past the middle of the file: one of the second run's metric leaf pages
  // (the middle one itself can be an interior page of the metrics tree, which every run's metrics pass through).
  const fd = openSync(db, 'r+')
  writeSync(fd, Buffer.alloc(600, 0xab), 0, 600, (Math.floor(pages / 2) + 1) * 4096 + 16)
  closeSync(fd)
}, 60_000)

describe('an archive with damaged pages', () => {
  it('opens read-only, lists its runs, and leaves no -wal or -shm beside itself', async () => {
    const listed = await cli(['runs', 'list', '--db', db])
    expect(listed.code).toBe(0)
    expect(listed.err).toMatch(/is damaged .*it is open read-only/s)
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('damaged.sqlite'))).toEqual(['damaged.sqlite'])
  })

  it('exports what it can read, says which table is damaged (so rows may be missing), never blames the new file; the export imports', async () => {
    const out = tmp.file('rescued.normlab')
    const exported = await cli(['export', '--db', db, '--out', out])
    expect(exported.out).toMatch(/Wrote .*rescued\.normlab: 3 runs/)
    expect(exported.err).toMatch(
      /The archive is damaged in metrics: what could be read was exported, but rows on the damaged pages are not in the file\./,
    )
    expect(exported.err).not.toMatch(/rescued\.normlab is damaged/)
    // An incomplete rescue is not a success.
    expect(exported.code).toBe(1)
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('damaged.sqlite'))).toEqual(['damaged.sqlite'])
    const imported = await cli(['import', out, '--db', tmp.file('fresh.sqlite')])
    expect(imported.code, imported.err).toBe(0)
    expect(imported.out).toMatch(/3 added/)
  })

  it('names the damaged archive, writes no file and leaves nothing beside it, when not one run can be read', async () => {
    const broken = tmp.file('runs-damaged.sqlite')
    const services = await openServices({ dbPath: broken, host: 'cli', migrationsDir: MIGRATIONS })
    await writeRuns(
      createApi((name, payload) => services.dispatch(name, payload)),
      [{ config: { norm: 'ln', seed: 1 } }],
    )
    await services.close()
    const file = await SqliteDb.open(broken, { create: false })
    const root = (await file.get<{ rootpage: number }>("SELECT rootpage FROM sqlite_master WHERE name = 'runs'"))!
      .rootpage
    await file.close()
    const fd = openSync(broken, 'r+')
    writeSync(fd, Buffer.alloc(80, 0xff), 0, 80, (root - 1) * 4096 + 8)
    closeSync(fd)
    const out = tmp.file('nothing.normlab')
    const exported = await cli(['export', '--db', broken, '--out', out])
    expect(exported.code).toBe(1)
    expect(exported.err).toMatch(/runs-damaged\.sqlite/)
    expect(exported.err).not.toMatch(/nothing\.normlab is damaged/)
    expect(
      readdirSync(tmp.dir).filter((f) => f.startsWith('nothing.normlab') || f.startsWith('runs-damaged.sqlite-')),
    ).toEqual([])
  })
})
