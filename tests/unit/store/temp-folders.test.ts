// What a killed process left in the temp folder is cleared by whoever opens an archive next: an
// import's private copy (a `kill -9` during the import of a 20 MB file left 20 MB each time).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openServices } from '../../../electron/store'
import { clearLeftTempDirs, privateTempDir } from '../../../electron/store/temp-folders'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-temps-')
afterAll(() => tmp.cleanup())

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'])
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('temporary folders', () => {
  it('a killed import’s copy is cleared at the next open; a live process’s and other files are kept', async () => {
    const root = tmp.file('tmp')
    mkdirSync(root)
    const dead = join(root, 'normlab-import-dead1')
    mkdirSync(dead)
    writeFileSync(join(dead, 'owner.pid'), String(await deadPid()))
    writeFileSync(join(dead, 'source.sqlite'), Buffer.alloc(1024))
    const live = join(root, 'normlab-import-live1')
    mkdirSync(live)
    writeFileSync(join(live, 'owner.pid'), String(process.pid))
    const old = join(root, 'normlab-transfer-old1')
    mkdirSync(old)
    utimesSync(old, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000))
    const young = join(root, 'normlab-transfer-young')
    mkdirSync(young)
    const other = join(root, 'someone-elses-folder')
    mkdirSync(other)
    expect(clearLeftTempDirs(root).sort()).toEqual([dead, old].sort())
    for (const kept of [live, young, other]) expect(existsSync(kept), kept).toBe(true)
  })

  it('the folders NormLab makes name their process, and opening an archive clears the left ones', async () => {
    const dir = privateTempDir('normlab-import-')
    expect(statSync(join(dir, 'owner.pid')).isFile()).toBe(true)
    writeFileSync(join(dir, 'owner.pid'), String(await deadPid()))
    const services = await openServices({ dbPath: tmp.file('a.sqlite'), host: 'cli', migrationsDir: MIGRATIONS })
    await services.close()
    expect(existsSync(dir)).toBe(false)
  })
})
