import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices } from '../../../electron/store/services'
import { LEASE_EXPIRES_MS, leftBehind, processAlive } from '../../../electron/store/run-leases'
import { Archive, decimate } from '../../../electron/store'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'
import { TEST_OWNER } from '../../helpers/writer'

let tmp: ReturnType<typeof tempDir>
let archive: Archive

beforeEach(async () => {
  tmp = tempDir()
  archive = await Archive.open(tmp.file('archive.sqlite'), { migrations: MIGRATIONS })
})
afterEach(async () => {
  await archive.close()
  tmp.cleanup()
})

const createRun = (name = 'run', overrides: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  archive.runs.create({
    name,
    config: sampleConfig(overrides),
    studyId: null,
    status: 'queued',
    tags: [],
    notes: '',
    device: null,
    ...extra,
  })
/** A run being trained under TEST_OWNER's lease: the only kind that takes data. */
const dataRun = async (name = 'run', overrides: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
  const run = await createRun(name, overrides, extra)
  return archive.runs.update({ id: run.id, status: 'running', lease: { owner: TEST_OWNER } })
}

describe('runs', () => {
  it('creates a run with its filter fields, config hash and tags, and reads it back', async () => {
    const run = await createRun('BN LSTM', {}, { tags: ['demo', 'bn', 'demo'], notes: 'first' })
    expect(run).toMatchObject({
      name: 'BN LSTM',
      status: 'queued',
      task: 'adding',
      cell: 'lstm',
      norm: 'bn_step',
      batchSize: 8,
      seed: 1,
      notes: 'first',
      starred: false,
    })
    expect(run.tags).toEqual(['bn', 'demo'])
    expect(run.config).toEqual(sampleConfig())
    expect(run.configHash).toMatch(/^[0-9a-f]{16}$/)
    expect(await archive.runs.get(run.id)).toEqual(run)
  })

  it('gives equal configs the same hash whatever their key order, and different configs different hashes', async () => {
    const a = await createRun('a', { hidden: 32, seed: 1 })
    // The same settings with their keys in reverse order.
    const reversed = Object.fromEntries(Object.entries(sampleConfig({ hidden: 32, seed: 1 })).reverse()) as ReturnType<
      typeof sampleConfig
    >
    const b = await archive.runs.create({
      name: 'b',
      config: reversed,
      studyId: null,
      status: 'queued',
      tags: [],
      notes: '',
      device: null,
    })
    const c = await createRun('c', { hidden: 64 })
    expect(a.configHash).toBe(b.configHash)
    expect(c.configHash).not.toBe(a.configHash)
  })

  it('stamps start and end times as the status moves, and stores device info', async () => {
    const run = await createRun()
    expect(run.startedAt).toBeNull()
    const running = await archive.runs.update({
      id: run.id,
      status: 'running',
      lease: { owner: TEST_OWNER },
      device: {
        backend: 'webgl',
        gpuRenderer: 'SwiftShader',
        webglVersion: 2,
        floatPrecision: 32,
        numerics: null,
        platform: null,
        tfjsVersion: null,
      },
    })
    expect(running.startedAt).not.toBeNull()
    expect(running.endedAt).toBeNull()
    expect(running.device).toEqual({
      backend: 'webgl',
      gpuRenderer: 'SwiftShader',
      webglVersion: 2,
      floatPrecision: 32,
      numerics: null,
      platform: null,
      tfjsVersion: null,
    })
    const done = await archive.runs.update({
      id: run.id,
      owner: TEST_OWNER,
      status: 'diverged',
      error: 'loss became NaN at step 12',
    })
    expect(done.status).toBe('diverged')
    expect(done.endedAt).not.toBeNull()
    expect(done.error).toBe('loss became NaN at step 12')
  })

  it('updates name, tags, notes and star', async () => {
    const run = await createRun('old', {}, { tags: ['x'] })
    const updated = await archive.runs.update({ id: run.id, name: 'new', tags: ['y', 'z'], notes: 'n', starred: true })
    expect(updated).toMatchObject({ name: 'new', tags: ['y', 'z'], notes: 'n', starred: true })
  })

  it('filters by fields, tag, status, star and text', async () => {
    const bn = await createRun('bn small batch', { norm: 'bn_step', batchSize: 2 }, { tags: ['sweep'] })
    const ln = await createRun('ln run', { norm: 'ln', batchSize: 64 }, { notes: 'layer norm is batch independent' })
    await archive.runs.update({ id: ln.id, starred: true, status: 'running', lease: { owner: TEST_OWNER } })
    const ids = async (filter: Record<string, unknown>) => (await archive.runs.list({ filter })).map((r) => r.id)
    expect(await ids({})).toEqual([ln.id, bn.id])
    expect(await ids({ norm: 'ln' })).toEqual([ln.id])
    expect(await ids({ batchSize: 2 })).toEqual([bn.id])
    expect(await ids({ tag: 'sweep' })).toEqual([bn.id])
    expect(await ids({ status: 'running' })).toEqual([ln.id])
    expect(await ids({ starred: true })).toEqual([ln.id])
    expect(await ids({ text: 'independent' })).toEqual([ln.id])
    expect(await ids({ text: 'swe' })).toEqual([bn.id])
    expect(await ids({ text: '100%' })).toEqual([])
  })

  it('refuses a run in a study that does not exist, and counts runs per study', async () => {
    await expect(createRun('x', {}, { studyId: 99 })).rejects.toThrow('study 99 does not exist')
    const study = await archive.studies.create({ name: 'BN vs LN', description: '', design: null })
    await createRun('a', {}, { studyId: study.id })
    await createRun('b', {}, { studyId: study.id })
    expect((await archive.studies.list())[0]).toMatchObject({ name: 'BN vs LN', runCount: 2 })
  })

  it('deleting a run deletes all of its data and nothing of other runs', async () => {
    const doomed = await dataRun('doomed', {}, { tags: ['t'] })
    const kept = await dataRun('kept')
    for (const run of [doomed, kept]) {
      await archive.metrics.append({
        owner: TEST_OWNER,
        runId: run.id,
        points: [{ name: 'loss', step: 0, value: 1, wallMs: 0 }],
      })
      await archive.timesteps.append({ owner: TEST_OWNER, runId: run.id, records: [record(0, 'x', 3, 2)] })
      await archive.population.append({
        owner: TEST_OWNER,
        runId: run.id,
        step: 0,
        records: [{ layer: 0, term: 'x', mean: [[0, 0]], var: [[1, 1]], seen: [1] }],
      })
      await archive.evaluations.append({
        owner: TEST_OWNER,
        runId: run.id,
        results: [{ step: 0, policy: 'last', length: 10, metric: 'loss', value: 1 }],
      })
    }
    // A run being trained is not deleted under its trainer: it ends first.
    await expect(archive.runs.delete(doomed.id)).rejects.toThrow(/is being trained .* stop it first/)
    await archive.runs.update({ id: doomed.id, owner: TEST_OWNER, status: 'interrupted' })
    expect(await archive.runs.delete(doomed.id)).toEqual({ deleted: true })
    expect(await archive.runs.delete(doomed.id)).toEqual({ deleted: false })
    for (const table of [
      'runs',
      'metrics',
      'timestep_stats',
      'timestep_features',
      'population_stats',
      'evaluations',
    ] as const) {
      expect(await archive.countRows(table), table).toBe(1)
    }
    expect(await archive.countRows('run_tags')).toBe(0)
  })
})

describe('metrics', () => {
  it('appends a large batch and queries several runs by name, in step order', async () => {
    const a = await dataRun('a')
    const b = await dataRun('b')
    const points = Array.from({ length: 2500 }, (_, i) => ({
      name: 'loss',
      step: 2499 - i,
      value: 1 / (1 + i),
      wallMs: i * 10,
    }))
    expect(await archive.metrics.append({ owner: TEST_OWNER, runId: a.id, points })).toEqual({ written: 2500 })
    await archive.metrics.append({
      owner: TEST_OWNER,
      runId: b.id,
      points: [
        { name: 'loss', step: 0, value: 3, wallMs: 0 },
        { name: 'accuracy', step: 0, value: 0.5, wallMs: 0 },
      ],
    })
    const { series } = await archive.metrics.query({ runIds: [a.id, b.id], names: ['loss'] })
    expect(series.map((s) => [s.runId, s.name, s.steps.length])).toEqual([
      [a.id, 'loss', 2500],
      [b.id, 'loss', 1],
    ])
    expect(series[0]!.steps.slice(0, 3)).toEqual([0, 1, 2])
    expect(series[0]!.values[0]).toBeCloseTo(1 / 2500)
    const all = await archive.metrics.query({ runIds: [b.id] })
    expect(all.series.map((s) => s.name)).toEqual(['accuracy', 'loss'])
  })

  it('writes a batch in one transaction: a row that fails in the middle leaves nothing behind', async () => {
    const run = await dataRun()
    const points: { name: string; step: number; value: number | null; wallMs: number }[] = Array.from(
      { length: 1500 },
      (_, i) => ({ name: 'loss', step: i, value: i, wallMs: 0 }),
    )
    points.push({ name: 'loss', step: 1500, value: null, wallMs: 0 }) // NOT NULL fails in the second statement
    await expect(archive.metrics.append({ runId: run.id, owner: TEST_OWNER, points } as never)).rejects.toThrow(
      /NOT NULL/,
    )
    expect(await archive.countRows('metrics')).toBe(0)
  })

  it('refuses metrics for a run that does not exist', async () => {
    await expect(
      archive.metrics.append({
        owner: TEST_OWNER,
        runId: 42,
        points: [{ name: 'loss', step: 0, value: 1, wallMs: 0 }],
      }),
    ).rejects.toThrow('run 42 does not exist')
    await expect(archive.metrics.query({ runIds: [42] })).rejects.toThrow('run 42 does not exist')
  })
})

function record(step: number, term: 'x' | 'h' | 'c', T: number, C: number, countAt = (t: number) => 8 - t) {
  const count = Array.from({ length: T }, (_, t) => Math.max(0, countAt(t)))
  // Feature c at time step t has mean step + t + c/10; the summary is their average over features.
  const width = Math.max(C, 1)
  const featureMean = count.map((n, t) => Array.from({ length: C }, (_, c) => (n === 0 ? null : step + t + c / 10)))
  const featureVar = count.map((n, t) => Array.from({ length: C }, () => (n === 0 ? null : n <= 1 ? 0 : 1 + t)))
  const mean = count.map((n, t) => (n === 0 ? null : step + t + (width - 1) / 20))
  const variance = count.map((n, t) => (n === 0 ? null : n <= 1 ? 0 : 1 + t))
  return { step, layer: 0, term, count, mean, var: variance, featureMean, featureVar }
}

describe('per-timestep statistics', () => {
  it('stores a recorded step compactly and returns the profile with counts, summaries and per-feature vectors', async () => {
    const run = await dataRun()
    const rec = record(10, 'h', 10, 4)
    await archive.timesteps.append({ owner: TEST_OWNER, runId: run.id, records: [rec] })
    const profile = await archive.timesteps.profile({ runId: run.id, layer: 0, term: 'h' })
    expect(profile.step).toBe(10)
    expect(profile.count).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0, 0])
    expect(profile.mean[8]).toBeNull() // no valid sample: no statistic
    expect(profile.var[7]).toBe(0) // one valid sample: variance 0
    expect(profile.featureMean).toHaveLength(10)
    expect(profile.featureMean![2]![3]).toBeCloseTo(10 + 2 + 0.3, 5)
    expect(await archive.countRows('timestep_stats')).toBe(1)
  })

  it('finds the recorded step at or before the asked one, and says clearly when there is none', async () => {
    const run = await dataRun()
    await archive.timesteps.append({
      owner: TEST_OWNER,
      runId: run.id,
      records: [record(0, 'x', 5, 2), record(50, 'x', 5, 2), record(100, 'x', 5, 2)],
    })
    expect((await archive.timesteps.profile({ runId: run.id, layer: 0, term: 'x', step: 75 })).step).toBe(50)
    expect((await archive.timesteps.profile({ runId: run.id, layer: 0, term: 'x' })).step).toBe(100)
    await expect(archive.timesteps.profile({ runId: run.id, layer: 0, term: 'c' })).rejects.toThrow(
      /per-timestep statistics of run \d+, layer 0, term c/,
    )
  })

  it('re-recording a step replaces it instead of duplicating it', async () => {
    const run = await dataRun()
    await archive.timesteps.append({ owner: TEST_OWNER, runId: run.id, records: [record(5, 'x', 4, 2)] })
    await archive.timesteps.append({
      owner: TEST_OWNER,
      runId: run.id,
      records: [{ ...record(5, 'x', 4, 2), count: [1, 1, 1, 1] }],
    })
    expect(await archive.countRows('timestep_stats')).toBe(1)
    expect(await archive.countRows('timestep_features')).toBe(1)
    expect((await archive.timesteps.profile({ runId: run.id, layer: 0, term: 'x' })).count).toEqual([1, 1, 1, 1])
  })

  it('builds a step × time-step grid, decimated to maxRows, with the first and last step kept', async () => {
    const run = await dataRun()
    const records = Array.from({ length: 300 }, (_, i) => record(i * 10, 'x', 6, 0))
    await archive.timesteps.append({
      owner: TEST_OWNER,
      runId: run.id,
      records: records.map(({ featureMean: _m, featureVar: _v, ...rest }) => rest),
    })
    const grid = await archive.timesteps.grid({ runId: run.id, layer: 0, term: 'x', field: 'count', maxRows: 100 })
    expect(grid.totalSteps).toBe(300)
    expect(grid.steps).toHaveLength(100)
    expect(grid.steps[0]).toBe(0)
    expect(grid.steps[99]).toBe(2990)
    expect(grid.timeSteps).toBe(6)
    expect(grid.values[0]).toEqual([8, 7, 6, 5, 4, 3])
    const means = await archive.timesteps.grid({ runId: run.id, layer: 0, term: 'x', field: 'mean', maxRows: 2000 })
    expect(means.values).toHaveLength(300)
    expect(means.values[1]![2]).toBeCloseTo(10 + 2, 5)
  })

  it('lists the recorded series of a run', async () => {
    const run = await dataRun()
    await archive.timesteps.append({
      owner: TEST_OWNER,
      runId: run.id,
      records: [record(0, 'h', 5, 3), record(0, 'x', 5, 3), record(10, 'x', 5, 3), record(0, 'c', 5, 2)],
    })
    expect(await archive.timesteps.listSeries(run.id)).toEqual([
      { layer: 0, term: 'x', timeSteps: 5, features: 3, recordedSteps: 2, firstStep: 0, lastStep: 10 },
      { layer: 0, term: 'h', timeSteps: 5, features: 3, recordedSteps: 1, firstStep: 0, lastStep: 0 },
      { layer: 0, term: 'c', timeSteps: 5, features: 2, recordedSteps: 1, firstStep: 0, lastStep: 0 },
    ])
    // What a step slider needs, without reading a grid: the recorded steps alone.
    expect(await archive.timesteps.recordedSteps({ runId: run.id, layer: 0, term: 'x' })).toEqual({ steps: [0, 10] })
    expect(await archive.timesteps.recordedSteps({ runId: run.id, layer: 0, term: 'c' })).toEqual({ steps: [0] })
    await expect(archive.timesteps.recordedSteps({ runId: 999, layer: 0, term: 'x' })).rejects.toThrow(/run 999/)
  })
})

describe('population statistics and evaluations', () => {
  it('returns the latest snapshot, or the one at or before a step, with per-step update counts', async () => {
    const run = await dataRun()
    expect(await archive.population.get({ runId: run.id })).toBeNull()
    const snap = (k: number) => [
      {
        layer: 0,
        term: 'x' as const,
        mean: [
          [k, k],
          [k, k],
        ],
        var: [
          [1, 1],
          [1, 1],
        ],
        seen: [k, k - 1],
      },
      { layer: 0, term: 'c' as const, mean: [[k], [k]], var: [[2], [2]], seen: [k, 0] },
    ]
    await archive.population.append({ owner: TEST_OWNER, runId: run.id, step: 10, records: snap(10) })
    await archive.population.append({ owner: TEST_OWNER, runId: run.id, step: 20, records: snap(20) })
    const latest = await archive.population.get({ runId: run.id })
    expect(latest!.step).toBe(20)
    expect(latest!.records.map((r) => r.term)).toEqual(['x', 'c'])
    expect(latest!.records[0]!.seen).toEqual([20, 19])
    expect(latest!.records[1]!.mean).toEqual([[20], [20]])
    expect((await archive.population.get({ runId: run.id, step: 15 }))!.step).toBe(10)
  })

  it('stores evaluation results per policy and length', async () => {
    const a = await dataRun('a')
    const b = await dataRun('b')
    await archive.evaluations.append({
      owner: TEST_OWNER,
      runId: a.id,
      results: [
        { step: 100, policy: 'last', length: 50, metric: 'mse', value: 0.1 },
        { step: 100, policy: 'last', length: 200, metric: 'mse', value: 0.9 },
        { step: 100, policy: 'batch', length: 200, metric: 'mse', value: 0.4 },
      ],
    })
    await archive.evaluations.append({
      owner: TEST_OWNER,
      runId: b.id,
      results: [{ step: 100, policy: 'none', length: 200, metric: 'mse', value: 0.2 }],
    })
    const rows = await archive.evaluations.list({ runIds: [a.id, b.id] })
    expect(rows).toHaveLength(4)
    expect(rows.find((r) => r.runId === a.id && r.policy === 'batch')).toMatchObject({ length: 200, value: 0.4 })
  })
})

describe('run leases: who trains a running run', () => {
  it('opening an archive leaves other processes’ live runs running and ends only the left-behind ones', async () => {
    const path = tmp.file('shared.sqlite')
    const first = await Archive.open(path, { migrations: MIGRATIONS })
    const create = async (name: string) =>
      (
        await first.runs.create({
          name,
          config: sampleConfig(),
          studyId: null,
          status: 'queued',
          tags: [],
          notes: '',
          device: null,
        })
      ).id
    const live = await create('live, heartbeating')
    const crashed = await first.runs.create({
      name: 'crashed (no lease)',
      config: sampleConfig(),
      studyId: null,
      status: 'running',
      tags: [],
      notes: '',
      device: null,
    })
    const done = await create('done')
    await first.runs.update({ id: live, status: 'running', lease: { owner: 'cli-process-1' } })
    await first.runs.update({ id: done, status: 'running', lease: { owner: 'cli-process-2' } })
    await first.runs.update({ id: done, owner: 'cli-process-2', status: 'completed' })
    await first.close()

    // Another process (web mode) opens the same archive while the CLI trains `live`.
    const app = await openServices({ dbPath: path, host: 'web', migrationsDir: MIGRATIONS })
    const liveRun = await app.archive.runs.get(live)
    expect(liveRun.status).toBe('running')
    expect(liveRun.lease).toMatchObject({ owner: 'cli-process-1', pid: process.pid })
    const left = await app.archive.runs.get(crashed.id)
    expect(left.status).toBe('interrupted')
    expect(left.error).toMatch(/no process was training it/)
    expect(left.lease).toBeNull()
    expect((await app.archive.runs.get(done)).status).toBe('completed')
    expect(await app.archive.runs.heartbeat('cli-process-1', [live])).toEqual([live])
    expect(await app.archive.runs.heartbeat('someone-else', [live])).toEqual([])
    await app.close()
  })

  it('judges a lease: a dead process on this host, or no heartbeat for the expiry, means left behind', () => {
    const now = 1_000_000
    const lease = { owner: 'o', host: 'here', pid: 42, heartbeatAt: now - 1000 }
    const alive = { now, host: 'here', alive: () => true }
    expect(leftBehind({ lease }, alive)).toBeNull()
    expect(leftBehind({ lease }, { ...alive, alive: (pid) => pid !== 42 })).toMatch(/its process \(pid 42\) ended/)
    expect(leftBehind({ lease: { ...lease, host: 'elsewhere' } }, { ...alive, alive: () => false })).toBeNull() // another host's pid says nothing here
    expect(leftBehind({ lease: { ...lease, heartbeatAt: now - LEASE_EXPIRES_MS - 1 } }, alive)).toMatch(
      /no heartbeat from its trainer \(pid 42 on here\) for 3\d s/,
    )
    expect(leftBehind({ lease: null }, alive)).toMatch(/no process/)
    expect(processAlive(process.pid)).toBe(true)
  })

  it('a finished run gives its lease up', async () => {
    const run = await archive.runs.create({
      name: 'r',
      config: sampleConfig(),
      studyId: null,
      status: 'queued',
      tags: [],
      notes: '',
      device: null,
    })
    expect(
      (await archive.runs.update({ id: run.id, status: 'running', lease: { owner: 'page-abcdefgh' } })).lease?.owner,
    ).toBe('page-abcdefgh')
    expect((await archive.runs.update({ id: run.id, owner: 'page-abcdefgh', status: 'completed' })).lease).toBeNull()
  })
})

describe('decimate', () => {
  it('keeps everything when small, else evenly spaced rows with both ends', () => {
    expect(decimate([1, 2, 3], 5)).toEqual([1, 2, 3])
    expect(decimate([0, 1, 2, 3, 4, 5, 6, 7, 8], 3)).toEqual([0, 4, 8])
    expect(decimate([1, 2, 3], 1)).toEqual([3])
  })
})

describe('packed matrices', () => {
  it('stores packed per-feature vectors and population statistics exactly like nested ones', async () => {
    const { packMatrix } = await import('../../../shared/contract')
    const run = await dataRun()
    const nested = record(7, 'h', 4, 3)
    await archive.timesteps.append({
      owner: TEST_OWNER,
      runId: run.id,
      records: [{ ...nested, featureMean: packMatrix(nested.featureMean), featureVar: packMatrix(nested.featureVar) }],
    })
    const profile = await archive.timesteps.profile({ runId: run.id, layer: 0, term: 'h' })
    expect(
      profile.featureMean!.map((row) => row.map((v) => (v === null ? null : Math.round(v * 1000) / 1000))),
    ).toEqual(nested.featureMean.map((row) => row.map((v) => (v === null ? null : Math.round(v * 1000) / 1000))))
    await archive.population.append({
      owner: TEST_OWNER,
      runId: run.id,
      step: 7,
      records: [
        {
          layer: 0,
          term: 'h',
          mean: packMatrix([
            [1, 2],
            [3, 4],
          ]),
          var: packMatrix([
            [5, 6],
            [7, 8],
          ]),
          seen: [7, 2],
        },
      ],
    })
    expect((await archive.population.get({ runId: run.id }))!.records[0]).toEqual({
      layer: 0,
      term: 'h',
      mean: [
        [1, 2],
        [3, 4],
      ],
      var: [
        [5, 6],
        [7, 8],
      ],
      seen: [7, 2],
    })
  })
})
