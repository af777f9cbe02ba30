import { TEST_OWNER } from '../../helpers/writer'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contract, requestNames, type Envelope } from '../../../shared/contract'
import { openServices, type Services } from '../../../electron/store'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let services: Services

beforeEach(async () => {
  tmp = tempDir()
  services = await openServices({ dbPath: tmp.file('a.sqlite'), host: 'cli', migrationsDir: MIGRATIONS })
})
afterEach(async () => {
  await services.close()
  tmp.cleanup()
})

const expectError = (envelope: Envelope, code: string) => {
  expect(envelope.ok).toBe(false)
  if (envelope.ok) throw new Error('unreachable')
  expect(envelope.error.code).toBe(code)
  return envelope.error
}

const newRun = async () => {
  const envelope = await services.dispatch('createRun', { name: 'r', config: sampleConfig() })
  if (!envelope.ok) throw new Error(envelope.error.message)
  return envelope.value as { id: number }
}
/** A run being trained under TEST_OWNER's lease: the only kind that takes data. */
const trainedRun = async () => {
  const run = await newRun()
  const started = await services.dispatch('updateRun', { id: run.id, status: 'running', lease: { owner: TEST_OWNER } })
  if (!started.ok) throw new Error(started.error.message)
  return run
}

describe('the contract', () => {
  it('has a handler for every request and nothing more', () => {
    expect(Object.keys(services.handlers).sort()).toEqual([...requestNames].sort())
  })

  it('validates every response the handlers give against its schema', async () => {
    const run = await trainedRun()
    await services.dispatch('appendTimestepStats', {
      runId: run.id,
      owner: TEST_OWNER,
      records: [{ step: 0, layer: 0, term: 'x', count: [2, 1], mean: [0.5, 1], var: [0.25, 0] }],
    })
    const requests: Record<string, unknown> = {
      getEnvironment: {},
      revealArchive: {},
      listRuns: {},
      getRun: { id: run.id },
      queryMetrics: { runIds: [run.id] },
      listTimestepSeries: { runId: run.id },
      getTimestepProfile: { runId: run.id, term: 'x' },
      getTimestepGrid: { runId: run.id, term: 'x', field: 'mean' },
      getPopulationStats: { runId: run.id },
      listEvaluations: { runIds: [run.id] },
      listStudies: {},
    }
    for (const [name, payload] of Object.entries(requests)) {
      const envelope = await services.dispatch(name, payload)
      expect(envelope.ok, name).toBe(true)
      if (envelope.ok)
        expect(() => contract[name as keyof typeof contract].response.parse(envelope.value), name).not.toThrow()
    }
  })
})

describe('validation at the boundary', () => {
  it('refuses an unknown request by name', async () => {
    const error = expectError(await services.dispatch('dropTables', {}), 'unknown_request')
    expect(error.message).toBe('Unknown request "dropTables"')
  })

  it('names every bad field of a request and writes nothing', async () => {
    const error = expectError(
      await services.dispatch('createRun', {
        name: '  ',
        config: { task: 'adding', cell: 'transformer', norm: 'ln', batchSize: 0, seed: -1 },
      }),
      'invalid_request',
    )
    expect(error.issues!.map((i) => i.path).sort()).toEqual(['config.batchSize', 'config.cell', 'config.seed', 'name'])
    expect(error.message).toMatch(/^Invalid createRun request: /)
    expect(await services.archive.countRows('runs')).toBe(0)
  })

  it('refuses unknown fields instead of silently dropping them', async () => {
    const error = expectError(await services.dispatch('getRun', { id: 1, evil: true }), 'invalid_request')
    expect(error.message).toMatch(/evil/)
  })

  it('refuses a whole metrics batch when one point is bad', async () => {
    const run = await trainedRun()
    const points = [
      { name: 'loss', step: 0, value: 1, wallMs: 0 },
      { name: 'loss', step: -3, value: 1, wallMs: 0 },
    ]
    const error = expectError(
      await services.dispatch('appendMetrics', { runId: run.id, owner: TEST_OWNER, points }),
      'invalid_request',
    )
    expect(error.issues![0]!.path).toBe('points.1.step')
    expect(await services.archive.countRows('metrics')).toBe(0)
  })

  it('refuses per-timestep records whose arrays disagree in length', async () => {
    const run = await trainedRun()
    const error = expectError(
      await services.dispatch('appendTimestepStats', {
        runId: run.id,
        owner: TEST_OWNER,
        records: [{ step: 0, layer: 0, term: 'h', count: [3, 2, 1], mean: [0, 0], var: [1, 1, 1] }],
      }),
      'invalid_request',
    )
    expect(error.message).toMatch(/records\.0\.mean: has 2 time steps but count has 3/)
    expect(await services.archive.countRows('timestep_stats')).toBe(0)
  })

  it('refuses an update with nothing to update', async () => {
    const run = await newRun()
    expectError(await services.dispatch('updateRun', { id: run.id }), 'invalid_request')
  })

  it('reports a missing run as not_found', async () => {
    const error = expectError(await services.dispatch('getRun', { id: 999 }), 'not_found')
    expect(error.message).toBe('run 999 does not exist')
  })

  it('turns an unexpected failure into an internal error naming the request, and reports it', async () => {
    const reported: unknown[] = []
    const closed = await openServices({
      dbPath: tmp.file('b.sqlite'),
      host: 'cli',
      migrationsDir: MIGRATIONS,
      onInternalError: (e) => reported.push(e),
    })
    await closed.close()
    const error = expectError(await closed.dispatch('listRuns', {}), 'internal')
    expect(error.message).toMatch(/^listRuns failed: .*Database is closed/)
    expect(reported).toHaveLength(1)
  })

  it('announces writes on the event bus', async () => {
    const seen: unknown[] = []
    services.bus.subscribe((name, payload) => seen.push([name, payload]))
    const run = await newRun()
    await services.dispatch('updateRun', { id: run.id, status: 'running', lease: { owner: TEST_OWNER } })
    expect(seen).toEqual([
      ['runsChanged', { runIds: [run.id], change: 'created', status: 'queued' }],
      ['runsChanged', { runIds: [run.id], change: 'updated', status: 'running' }],
    ])
  })
})
