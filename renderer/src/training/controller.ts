// The page's adapter over the lab's run lifecycle (shared/lab/run-lifecycle.ts): one Web Worker
// is the training host, a queue of runs trains one after another, and the live state React reads
// changes at most a few times a second, so charts never stall the page. Reports from the worker
// reach the lifecycle's hooks in order, each in a task of its own.
import type { NormLabApi } from '../../../shared/contract'
import type { DeviceInfoInput, RunStatus, TimestepRecord } from '../../../shared/contract/schemas'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type { TrainResult } from '../../../shared/engine/trainer'
import type { CellKind } from '../../../shared/kinds'
import {
  resumableRuns,
  runOne,
  type BlockedWrite,
  type QueuedRun,
  type RunHooks,
  type RunObserver,
  type RunOutcome,
  type TrainingHost,
} from '../../../shared/lab/run-lifecycle'
import { settleStudy, type SettleRound, type SettleStop } from '../../../shared/lab/settle/settle-study'
import { judgingOf } from '../../../shared/lab/findings/method/sequential'
import type { StudyDesign } from '../../../shared/contract/schemas'
import type { StudyPlanInput } from '../../../shared/lab/study-plan'
import type { FailureDecision } from '../../../shared/lab/write-queue'
import { numericsFault, rememberCheck, rememberedChecks } from './numerics-cache'
import { rememberedProbes, rememberProbe } from './probe-cache'
import type { BackendChoice, BackendInfo, BackendName, BackendPhase, FromWorker, ToWorker } from './protocol'

export type { QueuedRun }

export interface LiveRun {
  runId: number
  name: string
  cell: CellKind
  /** What it learns: a regression task's "accuracy" is the share of predictions within ±0.04. */
  task: string
  totalSteps: number
  step: number
  startedAt: number
  stepsPerSecond: number
  etaMs: number
  /** A resumed run: the step and wall time it went on from (its rate counts the steps since). */
  fromStep?: number
  fromWallMs?: number
  loss: { step: number; value: number }[]
  accuracy: { step: number; value: number }[]
  evalLoss: { step: number; value: number }[]
  /** The latest recorded per-timestep statistics, per term (summaries; the live view needs no per-feature vectors). */
  profile: Omit<TimestepRecord, 'featureMean' | 'featureVar'>[]
}

/** A study (or batch of runs) that finished training: what the Training page shows afterwards. */
export interface FinishedBatch {
  study: { id: number; name: string } | null
  runs: { runId: number; name: string; status: RunStatus; error: string | null }[]
}

export interface TrainingState {
  backend:
    /** Not started: it starts when training, the self-check or the pages that design runs need it (off the critical path of browsing). */
    | { state: 'idle' }
    | { state: 'starting'; trying: BackendName | null; phase: BackendPhase; index: number; of: number }
    | { state: 'ready'; info: BackendInfo }
    | { state: 'failed'; reason: string }
  live: LiveRun | null
  queue: QueuedRun[]
  /** Runs of the current batch of work: done so far and in all. */
  batch: { done: number; total: number }
  /** The last batch of work that finished, until the next one starts. */
  finished: FinishedBatch | null
  paused: boolean
  /** A write that keeps failing: training is paused until the user chooses retry or stop. */
  blocked: (BlockedWrite & { archivePath: string }) | null
  lastError: string | null
  selfCheck: { running: boolean; results: CaseResult[]; backend: BackendName | null }
  /** A study settled in rounds (shared/lab/settle.ts): its design, the rounds so far and why it stopped. */
  settle: SettleView | null
}

export interface SettleView {
  studyId: number
  design: StudyDesign
  /** Each look's interval level (Pocock's boundary for the design's looks). */
  level: number
  rounds: SettleRound[]
  /** Why it stopped; null while rounds go on. */
  stop: SettleStop | null
}

type Listener = () => void

/** How often the visible state may change while training (ms). */
const PUBLISH_EVERY_MS = 250

/** The run the worker is training, and where its reports go. */
interface ActiveRun {
  runId: number
  hooks: RunHooks
  /** Reports reach the hooks one after another, each in its own task. */
  chain: Promise<void>
  settle: { resolve(result: TrainResult): void; reject(error: Error): void }
}

export class TrainingController {
  private worker: Worker
  private listeners = new Set<Listener>()
  private state: TrainingState = {
    backend: { state: 'idle' },
    live: null,
    queue: [],
    batch: { done: 0, total: 0 },
    finished: null,
    paused: false,
    blocked: null,
    lastError: null,
    selfCheck: { running: false, results: [], backend: null },
    settle: null,
  }
  /** Called when the queue has drained (a settled study's round waits on it). */
  private drained: (() => void)[] = []
  /** Set by stop(): a settled study adds no further round. */
  private stopRequested = false
  private decide: ((decision: FailureDecision) => void) | null = null
  private active: ActiveRun | null = null
  private draining = false
  private finished: FinishedBatch = { study: null, runs: [] }
  private dirty = false
  private publishTimer: ReturnType<typeof setTimeout> | null = null
  private live: LiveRun | null = null
  private preferred: BackendChoice
  /** The app's version (gate results hold for one version) and the archive's path, from the archive host. */
  private readonly environment: Promise<{ appVersion: string; archivePath: string }>
  /** This page's id in the leases of the runs it trains. */
  private readonly owner = crypto.randomUUID().replace(/-/g, '')
  /** Settles when the backend is ready or could not start (a run's device info is read after it). */
  private backendSettled: Promise<void> = Promise.resolve()
  private settleBackend: () => void = () => {}

  constructor(
    private readonly api: NormLabApi,
    preferred: BackendChoice,
    createWorker: () => Worker = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
  ) {
    this.preferred = preferred
    this.worker = createWorker()
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data)
    this.environment = api.getEnvironment({}).then(
      (env) => ({ appVersion: env.appVersion, archivePath: env.archivePath }),
      () => ({ appVersion: 'unknown', archivePath: 'the archive' }),
    )
  }

  /** Starts the compute backend (and its numerics gate, unless remembered) if it has not started. */
  ensureBackend(): void {
    if (this.state.backend.state === 'idle') this.startBackend()
  }

  private startBackend(): void {
    // A newer choice supersedes the one being made (the worker tells nothing more of it): whoever
    // waited on that one waits for this one.
    const earlier = this.settleBackend
    this.backendSettled = new Promise((resolve) => {
      this.settleBackend = () => {
        resolve()
        earlier()
      }
    })
    this.update({ backend: { state: 'starting', trying: null, phase: 'starting', index: 0, of: 1 } })
    void this.init()
  }

  getState = (): TrainingState => this.state

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  setPreferredBackend(preferred: BackendChoice): void {
    this.preferred = preferred
    if (this.state.backend.state !== 'idle') this.startBackend()
  }

  /** Adds runs (already created in the archive as "queued", see createStudyRuns) and starts if idle. */
  enqueue(runs: QueuedRun[], study: { id: number; name: string } | null = null, continueStudy = false): void {
    const idle = !this.draining
    if (idle && !continueStudy) {
      this.finished = { study, runs: [] }
      this.stopRequested = false
      if (this.state.settle?.stop !== null) this.update({ settle: null })
    }
    this.update({
      queue: [...this.state.queue, ...runs],
      finished: idle ? null : this.state.finished,
      batch: idle
        ? { done: 0, total: runs.length }
        : { ...this.state.batch, total: this.state.batch.total + runs.length },
    })
    this.ensureBackend()
    if (idle) void this.drain()
  }

  pause(): void {
    this.send({ type: 'pause' })
    this.update({ paused: true })
  }

  resume(): void {
    this.send({ type: 'resume' })
    this.update({ paused: false })
  }

  /**
   * Trains a study in rounds until its claims are settled (shared/lab/settle.ts): the study is
   * created with its design, each round's runs are queued like any others, and after each round
   * the findings decide whether another follows. The rounds show on the Training page.
   */
  async settle(
    input: StudyPlanInput,
    design: StudyDesign,
    study: { name: string; description: string; tags: string[] },
    userData?: string,
  ): Promise<void> {
    this.stopRequested = false
    const created = await this.api.createStudy({ name: study.name, description: study.description, design })
    const meta = { id: created.id, name: created.name }
    this.finished = { study: meta, runs: [] }
    this.update({
      settle: { studyId: created.id, design, level: judgingOf(design).level, rounds: [], stop: null },
      finished: null,
    })
    let first = true
    try {
      await settleStudy(
        this.api,
        input,
        design,
        { id: created.id, tags: study.tags, ...(userData !== undefined ? { userData } : {}) },
        {
          train: (runs) =>
            new Promise<RunOutcome[]>((resolve) => {
              this.drained.push(() =>
                resolve(
                  this.finished.runs
                    .filter((r) => runs.some((q) => q.runId === r.runId))
                    .map((r) => ({ runId: r.runId, status: r.status, steps: 0, error: r.error, finalLoss: null })),
                ),
              )
              this.enqueue(runs, meta, !first)
              first = false
            }),
          onRound: (round) => {
            const settle = this.state.settle
            if (settle?.studyId === created.id)
              this.update({ settle: { ...settle, rounds: [...settle.rounds, round], stop: round.stop } })
          },
          interrupted: () => this.stopRequested,
          now: () => Date.now(),
          yieldTask: () => new Promise((resolve) => setTimeout(resolve, 0)),
        },
      )
    } catch (error) {
      const settle = this.state.settle
      this.update({
        lastError: (error as Error).message,
        ...(settle?.studyId === created.id ? { settle: { ...settle, stop: 'failedRuns' as const } } : {}),
      })
    }
  }

  /**
   * Goes on with a study's queued and interrupted runs (studyId null: runs of no study), each from
   * its last checkpoint. Runs on a data file cannot resume here (the page never reads a path a run
   * names): they are left as they are and the error says how to resume them.
   */
  async resumeStudy(studyId: number | null, name: string | null): Promise<void> {
    const all = (await resumableRuns(this.api, studyId ?? undefined)).filter(
      (r) => studyId !== null || r.studyId === null,
    )
    const onData = all.filter((r) => r.config.task === 'user' || r.config.dataFile !== undefined)
    const runs = all.filter((r) => !onData.includes(r))
    if (onData.length > 0)
      this.update({
        lastError: `${onData.length} run(s) train on a data file and were left as they are: resume them with npm run lab -- resume --run ID --data FILE`,
      })
    if (runs.length === 0) return
    this.enqueue(runs, studyId !== null ? { id: studyId, name: name ?? `#${studyId}` } : null)
  }

  /** Stops the current run (kept, as interrupted) and cancels the runs still queued. */
  stop(): void {
    this.stopRequested = true
    const cancelled = this.state.queue
    this.update({ queue: [], paused: false })
    this.send({ type: 'stop' })
    for (const run of cancelled) {
      this.finished.runs.push({
        runId: run.runId,
        name: run.name,
        status: 'interrupted',
        error: 'stopped before it started',
      })
      void this.api
        .updateRun({ id: run.runId, status: 'interrupted', error: 'stopped before it started' })
        .catch((e: unknown) => this.update({ lastError: (e as Error).message }))
    }
  }

  /** The user's answer to a blocked write: try the writes again, or stop training (the run ends "failed"). */
  resolveBlocked(decision: FailureDecision): void {
    const decide = this.decide
    this.decide = null
    this.update({ blocked: null })
    decide?.(decision)
  }

  runSelfCheck(): void {
    this.ensureBackend()
    this.update({ selfCheck: { running: true, results: [], backend: null } })
    void this.backendSettled.then(() => this.send({ type: 'selfCheck' }))
  }

  dispose(): void {
    this.worker.terminate()
    this.listeners.clear()
  }

  private async init(): Promise<void> {
    const fault = numericsFault()
    const { appVersion } = await this.environment
    this.send({
      type: 'init',
      preferred: this.preferred,
      appVersion,
      checked: rememberedChecks(),
      probed: rememberedProbes(),
      ...(fault ? { numericsFault: fault } : {}),
    })
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message)
  }

  /** The worker as the lifecycle's training host. */
  private readonly host: TrainingHost = {
    owner: this.owner,
    pause: () => this.send({ type: 'pause' }),
    resume: () => {
      if (!this.state.paused) this.send({ type: 'resume' })
    },
    stop: () => this.send({ type: 'stop' }),
    device: (): DeviceInfoInput | null => {
      const backend = this.state.backend.state === 'ready' ? this.state.backend.info : null
      return backend
        ? {
            backend: backend.backend,
            gpuRenderer: backend.gpuRenderer,
            webglVersion: backend.webglVersion,
            floatPrecision: backend.float32 === false ? 16 : 32,
            numerics: backend.numerics,
            platform: navigator.userAgent,
            tfjsVersion: backend.tfjsVersion,
          }
        : null
    },
    train: (run, hooks, checkpoint) =>
      new Promise<TrainResult>((resolve, reject) => {
        this.active = { runId: run.runId, hooks, chain: Promise.resolve(), settle: { resolve, reject } }
        this.send({
          type: 'train',
          runId: run.runId,
          config: run.config,
          ...(run.userData ? { userData: run.userData } : {}),
          ...(checkpoint ? { checkpoint } : {}),
        })
        if (checkpoint && this.live?.runId === run.runId) {
          this.live.step = checkpoint.step
          this.live.fromStep = checkpoint.step
          this.live.fromWallMs = checkpoint.wallMs
          this.publishSoon()
        }
      }),
  }

  /** What the live view shows of the run in training. */
  private readonly observer: RunObserver = {
    onStep: (r) => {
      const live = this.live
      if (!live) return
      live.step = r.step
      if (Number.isFinite(r.loss)) live.loss.push({ step: r.step, value: r.loss })
      live.accuracy.push({ step: r.step, value: r.accuracy })
      // A resumed run's rate counts only the steps trained since it went on.
      live.stepsPerSecond = (r.step - (live.fromStep ?? 0)) / Math.max((r.wallMs - (live.fromWallMs ?? 0)) / 1000, 1e-3)
      live.etaMs = ((live.totalSteps - r.step) / Math.max(live.stepsPerSecond, 1e-9)) * 1000
      this.publishSoon()
    },
    onTimestepStats: (records) => {
      if (!this.live) return
      this.live.profile = records.map(({ featureMean: _m, featureVar: _v, ...summary }) => summary)
      this.publishSoon()
    },
    onEval: (r) => {
      this.live?.evalLoss.push({ step: r.step, value: r.loss })
      this.publishSoon()
    },
    onWriteBlocked: async (blocked) => {
      const { archivePath } = await this.environment
      return new Promise<FailureDecision>((resolve) => {
        this.decide = resolve
        this.update({ blocked: { ...blocked, archivePath } })
      })
    },
    onWriteUnblocked: () => this.update({ blocked: null }),
  }

  private async drain(): Promise<void> {
    this.draining = true
    try {
      for (let next = this.state.queue[0]; next; next = this.state.queue[0]) {
        this.update({ queue: this.state.queue.slice(1) })
        this.live = {
          runId: next.runId,
          name: next.name,
          cell: next.config.cell,
          task: next.config.task,
          totalSteps: next.config.steps,
          step: 0,
          startedAt: performance.now(),
          stepsPerSecond: 0,
          etaMs: 0,
          loss: [],
          accuracy: [],
          evalLoss: [],
          profile: [],
        }
        this.update({ live: this.live })
        // The run records the device it computes on: wait until the backend has started.
        await this.backendSettled
        try {
          const outcome = await runOne(this.api, this.host, next, this.observer)
          this.finished.runs.push({ runId: next.runId, name: next.name, status: outcome.status, error: outcome.error })
          if (outcome.status === 'failed') this.update({ lastError: outcome.error })
        } catch (error) {
          // The archive refused the run's start or end: say so and go on with the next run.
          this.finished.runs.push({
            runId: next.runId,
            name: next.name,
            status: 'failed',
            error: (error as Error).message,
          })
          this.update({ lastError: (error as Error).message })
        }
        this.active = null
        // The pause (if any) holds into the next run: the worker keeps it too.
        this.update({ batch: { ...this.state.batch, done: this.state.batch.done + 1 } })
      }
    } finally {
      this.draining = false
      this.live = null
      this.update({ live: null, finished: { ...this.finished, runs: [...this.finished.runs] } })
      const waiting = this.drained
      this.drained = []
      for (const resolve of waiting) resolve()
    }
  }

  private receive(message: FromWorker): void {
    const start = performance.now()
    this.handle(message)
    performance.measure(`normlab:message-${message.type}`, { start, end: performance.now() })
  }

  /** Queues a report for the lifecycle's hooks: in order, each in a task of its own, its synchronous part measured. */
  private report(label: string, call: (hooks: RunHooks) => Promise<void>): void {
    const active = this.active
    if (!active) return
    active.chain = active.chain
      .then(() => new Promise((resolve) => setTimeout(resolve, 0)))
      .then(() => {
        const start = performance.now()
        const pending = call(active.hooks)
        performance.measure(`normlab:${label}`, { start, end: performance.now() })
        return pending
      })
      // The lifecycle remembers a failed write and ends the run "failed"; keep the order going.
      .catch((error: unknown) => this.update({ lastError: (error as Error).message }))
  }

  private handle(message: FromWorker): void {
    switch (message.type) {
      case 'backendProgress':
        return this.update({
          backend: {
            state: 'starting',
            trying: message.backend,
            phase: message.phase,
            index: message.index,
            of: message.of,
          },
        })
      case 'backend':
        this.settleBackend()
        return this.update({ backend: { state: 'ready', info: message.info } })
      case 'backendFailed':
        this.settleBackend()
        return this.update({ backend: { state: 'failed', reason: message.reason } })
      case 'probe':
        return rememberProbe(message.probe)
      case 'numerics': {
        rememberCheck(message.summary)
        const active = this.state.backend.state === 'ready' ? this.state.backend.info : null
        if (active?.backend !== message.summary.backend) return
        // A full self-check that failed on the backend in use: choose again, skipping it.
        if (message.summary.failure !== null)
          return this.live === null ? this.setPreferredBackend(this.preferred) : undefined
        return this.update({ backend: { state: 'ready', info: { ...active, numerics: message.summary } } })
      }
      case 'selfCheckCase':
        return this.update({
          selfCheck: { ...this.state.selfCheck, results: [...this.state.selfCheck.results, message.result] },
        })
      case 'selfCheckDone':
        return this.update({ selfCheck: { ...this.state.selfCheck, running: false, backend: message.backend } })
    }
    const active = this.active
    if (!active || message.runId !== active.runId) return
    switch (message.type) {
      case 'step':
        return this.report('write-step', (h) => h.onStep(message.report))
      case 'stats':
        return this.report('write-stats', (h) => h.onTimestepStats(message.records))
      case 'eval':
        return this.report('write-eval', (h) => h.onEval(message.report))
      case 'population':
        return this.report('write-population', (h) => h.onPopulation(message.report))
      case 'snapshots':
        return this.report('write-snapshots', (h) => h.onSnapshots(message.report))
      case 'lengthEval':
        return this.report('write-evaluations', (h) => h.onLengthEval(message.results))
      case 'checkpoint':
        return this.report('write-checkpoint', (h) => h.onCheckpoint(message.checkpoint))
      case 'done':
        void active.chain.then(() => active.settle.resolve(message.result))
        return
      case 'failed':
        void active.chain.then(() => active.settle.reject(new Error(message.error)))
        return
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
