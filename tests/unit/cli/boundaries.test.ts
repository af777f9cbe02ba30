// The CLI's doors: an in-memory --db is refused before anything trains (it would keep nothing), an
// import of a missing file creates no archive, and text a spreadsheet would run as a formula is
// written to CSV as text.
import { existsSync, readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices } from '../../../electron/store'
import { createApi } from '../../../shared/contract'
import { cli } from '../../helpers/cli'
import { writeRuns } from '../../helpers/synthetic-runs'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => (tmp = tempDir()))
afterEach(() => tmp.cleanup())

describe('the CLI at its boundaries', () => {
  it('refuses --db :memory: (and NORMLAB_DB=:memory:) before training: a run "completed" into memory would be kept nowhere', async () => {
    for (const db of [':memory:', 'file::memory:?cache=shared']) {
      const result = await cli(['train', '--task', 'adding', '--steps', '2', '--db', db])
      expect(result.code).toBe(2)
      expect(result.err).toMatch(/in-memory SQLite database: nothing would be kept/)
      expect(result.out).not.toMatch(/Run 1/)
    }
    const previous = process.env.NORMLAB_DB
    process.env.NORMLAB_DB = ':memory:'
    try {
      expect((await cli(['runs', 'list'])).code).toBe(2)
    } finally {
      if (previous === undefined) delete process.env.NORMLAB_DB
      else process.env.NORMLAB_DB = previous
    }
  })

  it('creates no archive when the file to import is missing', async () => {
    const db = tmp.file('new.sqlite')
    const result = await cli(['import', tmp.file('missing.normlab'), '--db', db])
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/missing\.normlab is not a file: nothing was imported, nothing was written/)
    expect(existsSync(db)).toBe(false)
  })

  it('writes names and errors that start like formulas (= + - @) as text in runs.csv', async () => {
    const db = tmp.file('a.sqlite')
    const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
    const api = createApi((name, payload) => services.dispatch(name, payload))
    const [id] = await writeRuns(api, [{ config: { norm: 'ln' }, status: 'diverged', error: '@SUM(1+1)' }])
    await api.updateRun({ id: id!, name: '=HYPERLINK("http://evil.example","click")' })
    await services.close()
    const out = tmp.file('tidy')
    expect((await cli(['export-data', '--out', out, '--db', db])).code).toBe(0)
    const csv = readFileSync(`${out}/runs.csv`, 'utf8')
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`)
    expect(csv).toContain(`'@SUM(1+1)`)
    expect(csv).not.toMatch(/,=HYPERLINK|,"=HYPERLINK|,@SUM/)
  })
})
