// The page's side of training: a queue of runs, Web Workers that train them through the lab's
// run lifecycle (shared/lab/run-lifecycle.ts) and write their records to the archive themselves,
// and the live state React reads, changed at most a few times a second, so charts never stall the
// page. The page observes: it hears each step, the statistics' summaries, the evaluations, a
// write that keeps failing (the user decides) and how each run ended. One worker chooses and gates
// the backend; where that backend computes on the CPU, spare workers (one per core the user
// allows) train further runs of the queue side by side, each run the run it would be alone.
import type { NormLabApi } from '../../../shared/contract'
import type { DeviceInfoInput, RunStatus } from '../../../shared/contract/schemas'
import type { CaseResult } from '../../../shared/engine/golden-result'
import { resumableRuns, type BlockedWrite, type QueuedRun, type RunOutcome } from '../../../shared/lab/run-lifecycle'
import { settleStudy, type SettleRound, type SettleStop } from '../../../shared/lab/settle/settle-study'
import { judgingOf } from '../../../shared/lab/findings/method/sequential'
import type { StudyDesign } from '../../../shared/contract/schemas'
import type { StudyPlanInput } from '../../../shared/lab/study-plan'
import type { FailureDecision } from '../../../shared/lab/write-queue'
import { numericsFault, rememberCheck, rememberedChecks } from './numerics-cache'
import { rememberedProbes, rememberProbe } from './probe-cache'
import type { BackendChoice, BackendInfo, BackendName, BackendPhase, RunMessage, ToWorker } from './protocol'
import { LiveRuns, type LiveRun, type LiveView } from './live-runs'
import { TrainingWorker, type ArchiveRouteFactory, type WorkerMessage } from './training-worker'

export type { QueuedRun, LiveRun }

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
  /** The run shown in full: the earliest started of those training. */
  live: LiveRun | null
  /** Runs training side by side with it (spare workers), their progress. */
  alongside: LiveRun[]
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

/** Backends that compute on the CPU: there each worker is a core, and runs side by side pay. */
const CPU_BACKENDS: readonly BackendName[] = ['wasm', 'cpu']

/** A spare worker, and whether it started on the backend the first one chose. */
interface Spare {
  worker: TrainingWorker
  ready: Promise<boolean>
}

/** A write that keeps failing, and the worker whose run waits for the user's answer. */
interface BlockedAsk {
  worker: TrainingWorker
  blocked: BlockedWrite
}

export class TrainingController {
  private listeners = new Set<Listener>()
  private state: TrainingState = {
    backend: { state: 'idle' },
    live: null,
    alongside: [],
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
  private readonly primary: TrainingWorker
  private spares: Spare[] = []
  /** Spares closed while training a run (the backend changed): they finish it, hear pause and stop, then go. */
  private retiring = new Set<TrainingWorker>()
  /** Writes that keep failing, oldest first: the page asks about one at a time. */
  private asks: BlockedAsk[] = []
  private draining = false
  private finished: FinishedBatch = { study: null, runs: [] }
  private dirty = false
  private publishTimer: ReturnType<typeof setTimeout> | null = null
  /** The runs training now, in the order they started. */
  private readonly lives = new LiveRuns()
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
    private readonly archiveRoute: ArchiveRouteFactory,
    /** How many runs may train at once (the user's setting), read when a queue starts. */
    private readonly jobs: () => number = () => 1,
    private readonly createWorker: () => Worker = () =>
      new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
  ) {
    this.preferred = preferred
    this.primary = new TrainingWorker(createWorker(), archiveRoute, (message) => this.handle(message))
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
    // Spares run the backend chosen before: they go (one training a run ends it first).
    this.closeSpares()
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
    this.sendAll({ type: 'pause' })
    this.update({ paused: true })
  }

  resume(): void {
    this.sendAll({ type: 'resume' })
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
    // A write the user was asked about ends with the run (the worker answers it "stop").
    this.asks = []
    this.update({ queue: [], paused: false, blocked: null })
    this.sendAll({ type: 'stop' })
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
    const [answered, ...waiting] = this.asks
    this.asks = waiting
    answered?.worker.send({ type: 'writeDecision', decision })
    void this.showAsk()
  }

  runSelfCheck(): void {
    this.ensureBackend()
    this.update({ selfCheck: { running: true, results: [], backend: null } })
    void this.backendSettled.then(() => this.send({ type: 'selfCheck' }))
  }

  dispose(): void {
    this.primary.terminate()
    this.closeSpares()
    for (const worker of this.retiring) worker.terminate()
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
    this.primary.send(message)
  }

  /** Pause, resume and stop reach every worker: runs side by side pause and stop together. */
  private sendAll(message: ToWorker): void {
    for (const worker of [this.primary, ...this.spares.map((s) => s.worker), ...this.retiring]) worker.send(message)
  }

  /** What the run computes on, as its device info records it: the backend the worker reported ready. */
  private device(): DeviceInfoInput | null {
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
  }

  /** The oldest write that keeps failing, shown to the user (its run holds: the engine awaits it). */
  private async showAsk(): Promise<void> {
    const ask = this.asks[0]
    if (!ask) return this.update({ blocked: null })
    const { archivePath } = await this.environment
    if (this.asks[0] === ask) this.update({ blocked: { ...ask.blocked, archivePath } })
  }

  /**
   * Spare workers for runs side by side, started on the backend the first worker chose, where it
   * computes on the CPU; each is gated by the check the first one remembered, so none waits long.
   */
  private spareWorkers(): Spare[] {
    const info = this.state.backend.state === 'ready' ? this.state.backend.info : null
    if (!info || !CPU_BACKENDS.includes(info.backend)) return []
    const wanted = Math.max(0, this.jobs() - 1)
    while (this.spares.length < wanted) this.spares.push(this.startSpare(info.backend))
    return this.spares.slice(0, wanted)
  }

  private startSpare(backend: BackendName): Spare {
    let settle: (ok: boolean) => void = () => {}
    const ready = new Promise<boolean>((resolve) => (settle = resolve))
    const worker = new TrainingWorker(this.createWorker(), this.archiveRoute, (message) => {
      // A spare that ends on another backend (its gate failed there) trains nothing.
      if (message.type === 'backend') settle(message.info.backend === backend)
      else if (message.type === 'backendFailed') settle(false)
    })
    void this.environment.then(({ appVersion }) =>
      worker.send({
        type: 'init',
        preferred: backend,
        appVersion,
        checked: rememberedChecks(),
        probed: rememberedProbes(),
      }),
    )
    if (this.state.paused) worker.send({ type: 'pause' })
    return { worker, ready }
  }

  private closeSpares(): void {
    const spares = this.spares
    this.spares = []
    for (const { worker } of spares)
      if (worker.runId === null) worker.terminate()
      else this.retiring.add(worker)
  }

  /** The next queued run, now shown as training. */
  private takeNext(): QueuedRun | undefined {
    const [next, ...rest] = this.state.queue
    if (!next) return undefined
    this.lives.start(next, performance.now())
    this.update({ queue: rest, ...this.liveView() })
    return next
  }

  /** Trains queued runs on one worker until the queue is empty (or, for a spare, the spare is closed). */
  private async trainFrom(worker: TrainingWorker): Promise<void> {
    const mine = () => worker === this.primary || this.spares.some((s) => s.worker === worker)
    for (let next = mine() ? this.takeNext() : undefined; next; next = mine() ? this.takeNext() : undefined) {
      // The run records the device it computes on: wait until the backend has started.
      await this.backendSettled
      try {
        const outcome = await worker.train(next, { owner: this.owner, device: this.device() }, (message) =>
          this.onRunMessage(worker, message),
        )
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
      if (this.asks.some((a) => a.blocked.runId === next.runId)) {
        this.asks = this.asks.filter((a) => a.blocked.runId !== next.runId)
        void this.showAsk()
      }
      this.lives.end(next.runId)
      // The pause (if any) holds into the next run: the worker keeps it too.
      this.update({ batch: { ...this.state.batch, done: this.state.batch.done + 1 }, ...this.liveView() })
    }
    if (!mine()) {
      worker.terminate()
      this.retiring.delete(worker)
    }
  }

  private async drain(): Promise<void> {
    this.draining = true
    try {
      // The first run shows at once (the live view says what the backend's start-up is doing);
      // spares start once the backend is known, for the runs still queued.
      const primary = this.trainFrom(this.primary)
      await this.backendSettled
      const spares = this.state.queue.length > 0 ? this.spareWorkers() : []
      await Promise.all([
        primary,
        ...spares.map(async (spare) => {
          if (await spare.ready) return this.trainFrom(spare.worker)
          this.spares = this.spares.filter((s) => s !== spare)
          spare.worker.terminate()
        }),
      ])
    } finally {
      this.draining = false
      this.lives.clear()
      const runs = [...this.finished.runs].sort((a, b) => a.runId - b.runId)
      this.update({ ...this.liveView(), finished: { ...this.finished, runs } })
      const waiting = this.drained
      this.drained = []
      for (const resolve of waiting) resolve()
    }
  }

  /** What the first worker says of its backend and the self-check. */
  private handle(message: WorkerMessage): void {
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
          return this.lives.size === 0 ? this.setPreferredBackend(this.preferred) : undefined
        return this.update({ backend: { state: 'ready', info: { ...active, numerics: message.summary } } })
      }
      case 'selfCheckCase':
        return this.update({
          selfCheck: { ...this.state.selfCheck, results: [...this.state.selfCheck.results, message.result] },
        })
      case 'selfCheckDone':
        return this.update({ selfCheck: { ...this.state.selfCheck, running: false, backend: message.backend } })
    }
  }

  /** What a worker says of the run it trains (its end settles the worker's train()). */
  private onRunMessage(worker: TrainingWorker, message: RunMessage): void {
    if (message.type === 'writeBlocked') {
      this.asks.push({ worker, blocked: message.blocked })
      return void this.showAsk()
    }
    if (message.type === 'writeUnblocked') {
      this.asks = this.asks.filter((a) => a.blocked.runId !== message.runId)
      return void this.showAsk()
    }
    if (this.lives.apply(message)) this.publishSoon()
  }

  /** The runs training now as the page shows them. */
  private liveView(): LiveView {
    return this.lives.view()
  }

  /** Coalesces live updates: React sees a new state at most every PUBLISH_EVERY_MS. */
  private publishSoon(): void {
    this.dirty = true
    if (this.publishTimer !== null) return
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null
      if (!this.dirty || this.lives.size === 0) return
      this.dirty = false
      const start = performance.now()
      this.update(this.liveView())
      // React renders the update in a microtask queued before this one: the measure covers it.
      queueMicrotask(() => performance.measure('normlab:publish', { start, end: performance.now() }))
    }, PUBLISH_EVERY_MS)
  }

  private update(patch: Partial<TrainingState>): void {
    this.state = { ...this.state, ...patch }
    for (const listener of this.listeners) listener()
  }
}
