// A portable archive (issue 11): export → import reproduces every row byte for byte, importing
// twice adds nothing, separately trained archives merge, bad files are refused with the target
// byte-identical, older schemas are upgraded in a copy, conflicts are reported, tidy data has the
// archive's row counts. The runs are trained for real (tfjs on wasm, through the CLI).
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli as runCapture } from '../../helpers/cli'
import { Archive, configHash } from '../../../electron/store'
import { loadMigrations } from '../../../electron/store/migrations'
import { SqliteDb } from '../../../electron/store/sqlite'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'
import { TEST_OWNER } from '../../helpers/writer'

let tmp: ReturnType<typeof tempDir>

const cli = runCapture

const TRAIN = [
  '--task',
  'adding',
  '--hidden',
  '8',
  '--lengths',
  '5-9',
  '--batch',
  '4',
  '--steps',
  '6',
  '--record-every',
  '2',
  '--eval-every',
  '3',
  '--snapshots',
  'first,last',
  '--backend',
  'wasm',
]
const open = (path: string) => Archive.open(path, { migrations: MIGRATIONS })
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

/** Trains a two-run study (BN per step and LN) into `path`, then tags, notes and stars a run. */
async function trainedArchive(path: string, seed: number): Promise<void> {
  const result = await cli([
    'sweep',
    ...TRAIN,
    '--norm',
    'bn_step,ln',
    '--seed',
    String(seed),
    '--study',
    `seed ${seed}`,
    '--db',
    path,
  ])
  expect(result.code, result.err).toBe(0)
  const archive = await open(path)
  const [first] = await archive.runs.list({ filter: {} })
  await archive.runs.update({ id: first!.id, tags: ['moved', 'demo'], notes: 'trained on the laptop', starred: true })
  await archive.close()
}

/** Every row of every table of a run-carrying archive, keyed by UUIDs instead of ids (which differ between archives). */
async function contentOf(path: string): Promise<Record<string, unknown[]>> {
  const db = await SqliteDb.open(path, { create: false })
  try {
    const runKey = 'r.uuid AS run_uuid'
    const q = (sql: string) => db.all<Record<string, unknown>>(sql)
    return {
      studies: await q('SELECT uuid, name, description, created_at FROM studies ORDER BY uuid'),
      runs: await q(
        `SELECT r.uuid, s.uuid AS study_uuid, r.name, r.status, r.config_json, r.config_hash, r.task, r.cell, r.norm, r.batch_size, r.seed, r.backend, r.device_json,
                r.created_at, r.started_at, r.ended_at, r.notes, r.starred, r.error, r.host
         FROM runs r LEFT JOIN studies s ON s.id = r.study_id ORDER BY r.uuid`,
      ),
      run_tags: await q(
        `SELECT ${runKey}, t.tag FROM run_tags t JOIN runs r ON r.id = t.run_id ORDER BY r.uuid, t.tag`,
      ),
      metrics: await q(
        `SELECT ${runKey}, m.name, m.step, m.value, m.wall_ms FROM metrics m JOIN runs r ON r.id = m.run_id ORDER BY r.uuid, m.name, m.step`,
      ),
      timestep_stats: await q(
        `SELECT ${runKey}, t.layer, t.term, t.step, t.time_steps, t.features, t.count, t.norm_count, t.mean, t.var FROM timestep_stats t JOIN runs r ON r.id = t.run_id ORDER BY r.uuid, t.layer, t.term, t.step`,
      ),
      timestep_features: await q(
        `SELECT ${runKey}, t.layer, t.term, t.step, f.feature_mean, f.feature_var FROM timestep_features f JOIN timestep_stats t ON t.id = f.stat_id JOIN runs r ON r.id = t.run_id ORDER BY r.uuid, t.layer, t.term, t.step`,
      ),
      population_stats: await q(
        `SELECT ${runKey}, p.step, p.layer, p.term, p.time_steps, p.features, p.mean, p.var, p.seen FROM population_stats p JOIN runs r ON r.id = p.run_id ORDER BY r.uuid, p.step, p.layer, p.term`,
      ),
      snapshots: await q(
        `SELECT ${runKey}, s.term, s.step, s.batch, s.time_steps, s.features, s.total_features, s.groups, s.lengths, s.vals, s.row_mean, s.row_var FROM snapshots s JOIN runs r ON r.id = s.run_id ORDER BY r.uuid, s.term, s.step`,
      ),
      evaluations: await q(
        `SELECT ${runKey}, e.step, e.policy, e.length, e.metric, e.value FROM evaluations e JOIN runs r ON r.id = e.run_id ORDER BY r.uuid, e.step, e.policy, e.length, e.metric`,
      ),
    }
  } finally {
    await db.close()
  }
}

let source: string
beforeAll(async () => {
  tmp = tempDir('normlab-transfer-')
  source = tmp.file('laptop.sqlite')
  await trainedArchive(source, 1)
}, 120_000)
afterAll(() => tmp.cleanup())

describe('export and import', () => {
  it('reproduces every row, BLOBs included, byte for byte in an empty archive; a second import adds nothing', async () => {
    const file = tmp.file('all.normlab')
    const exported = await cli(['export', '--db', source, '--out', file])
    expect(exported.code, exported.err).toBe(0)
    expect(exported.out).toMatch(/Wrote .*all\.normlab: 2 runs, 1 study, [\d,]+ rows, schema \d+/)

    const target = tmp.file('empty-target.sqlite')
    const first = await cli(['import', file, '--db', target])
    expect(first.code, first.err).toBe(0)
    expect(first.out).toContain('2 added, 0 already here, 0 replaced, 0 in conflict')

    const before = await contentOf(source)
    const after = await contentOf(target)
    for (const table of Object.keys(before)) {
      expect(after[table]!.length, table).toBe(before[table]!.length)
      expect(after[table], table).toEqual(before[table])
    }
    // The recorded content is there to compare: statistics with per-feature BLOBs, population statistics, evaluations, tags.
    expect(before.timestep_features!.length).toBeGreaterThan(0)
    expect(before.population_stats!.length).toBeGreaterThan(0)
    // Snapshots at the first and last recorded step (1 and 6), every term of the LSTM (x, h, c), both runs.
    expect(
      before.snapshots!.map((s) => `${(s as { term: string }).term}@${(s as { step: number }).step}`).sort(),
    ).toEqual(['c@1', 'c@1', 'c@6', 'c@6', 'h@1', 'h@1', 'h@6', 'h@6', 'x@1', 'x@1', 'x@6', 'x@6'])
    expect(before.evaluations!.length).toBeGreaterThan(0)
    expect(before.run_tags!.length).toBe(2)
    expect(Buffer.isBuffer((after.timestep_stats![0] as { mean: unknown }).mean)).toBe(true)

    const second = await cli(['import', file, '--db', target])
    expect(second.code).toBe(0)
    expect(second.out).toContain('0 added, 2 already here')
    expect(second.out).toContain('nothing new')
    expect(await contentOf(target)).toEqual(after)
  })

  it('is itself an archive with a manifest any SQLite tool can read: versions, UUIDs, row counts, checksums', async () => {
    const file = tmp.file('manifest.normlab')
    const archive = await open(source)
    const runs = await archive.runs.list({ filter: {} })
    const { manifest } = await archive.exportTo(file, { runIds: [runs[0]!.id] }, { appVersion: '9.9.9' })
    await archive.close()
    const db = await SqliteDb.open(file, { create: false })
    const stored = JSON.parse(
      (await db.get<{ value: string }>("SELECT value FROM normlab_manifest WHERE key = 'manifest'"))!.value,
    )
    const journal = (await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))!.journal_mode
    await db.close()
    expect(stored).toEqual(manifest)
    expect(journal).toBe('delete')
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('manifest.normlab'))).toEqual(['manifest.normlab'])
    expect(manifest).toMatchObject({
      format: 'normlab-export',
      appVersion: '9.9.9',
      schemaVersion: loadMigrations(MIGRATIONS).length,
    })
    expect(manifest.runs).toHaveLength(1)
    expect(manifest.runs[0]).toMatchObject({ uuid: runs[0]!.uuid, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(manifest.runs[0]!.rows.metrics).toBeGreaterThan(0)
  })

  it('merges two archives trained separately into one with the sum of their runs, studies by UUID', async () => {
    const other = tmp.file('cluster.sqlite')
    await trainedArchive(other, 2)
    const merged = tmp.file('merged.sqlite')
    const result = await cli(['import', source, other, '--db', merged])
    expect(result.code, result.err).toBe(0)
    const archive = await open(merged)
    const runs = await archive.runs.list({ filter: {} })
    const studies = await archive.studies.list()
    await archive.close()
    expect(runs).toHaveLength(4)
    expect(new Set(runs.map((r) => r.uuid)).size).toBe(4)
    expect(studies.map((s) => [s.name, s.runCount]).sort()).toEqual([
      ['seed 1', 2],
      ['seed 2', 2],
    ])
    const [a, b] = [await contentOf(source), await contentOf(other)]
    const m = await contentOf(merged)
    expect(m.metrics!.length).toBe(a.metrics!.length + b.metrics!.length)
    expect(m.timestep_features!.length).toBe(a.timestep_features!.length + b.timestep_features!.length)
  }, 120_000)

  it('refuses a truncated, damaged, tampered, newer or foreign file before writing, leaving the target byte-identical', async () => {
    const good = tmp.file('good.normlab')
    expect((await cli(['export', '--db', source, '--out', good])).code).toBe(0)
    const target = tmp.file('kept.sqlite')
    expect((await cli(['import', good, '--db', target])).code).toBe(0)
    // The target has content of its own, and no WAL left when closed: its one file is what we hash.
    const hash = sha(target)
    const bytes = readFileSync(good)

    const truncated = tmp.file('truncated.normlab')
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const damaged = tmp.file('damaged.normlab')
    const broken = Buffer.from(bytes)
    for (let i = 4096 * 2; i < broken.length; i += 4096) broken.fill(0x5a, i + 100, i + 600)
    writeFileSync(damaged, broken)
    const tampered = tmp.file('tampered.normlab')
    copyFileSync(good, tampered)
    const t = await SqliteDb.open(tampered, { create: false })
    await t.run("UPDATE metrics SET value = value + 1 WHERE name = 'loss' AND step = 1")
    await t.close()
    const newer = tmp.file('newer.normlab')
    copyFileSync(good, newer)
    const n = await SqliteDb.open(newer, { create: false })
    await n.run(
      "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'from_the_future', 'x', 0)",
    )
    await n.close()
    const foreign = tmp.file('notes.normlab')
    writeFileSync(foreign, 'not an archive\n'.repeat(200))

    const cases: [string, RegExp][] = [
      [truncated, /damaged or truncated|cannot be opened|not a NormLab/],
      [damaged, /damaged or truncated/],
      [tampered, /does not match its checksum/],
      [newer, /made by a newer version of NormLab: it has migration 0099_from_the_future/],
      [foreign, /cannot be opened|not a NormLab|damaged/],
      [tmp.file('missing.normlab'), /missing\.normlab is not a file/],
    ]
    for (const [file, why] of cases) {
      const result = await cli(['import', file, '--db', target])
      // A missing file is a usage error, found before the archive is opened.
      expect(result.code, file).toBe(file.endsWith('missing.normlab') ? 2 : 1)
      expect(result.err, file).toMatch(why)
      expect(result.err, file).toMatch(/Nothing was written|nothing was written/)
      expect(sha(target), file).toBe(hash)
    }
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('kept.sqlite'))).toEqual(['kept.sqlite'])
  })

  it('upgrades an archive of an older schema in a copy, leaving the file as it was', async () => {
    const old = tmp.file('old-schema.sqlite')
    const oldMigrations = loadMigrations(MIGRATIONS).slice(0, 2)
    const archive = await Archive.open(old, { migrations: oldMigrations })
    // Schema 2 has no UUIDs: write as that version's code did.
    await archive.close()
    const db = await SqliteDb.open(old, { create: false })
    const config = sampleConfig({ norm: 'ln' })
    await db.run(
      `INSERT INTO runs (name, status, config_json, config_hash, task, cell, norm, batch_size, seed, created_at) VALUES ('from 2025', 'completed', ?, ?, 'adding', 'lstm', 'ln', 8, 1, 1700000000000)`,
      [JSON.stringify(config), configHash(config)],
    )
    await db.run(
      `INSERT INTO metrics (run_id, name, step, value, wall_ms) VALUES (1, 'loss', 1, 0.5, 10), (1, 'loss', 2, 0.25, 20)`,
    )
    await db.close()
    const hash = sha(old)

    const target = tmp.file('new-schema.sqlite')
    const result = await cli(['import', old, '--db', target])
    expect(result.code, result.err).toBe(0)
    expect(result.out).toContain('(archive, schema 2, 1 run): 1 added')
    expect(sha(old)).toBe(hash)
    const upgraded = await open(target)
    const [run] = await upgraded.runs.list({ filter: {} })
    expect(run).toMatchObject({
      name: 'from 2025',
      createdAt: 1700000000000,
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    expect(await upgraded.countRows('metrics')).toBe(2)
    await upgraded.close()
  })

  it('reports a run that went on elsewhere (same UUID, other content) and takes the newer one only on request', async () => {
    const laptop = tmp.file('conflict-laptop.sqlite')
    copyFileSync(source, laptop)
    const desk = tmp.file('conflict-desk.sqlite')
    expect((await cli(['import', laptop, '--db', desk])).code).toBe(0)
    // On the laptop the first run went on and ended later (a finished run takes no data through
    // NormLab: the file is changed the way another program, or a resumed run, would change it).
    const archive = await open(laptop)
    const [run] = await archive.runs.list({ filter: {} })
    await archive.close()
    const raw = await SqliteDb.open(laptop)
    await raw.run("INSERT INTO metrics (run_id, name, step, value, wall_ms) VALUES (?, 'loss', 1000, 0.01, 99999)", [
      run!.id,
    ])
    await raw.run('UPDATE runs SET ended_at = ended_at + 5 WHERE id = ?', [run!.id])
    await raw.close()

    const reported = await cli(['import', laptop, '--db', desk])
    expect(reported.code).toBe(0)
    expect(reported.out).toContain('0 added, 1 already here, 0 replaced, 1 in conflict')
    expect(reported.out).toMatch(/conflict .*newer: import with “replace newer” to take it/)
    // Something differs: it never says "nothing new" (it did, right under the conflict).
    expect(reported.out).not.toMatch(/nothing new/)
    const taken = await cli(['import', laptop, '--db', desk, '--replace-newer'])
    expect(taken.out).toContain('0 added, 1 already here, 1 replaced, 0 in conflict')
    expect(await contentOf(desk)).toEqual(await contentOf(laptop))
    // The desk's copy is now the newer one: importing the laptop's again is no conflict at all.
    expect((await cli(['import', laptop, '--db', desk])).out).toContain('0 added, 2 already here')
  })

  it('refuses to export a run that is still training, or runs that do not exist', async () => {
    const busy = tmp.file('busy.sqlite')
    const archive = await open(busy)
    const run = await archive.runs.create({
      name: 'live',
      config: sampleConfig(),
      studyId: null,
      status: 'running',
      tags: [],
      notes: '',
      device: null,
    })
    await expect(archive.exportTo(tmp.file('busy.normlab'), { runIds: [run.id] }, { appVersion: 'x' })).rejects.toThrow(
      /still training/,
    )
    await expect(archive.exportTo(tmp.file('busy2.normlab'), { runIds: [77] }, { appVersion: 'x' })).rejects.toThrow(
      /run 77 is not in the archive/,
    )
    await archive.close()
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('busy') && f.includes('normlab'))).toEqual([])
  })
})

describe('tidy data at full fidelity', () => {
  it('writes one CSV per table whose row counts are the archive’s, and the same rows as Parquet', async () => {
    const dir = tmp.file('tidy')
    const result = await cli(['export-data', '--db', source, '--out', dir, '--features', '--snapshots'])
    expect(result.code, result.err).toBe(0)
    const lines = (name: string) => readFileSync(join(dir, name), 'utf8').split('\r\n').filter(Boolean).length - 1
    const db = await SqliteDb.open(source, { create: false })
    const n = async (sql: string) => (await db.get<{ n: number }>(sql))!.n
    const expected = {
      'runs.csv': await n('SELECT COUNT(*) AS n FROM runs'),
      'metrics.csv': await n('SELECT COUNT(*) AS n FROM metrics'),
      'timestep_stats.csv': await n('SELECT SUM(time_steps) AS n FROM timestep_stats'),
      'timestep_features.csv': await n(
        'SELECT SUM(s.time_steps * s.features) AS n FROM timestep_stats s JOIN timestep_features f ON f.stat_id = s.id',
      ),
      'evaluations.csv': await n('SELECT COUNT(*) AS n FROM evaluations'),
      'population.csv': await n('SELECT SUM(time_steps) AS n FROM population_stats'),
      'population_features.csv': await n('SELECT SUM(time_steps * features) AS n FROM population_stats'),
      'snapshots.csv': await n('SELECT SUM(batch * time_steps * features) AS n FROM snapshots'),
    }
    await db.close()
    for (const [file, count] of Object.entries(expected)) {
      expect(count, file).toBeGreaterThan(0)
      expect(lines(file), file).toBe(count)
    }
    expect(readFileSync(join(dir, 'DATA_DICTIONARY.md'), 'utf8')).toContain('time_step')
    expect(readFileSync(join(dir, 'DATA_DICTIONARY.md'), 'utf8')).toContain('## snapshots.csv')
    // snapshots.csv: the stored values where valid, empty where padded, in the columns.
    const snap = readFileSync(join(dir, 'snapshots.csv'), 'utf8').split('\r\n').filter(Boolean)
    expect(snap[0]).toBe('run_id,term,step,sample,time_step,feature,value,valid')
    const cells = snap.slice(1).map((l) => l.split(','))
    expect(cells.filter((c) => c[7] === '1').every((c) => c[6] !== '' && Number.isFinite(Number(c[6])))).toBe(true)
    expect(cells.filter((c) => c[7] === '0').every((c) => c[6] === '')).toBe(true)
    // Lengths 5–9 in a batch padded to its longest: some cells are padding, most are not.
    expect(cells.filter((c) => c[7] === '0').length).toBeGreaterThan(0)

    const pq = tmp.file('tidy-parquet')
    expect((await cli(['export-data', '--db', source, '--out', pq, '--format', 'parquet'])).code).toBe(0)
    // Snapshots only when asked for: without --snapshots neither the table nor its dictionary entry.
    expect(existsSync(join(pq, 'snapshots.parquet'))).toBe(false)
    expect(readFileSync(join(pq, 'DATA_DICTIONARY.md'), 'utf8')).not.toContain('## snapshots')
    const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet')
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(pq, 'timestep_stats.parquet')) })
    expect(rows).toHaveLength(expected['timestep_stats.csv'])
    const csvFirst = readFileSync(join(dir, 'timestep_stats.csv'), 'utf8').split('\r\n')[1]!.split(',')
    expect(rows[0]).toMatchObject({
      run_id: Number(csvFirst[0]),
      run_uuid: csvFirst[1],
      term: csvFirst[3],
      time_step: Number(csvFirst[5]),
      count: Number(csvFirst[6]),
      mean: Number(csvFirst[8]),
    })

    // A folder with something in it is never written into.
    const again = await cli(['export-data', '--db', source, '--out', dir])
    expect(again.code).toBe(1)
    expect(again.err).toMatch(/is not empty/)
  })
})

describe('final and best values for the Runs table', () => {
  it('gives the last step’s value and the lowest loss (highest accuracy) with its step', async () => {
    const archive = await open(tmp.file('summary.sqlite'))
    const created = await archive.runs.create({
      name: 's',
      config: sampleConfig(),
      studyId: null,
      status: 'queued',
      tags: [],
      notes: '',
      device: null,
    })
    const run = await archive.runs.update({ id: created.id, status: 'running', lease: { owner: TEST_OWNER } })
    const empty = await archive.runs.create({
      name: 'e',
      config: sampleConfig(),
      studyId: null,
      status: 'queued',
      tags: [],
      notes: '',
      device: null,
    })
    await archive.metrics.append({
      runId: run.id,
      owner: TEST_OWNER,
      points: [
        { name: 'loss', step: 1, value: 2, wallMs: 1 },
        { name: 'loss', step: 2, value: 0.5, wallMs: 2 },
        { name: 'loss', step: 3, value: 0.9, wallMs: 3 },
        { name: 'accuracy', step: 1, value: 0.2, wallMs: 1 },
        { name: 'accuracy', step: 2, value: 0.7, wallMs: 2 },
        { name: 'accuracy', step: 3, value: 0.6, wallMs: 3 },
      ],
    })
    expect(await archive.metrics.summarize({ metric: 'loss', runIds: [run.id, empty.id] })).toEqual([
      { runId: run.id, final: { step: 3, value: 0.9 }, best: { step: 2, value: 0.5 } },
      { runId: empty.id, final: null, best: null },
    ])
    expect(await archive.metrics.summarize({ metric: 'accuracy' })).toEqual([
      { runId: run.id, final: { step: 3, value: 0.6 }, best: { step: 2, value: 0.7 } },
      { runId: empty.id, final: null, best: null },
    ])
    await archive.close()
  })
})
