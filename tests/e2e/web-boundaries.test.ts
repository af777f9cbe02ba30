// Every request of the web API under random bodies (fast-check): each answers 2xx with a value or
// 4xx with an error, never a 5xx; and whatever was accepted leaves the archive holding only what
// the app's own schemas allow (the import check, run over the archive itself). Runs after the
// build: a valid report request draws on the built report page.
import fc from 'fast-check'
import { mkdirSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebServer, type WebServer } from '../../electron/server/http'
import { openServices, type Services } from '../../electron/store'
import { checkImportedFile } from '../../electron/store/archive/import-check'
import { loadMigrations } from '../../electron/store/migrations'
import { SqliteDb } from '../../electron/store/sqlite'
import { createApi, requestNames, type RequestName } from '../../shared/contract'
import { MIGRATIONS, sampleConfig, tempDir } from '../helpers/temp'
import { writeRuns } from '../helpers/synthetic-runs'

const tmp = tempDir('normlab-web-fuzz-')
const db = tmp.file('fuzz.sqlite')
let services: Services
let web: WebServer
let base: string

/** The trainer of run 4, the one run still training: data requests write under its lease. */
const FUZZ_TRAINER = 'fuzz-trainer-0001'

/** Two float32 values, packed: a [2, 1] matrix. */
const ONE_BY_TWO = { rows: 2, columns: 1, base64: Buffer.from(new Float32Array([0.5, 1.5]).buffer).toString('base64') }

/** A valid body for each request: the fuzz mutates it (a key dropped, replaced or added) or sends anything at all. */
const VALID: Record<RequestName, () => Record<string, unknown>> = {
  getEnvironment: () => ({}),
  revealArchive: () => ({}),
  createStudy: () => ({ name: 'study' }),
  listStudies: () => ({}),
  createRun: () => ({ name: 'run', config: sampleConfig() }),
  listRuns: () => ({ filter: { norm: 'ln' } }),
  getRun: () => ({ id: 1 }),
  updateRun: () => ({ id: 1, notes: 'note' }),
  deleteRun: () => ({ id: 3 }),
  heartbeatRuns: () => ({ owner: 'abcdefgh12', runIds: [1] }),
  saveCheckpoint: () => ({
    runId: 4,
    owner: FUZZ_TRAINER,
    checkpoint: {
      version: 1,
      step: 3,
      wallMs: 1,
      firstLoss: null,
      lastLoss: null,
      params: { b: ONE_BY_TWO },
      optimizer: { kind: 'adam', iterations: 3, slots: [], betaPowers: null },
      population: [],
    },
  }),
  listResumable: () => ({}),
  resumeRun: () => ({ id: 2, owner: 'abcdefgh12' }),
  summarizeRuns: () => ({ metric: 'loss' }),
  appendMetrics: () => ({ runId: 4, owner: FUZZ_TRAINER, points: [{ name: 'loss', step: 99, value: 0.5, wallMs: 1 }] }),
  queryMetrics: () => ({ runIds: [1] }),
  appendTimestepStats: () => ({
    runId: 4,
    owner: FUZZ_TRAINER,
    records: [{ step: 99, layer: 0, term: 'h', count: [2, 1], mean: [0, null], var: [1, null] }],
  }),
  listTimestepSeries: () => ({ runId: 1 }),
  listRecordedSteps: () => ({ runId: 1, term: 'h' }),
  getTimestepProfile: () => ({ runId: 1, term: 'h' }),
  getTimestepGrid: () => ({ runId: 1, term: 'h', field: 'mean' }),
  getTimestepRows: () => ({ runId: 1, term: 'h', steps: [1, 10] }),
  appendPopulationStats: () => ({
    runId: 4,
    owner: FUZZ_TRAINER,
    step: 99,
    records: [{ layer: 0, term: 'h', mean: [[0]], var: [[1]], seen: [1] }],
  }),
  getPopulationStats: () => ({ runId: 1 }),
  appendSnapshots: () => ({
    owner: FUZZ_TRAINER,
    runId: 4,
    step: 99,
    records: [
      {
        term: 'h',
        batch: 1,
        timeSteps: 2,
        totalFeatures: 1,
        groups: 1,
        lengths: [1],
        values: ONE_BY_TWO,
        rowMean: ONE_BY_TWO,
        rowVar: ONE_BY_TWO,
      },
    ],
  }),
  getSnapshot: () => ({ runId: 1 }),
  exportReport: () => ({ runIds: [1, 2] }),
  exportArchive: () => ({ runIds: [1] }),
  importArchive: () => ({ fileName: 'x.normlab', base64: Buffer.from('not an archive at all, no').toString('base64') }),
  beginImport: () => ({ fileName: 'x.normlab', bytes: 24 }),
  importChunk: () => ({
    uploadId: '0123456789abcdef0123456789abcdef',
    offset: 0,
    base64: Buffer.from('not an archive at all, n').toString('base64'),
  }),
  finishImport: () => ({ uploadId: '0123456789abcdef0123456789abcdef' }),
  appendEvaluations: () => ({
    runId: 4,
    owner: FUZZ_TRAINER,
    results: [{ step: 99, policy: 'last', length: 20, metric: 'loss', value: 0.3 }],
  }),
  listEvaluations: () => ({ runIds: [1] }),
}

beforeAll(async () => {
  services = await openServices({ dbPath: db, host: 'web', migrationsDir: MIGRATIONS })
  const api = createApi((name, payload) => services.dispatch(name, payload))
  await writeRuns(api, [
    {
      config: { norm: 'bn_step' },
      stats: [{ term: 'h', count: [4, 2], featureMean: [[0], [1]], featureVar: [[1], [1]] }],
    },
    { config: { norm: 'ln' }, loss: 0.2 },
    { config: { norm: 'gn' }, loss: 0.3 },
  ])
  const training = await api.createRun({ name: 'training', config: sampleConfig() })
  await api.updateRun({ id: training.id, status: 'running', lease: { owner: FUZZ_TRAINER } })
  const staticDir = tmp.file('static')
  mkdirSync(staticDir)
  writeFileSync(`${staticDir}/index.html`, '<!doctype html>')
  web = createWebServer({ dispatch: services.dispatch, bus: services.bus, staticDir })
  const url = await web.listen(0)
  base = url.slice(0, url.indexOf('/#'))
}, 60_000)

afterAll(async () => {
  await web?.close()
  await services?.close()
  tmp.cleanup()
})

const json = fc.oneof(
  fc.anything({ maxDepth: 2, maxKeys: 4 }),
  fc.constantFrom(
    null,
    -1,
    0,
    1.5,
    1e9,
    -0,
    'x',
    '',
    [],
    {},
    { __proto__: { polluted: true } },
    Number.MAX_SAFE_INTEGER + 2,
  ),
)

/** A mutation of the valid body: drop a key, set it to anything, or add one. */
function mutated(name: RequestName) {
  const valid = VALID[name]()
  const keys = Object.keys(valid)
  return fc.oneof(
    fc.constant(valid),
    json,
    keys.length === 0
      ? json
      : fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k))),
    keys.length === 0 ? json : fc.tuple(fc.constantFrom(...keys), json).map(([k, v]) => ({ ...valid, [k]: v })),
    fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), json).map(([k, v]) => ({ ...valid, [k]: v })),
  )
}

describe('the web API under random requests', () => {
  it('covers every request of the contract', () => {
    expect(Object.keys(VALID).sort()).toEqual([...requestNames].sort())
  })

  it('answers every request 2xx with a value or 4xx with an error, never 5xx, and stores nothing invalid', async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...requestNames).chain((name) => fc.tuple(fc.constant(name), mutated(name))),
        async ([name, body]) => {
          const res = await fetch(`${base}/api/${name}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${web.token}` },
            body: JSON.stringify(body),
          })
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          const envelope = (await res.json()) as { ok: boolean; error?: { code: string; message: string } }
          expect(res.status, `${name} ${JSON.stringify(body)}: ${JSON.stringify(envelope.error)}`).toBeLessThan(500)
          expect(envelope.ok).toBe(res.status < 300)
        },
      ),
      { numRuns: 400, seed: 20261201 },
    )
    console.log('statuses:', JSON.stringify(Object.fromEntries(statuses)))
    expect([...statuses.keys()].some((s) => s === 200)).toBe(true)
    expect([...statuses.keys()].some((s) => s === 400)).toBe(true)
    await services.close()
    const file = await SqliteDb.open(db, { readonly: true })
    try {
      await checkImportedFile(file, loadMigrations(MIGRATIONS))
    } finally {
      await file.close()
      services = await openServices({ dbPath: db, host: 'web', migrationsDir: MIGRATIONS })
    }
  }, 240_000)
})
