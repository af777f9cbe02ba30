// The lifecycle and recorder every host shares, against a real archive through the contract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices, type Services } from '../../../electron/store'
import { createApi, createPortApi, servePort, type NormLabApi, type PortEnd } from '../../../shared/contract'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { TrainResult } from '../../../shared/engine/trainer'
import { createStudyRuns, runOne, type TrainingHost } from '../../../shared/lab/run-lifecycle'
import { planStudy } from '../../../shared/lab/study-plan'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let services: Services
let api: NormLabApi

beforeEach(async () => {
  tmp = tempDir()
  services = await openServices({ dbPath: tmp.file('lifecycle.sqlite'), host: 'cli', migrationsDir: MIGRATIONS })
  api = createApi((name, payload) => services.dispatch(name, payload))
})
afterEach(async () => {
  await services.close()
  tmp.cleanup()
})

const plan = () =>
  planStudy({
    shared: { task: 'adding', steps: 3 },
    grid: { cells: ['lstm'], norms: ['ln'], batchSizes: [4], batchings: ['mask'], seeds: [1] },
  }).runs

/** A host that reports a scripted run: three steps and one evaluation. */
const scripted = (result: TrainResult, failAt?: string): TrainingHost => ({
  owner: 'test-owner-1',
  stop: () => undefined,
  device: () => ({
    backend: 'test',
    gpuRenderer: null,
    webglVersion: null,
    floatPrecision: 32,
    numerics: null,
    platform: null,
    tfjsVersion: null,
  }),
  async train(_run, hooks) {
    for (let step = 1; step <= 3; step++)
      await hooks.onStep({
        step,
        loss: 1 / step,
        accuracy: 0.5,
        gradNorm: 1,
        lr: 0.01,
        wallMs: 100 * step,
        stepMs: 10,
        counts: [4],
      })
    await hooks.onEval({ step: 3, loss: 0.3, accuracy: 0.6, wallMs: 350 })
    if (failAt) throw new Error(failAt)
    return result
  },
})

describe('the run lifecycle', () => {
  it('creates the study and its queued runs, starts with the device, records every report, ends with the engine’s status', async () => {
    const { study, runs } = await createStudyRuns(api, plan(), { study: { name: 'S', description: 'd' }, tags: ['t'] })
    expect((await api.listStudies({})).find((s) => s.id === study!.id)?.runCount).toBe(1)
    expect((await api.getRun({ id: runs[0]!.runId })).status).toBe('queued')
    const outcome = await runOne(
      api,
      scripted({ status: 'completed', steps: 3, error: null, finalLoss: 1 / 3 }),
      runs[0]!,
    )
    expect(outcome).toMatchObject({ status: 'completed', steps: 3 })
    const run = await api.getRun({ id: runs[0]!.runId })
    expect(run).toMatchObject({ status: 'completed', device: { backend: 'test' }, tags: ['t'] })
    const { series } = await api.queryMetrics({ runIds: [run.id], names: ['loss', 'eval/loss'] })
    expect(series.map((s) => s.steps)).toEqual([[1, 2, 3], [3]])
    // Evaluation points keep the wall time of the step they follow (was stored as 0).
    expect(series[1]!.wallMs).toEqual([350])
  })

  it('a host that throws ends the run "failed" with the reason, keeping what was written', async () => {
    const { runs } = await createStudyRuns(api, plan(), { study: null })
    const outcome = await runOne(
      api,
      scripted({ status: 'completed', steps: 3, error: null, finalLoss: 0 }, 'the worker crashed'),
      runs[0]!,
    )
    expect(outcome).toMatchObject({ status: 'failed', error: 'the worker crashed' })
    const run = await api.getRun({ id: runs[0]!.runId })
    expect(run).toMatchObject({ status: 'failed', error: 'the worker crashed' })
    expect((await api.queryMetrics({ runIds: [run.id], names: ['loss'] })).series[0]!.steps).toEqual([1, 2, 3])
  })

  it('a run whose writes failed never ends "completed"', async () => {
    const { runs } = await createStudyRuns(api, plan(), { study: null })
    // The archive refuses the metrics (a write that fails), then works again for the status.
    const failing: NormLabApi = { ...api, appendMetrics: () => Promise.reject(new Error('database is locked')) }
    const outcome = await runOne(
      failing,
      scripted({ status: 'completed', steps: 3, error: null, finalLoss: 0 }),
      runs[0]!,
    )
    expect(outcome.status).toBe('failed')
    const run = await api.getRun({ id: runs[0]!.runId })
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(/archive write(s)? failed, so this run is incomplete: database is locked/)
  })

  it('records a run over a message port as it does in-process (the app’s worker in Electron writes this way)', async () => {
    const channel = new MessageChannel()
    const end = (port: MessagePort): PortEnd => ({
      post: (message) => port.postMessage(message),
      listen: (receive) => port.on('message', receive),
    })
    servePort(end(channel.port1), services.dispatch)
    const overPort = createPortApi(end(channel.port2))
    try {
      const { runs } = await createStudyRuns(overPort, plan(), { study: { name: 'P', description: '' } })
      const outcome = await runOne(
        overPort,
        scripted({ status: 'completed', steps: 3, error: null, finalLoss: 1 / 3 }),
        runs[0]!,
      )
      expect(outcome).toMatchObject({ status: 'completed', steps: 3 })
      // Read back in-process: the records are in the archive, not just answered.
      const run = await api.getRun({ id: runs[0]!.runId })
      expect(run).toMatchObject({ status: 'completed', device: { backend: 'test' } })
      const { series } = await api.queryMetrics({ runIds: [run.id], names: ['loss', 'eval/loss'] })
      expect(series.map((s) => s.steps)).toEqual([[1, 2, 3], [3]])
      // An error travels back as the archive's own error, code and all.
      await expect(overPort.getRun({ id: 9999 })).rejects.toMatchObject({ code: 'not_found' })
    } finally {
      channel.port1.close()
    }
  })
})
