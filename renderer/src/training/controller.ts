// The page's side of training: one worker, a queue of runs, and what the live view shows.
// Reports from the worker go to the archive through the shared run recorder, in order; the
// state that React reads changes at most a few times a second, so charts never stall the page.
import type { NormLabApi } from '../../../shared/contract'
import type { TrainConfig } from '../../../shared/engine/config'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type { TimestepStatsReport } from '../../../shared/engine/trainer'
import { createRunRecorder, type RunRecorder } from '../../../shared/lab/run-recorder'
import type { PackedStats } from './packing'
import { numericsFault, rememberCheck, rememberedChecks } from '../state/numerics-cache'
import type { BackendInfo, BackendName, FromWorker, ToWorker } from './protocol'

export interface QueuedRun {
  runId: number
  name: string
  config: TrainConfig
  userData?: string
}

export interface LiveRun {
  runId: number
  name: string
  cell: TrainConfig['cell']
  totalSteps: number
  step: number
  startedAt: number
  stepsPerSecond: number
  etaMs: number
  loss: { step: number; value: number }[]
  accuracy: { step: number; value: number }[]
  evalLoss: { step: number; value: number }[]
  /** The latest recorded per-timestep statistics, per term (summaries; the live view needs no per-feature vectors). */
  profile: Omit<TimestepStatsReport, 'featureMean' | 'featureVar'>[]
}

export interface TrainingState {
  backend:
    | { state: 'starting'; trying: BackendName | null; phase: 'starting' | 'checking' }
    | { state: 'ready'; info: BackendInfo }
    | { state: 'failed'; reason: string }
  live: LiveRun | null
  queue: QueuedRun[]
  /** Runs of the current batch of work: done so far and in all. */
  batch: { done: number; total: number }
  paused: boolean
  lastError: string | null
  selfCheck: { running: boolean; results: CaseResult[]; backend: BackendName | null }
}

type Listener = () => void

/** How often the visible state may change while training (ms). */
const PUBLISH_EVERY_MS = 250

export class TrainingController {
  private worker: Worker
  private listeners = new Set<Listener>()
  private state: TrainingState = {
    backend: { state: 'starting', trying: null, phase: 'starting' },
    live: null,
    queue: [],
    batch: { done: 0, total: 0 },
    paused: false,
    lastError: null,
    selfCheck: { running: false, results: [], backend: null },
  }
  private recorder: RunRecorder | null = null
  /** Archive writes happen one after another, in the order the worker reported them. */
  private writes: Promise<unknown> = Promise.resolve()
  private dirty = false
  private publishTimer: ReturnType<typeof setTimeout> | null = null
  private live: LiveRun | null = null
  private preferred: BackendName
  /** The app's version: gate results hold for one version (the page learns it from the archive host). */
  private readonly appVersion: Promise<string>

  constructor(
    private readonly api: NormLabApi,
    preferred: BackendName,
    createWorker: () => Worker = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
  ) {
    this.preferred = preferred
    this.worker = createWorker()
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data)
    this.appVersion = api.getEnvironment({}).then(
      (env) => env.appVersion,
      () => 'unknown',
    )
    void this.init()
  }

  private async init(): Promise<void> {
    const fault = numericsFault()
    this.send({ type: 'init', preferred: this.preferred, appVersion: await this.appVersion, checked: rememberedChecks(), ...(fault ? { numericsFault: fault } : {}) })
  }

  getState = (): TrainingState => this.state

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  setPreferredBackend(preferred: BackendName): void {
    this.preferred = preferred
    this.update({ backend: { state: 'starting', trying: null, phase: 'starting' } })
    void this.init()
  }

  /** Adds runs (already created in the archive as "queued") and starts if idle. */
  enqueue(runs: QueuedRun[]): void {
    const idle = this.live === null && this.state.queue.length === 0
    this.update({ queue: [...this.state.queue, ...runs], batch: idle ? { done: 0, total: runs.length } : { ...this.state.batch, total: this.state.batch.total + runs.length } })
    if (this.live === null) void this.startNext()
  }

  pause(): void {
    this.send({ type: 'pause' })
    this.update({ paused: true })
  }

  resume(): void {
    this.send({ type: 'resume' })
    this.update({ paused: false })
  }

  /** Stops the current run (kept, as interrupted) and cancels the runs still queued. */
  stop(): void {
    const cancelled = this.state.queue
    this.update({ queue: [], paused: false })
    this.send({ type: 'stop' })
    for (const run of cancelled) this.write(() => this.api.updateRun({ id: run.runId, status: 'interrupted', error: 'stopped before it started' }))
  }

  runSelfCheck(): void {
    this.update({ selfCheck: { running: true, results: [], backend: null } })
    this.send({ type: 'selfCheck' })
  }

  dispose(): void {
    this.worker.terminate()
    this.listeners.clear()
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message)
  }

  private async startNext(): Promise<void> {
    const [next, ...rest] = this.state.queue
    if (!next) {
      this.live = null
      this.update({ live: null })
      return
    }
    this.update({ queue: rest })
    const backend = this.state.backend.state === 'ready' ? this.state.backend.info : null
    this.recorder = createRunRecorder(this.api, next.runId)
    this.live = { runId: next.runId, name: next.name, cell: next.config.cell, totalSteps: next.config.steps, step: 0, startedAt: performance.now(), stepsPerSecond: 0, etaMs: 0, loss: [], accuracy: [], evalLoss: [], profile: [] }
    this.update({ live: this.live })
    await this.write(() =>
      this.api.updateRun({
        id: next.runId,
        status: 'running',
        ...(backend
          ? { device: { backend: backend.backend, gpuRenderer: backend.gpuRenderer, webglVersion: backend.webglVersion, floatPrecision: backend.float32 === false ? 16 : 32, numerics: backend.numerics } }
          : {}),
      }),
    )
    this.send({ type: 'train', runId: next.runId, config: next.config, ...(next.userData ? { userData: next.userData } : {}) })
  }

  /**
   * Queues an archive write. Each starts in a task of its own (never inside the worker's message
   * handler), so serializing a step's statistics does not add to one long task.
   */
  private write(work: () => Promise<unknown>, label = 'write'): Promise<unknown> {
    this.writes = this.writes
      .then(() => new Promise((resolve) => setTimeout(resolve, 0)))
      .then(() => {
        // The synchronous part (serializing the request) is what could block the page: measure it.
        const start = performance.now()
        const pending = work()
        performance.measure(`normlab:${label}`, { start, end: performance.now() })
        return pending
      })
      .catch((error: unknown) => this.update({ lastError: (error as Error).message }))
    return this.writes
  }

  private receive(message: FromWorker): void {
    const start = performance.now()
    this.handle(message)
    performance.measure(`normlab:message-${message.type}`, { start, end: performance.now() })
  }

  private handle(message: FromWorker): void {
    const live = this.live
    const recorder = this.recorder
    switch (message.type) {
      case 'backendProgress':
        return this.update({ backend: { state: 'starting', trying: message.backend, phase: message.phase } })
      case 'backend':
        return this.update({ backend: { state: 'ready', info: message.info } })
      case 'numerics': {
        rememberCheck(message.summary)
        const active = this.state.backend.state === 'ready' ? this.state.backend.info : null
        if (active?.backend !== message.summary.backend) return
        // A full self-check that failed on the backend in use: choose again, skipping it.
        if (message.summary.failure !== null) return this.live === null ? this.setPreferredBackend(this.preferred) : undefined
        return this.update({ backend: { state: 'ready', info: { ...active, numerics: message.summary } } })
      }
      case 'backendFailed':
        return this.update({ backend: { state: 'failed', reason: message.reason } })
      case 'selfCheckCase':
        return this.update({ selfCheck: { ...this.state.selfCheck, results: [...this.state.selfCheck.results, message.result] } })
      case 'selfCheckDone':
        return this.update({ selfCheck: { ...this.state.selfCheck, running: false, backend: message.backend } })
    }
    if (!live || !recorder || message.runId !== live.runId) return
    switch (message.type) {
      case 'step': {
        const r = message.report
        void this.write(() => recorder.onStep(r), 'write-step')
        live.step = r.step
        if (Number.isFinite(r.loss)) live.loss.push({ step: r.step, value: r.loss })
        live.accuracy.push({ step: r.step, value: r.accuracy })
        const elapsed = r.wallMs / 1000
        live.stepsPerSecond = r.step / Math.max(elapsed, 1e-3)
        live.etaMs = ((live.totalSteps - r.step) / Math.max(live.stepsPerSecond, 1e-9)) * 1000
        return this.publishSoon()
      }
      case 'stats': {
        const records: PackedStats[] = message.records
        void this.write(() => recorder.onTimestepStats(records), 'write-stats')
        live.profile = records.map(({ featureMean: _m, featureVar: _v, ...summary }) => summary)
        return this.publishSoon()
      }
      case 'eval':
        void this.write(() => recorder.onEval(message.report))
        live.evalLoss.push({ step: message.report.step, value: message.report.loss })
        return this.publishSoon()
      case 'population':
        void this.write(() => recorder.onPopulation(message.report), 'write-population')
        return
      case 'lengthEval':
        void this.write(() => recorder.onLengthEval(message.results))
        return
      case 'done':
      case 'failed': {
        const status = message.type === 'done' ? message.result.status : 'failed'
        const error = message.type === 'done' ? message.result.error : message.error
        void this.write(async () => {
          await recorder.flush()
          await this.api.updateRun({ id: live.runId, status, error })
        }).then(() => {
          this.update({ batch: { ...this.state.batch, done: this.state.batch.done + 1 }, paused: false, ...(message.type === 'failed' ? { lastError: error } : {}) })
          void this.startNext()
        })
        return
      }
    }
  }

  /** Coalesces live updates: React sees a new state at most every PUBLISH_EVERY_MS. */
  private publishSoon(): void {
    this.dirty = true
    if (this.publishTimer !== null) return
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null
      if (!this.dirty || !this.live) return
      this.dirty = false
      const start = performance.now()
      this.update({ live: { ...this.live } })
      // React renders the update in a microtask queued before this one: the measure covers it.
      queueMicrotask(() => performance.measure('normlab:publish', { start, end: performance.now() }))
    }, PUBLISH_EVERY_MS)
  }

  private update(patch: Partial<TrainingState>): void {
    this.state = { ...this.state, ...patch }
    for (const listener of this.listeners) listener()
  }
}
