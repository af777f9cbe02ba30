import { TEST_OWNER } from '../../helpers/writer'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli as runCapture } from '../../helpers/cli'
import { openServices } from '../../../electron/store'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let db: string
beforeEach(() => {
  tmp = tempDir()
  db = tmp.file('cli.sqlite')
})
afterEach(() => tmp.cleanup())

const cli = (...argv: string[]) => runCapture(argv)

async function seed() {
  const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
  const run = await services.handlers.createRun({
    name: 'BN small batch',
    config: sampleConfig({ batchSize: 2 }),
    studyId: null,
    status: 'queued',
    tags: ['demo'],
    notes: 'n',
    device: null,
  })
  await services.handlers.updateRun({ id: run.id, status: 'running', lease: { owner: TEST_OWNER } })
  await services.handlers.appendMetrics({
    runId: run.id,
    owner: TEST_OWNER,
    points: [
      { name: 'loss', step: 0, value: 2.5, wallMs: 0 },
      { name: 'loss', step: 1, value: 1.25, wallMs: 5 },
    ],
  })
  const ended = await services.handlers.updateRun({ id: run.id, owner: TEST_OWNER, status: 'completed' })
  await services.close()
  return ended
}

async function emptyArchive() {
  await (await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })).close()
}

describe('npm run lab -- runs', () => {
  it('says so when the archive is empty', async () => {
    await emptyArchive()
    expect(await cli('runs', 'list', '--db', db)).toMatchObject({ code: 0, out: 'The archive has no runs yet.' })
  })

  it('never creates an archive, or its folders, at a mistyped path: it says there is none', async () => {
    const typo = tmp.file('no/such/folder/archive.sqlite')
    for (const argv of [
      ['runs', 'list', '--db', typo],
      ['runs', 'show', '1', '--db', typo],
    ]) {
      const result = await cli(...argv)
      expect(result.code).toBe(1)
      expect(result.err).toBe(
        `There is no archive at ${typo}. Check the path (--db), or train something to create one.`,
      )
    }
    expect(existsSync(tmp.file('no'))).toBe(false)
  })

  it('refuses an empty file as an archive when reading, and leaves it empty', async () => {
    writeFileSync(db, '')
    const result = await cli('runs', 'list', '--db', db)
    expect(result).toMatchObject({
      code: 1,
      err: `${db} is an empty file, not a NormLab archive. The file was not changed.`,
    })
    expect(statSync(db).size).toBe(0)
    expect(existsSync(`${db}-wal`) || existsSync(`${db}-shm`)).toBe(false)
  })

  it('lists runs as a table and as JSON', async () => {
    const run = await seed()
    const table = await cli('runs', 'list', '--db', db)
    expect(table.code).toBe(0)
    expect(table.out.split('\n')[0]).toMatch(/^id\s+study\s+name\s+status\s+norm\s+batch\s+batching\s+seed\s+created$/)
    expect(table.out).toMatch(
      new RegExp(`^${run.id}\\s+-\\s+BN small batch\\s+completed\\s+bn_step\\s+2\\s+mask\\s+1\\s`, 'm'),
    )
    const json = await cli('runs', 'list', '--db', db, '--json')
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ id: run.id, batchSize: 2 })])
    expect((await cli('runs', 'list', '--db', db, '--norm', 'ln')).out).toBe('The archive has no runs yet.')
  })

  it('shows one run with its metrics', async () => {
    const run = await seed()
    const shown = await cli('runs', 'show', String(run.id), '--db', db)
    expect(shown.code).toBe(0)
    expect(shown.out).toMatch(/^Run \d+: BN small batch/)
    expect(shown.out).toMatch(/model\s+lstm \+ bn_step, batch 2, seed 1, task adding/)
    expect(shown.out).toMatch(/loss: 2 points, last 1\.250/)
  })

  it('gives clear errors for unknown commands, bad options, bad ids and missing runs', async () => {
    await emptyArchive()
    expect(await cli('runs', 'explode', '--db', db)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^Unknown command "runs explode"/),
    })
    expect(await cli('runs', 'list', '--db', db, '--colour', 'red')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^unknown flag --colour\. Its flags: npm run lab -- help runs list$/),
    })
    expect(await cli('runs', 'show', 'abc', '--db', db)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/"abc" is not a run id/),
    })
    expect(await cli('runs', 'show', '--db', db)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/exactly one run id/),
    })
    expect(await cli('runs', 'show', '77', '--db', db)).toMatchObject({ code: 1, err: 'Error: run 77 does not exist' })
    expect((await cli()).code).toBe(2)
    expect(await cli('help')).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: npm run lab -- <command>/) })
  })
})
