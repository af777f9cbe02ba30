// A run's lifecycle, owned once for every host: plan → create the study and its runs (queued) →
// start (running, with the device it computes on) → report (recorded in order) → finish as the
// engine says (completed, diverged, interrupted) or fail with the reason. The CLI and the page
// are thin adapters: they supply the transport to the archive (api), where the engine runs
// (TrainingHost: in-process on Node, a Web Worker in the app) and what the user sees (observer).
import type { NormLabApi } from '../contract'
import type { DeviceInfoInput, EvaluationResult, RunStatus, Study, TimestepRecord } from '../contract/schemas'
import { TrainConfig } from '../contract/train-config'
import type { TrainingCheckpoint } from '../contract/checkpoint'
import type { EvalReport, PopulationReport, SnapshotReport, StepReport, TrainResult } from '../engine/trainer'
import { createRunRecorder } from './run-recorder'
import type { PlannedRun } from './study-plan'
import { every, sleep } from '../timers'
import { WriteQueue, type FailureDecision, type WriteFailure } from './write-queue'

/** How often a trainer renews its lease on the run it trains (electron/store/run-leases.ts). */
export const HEARTBEAT_EVERY_MS = 5000

export interface QueuedRun {
  runId: number
  name: string
  config: TrainConfig
  /** The user task's file contents, for hosts that cannot read the file themselves. */
  userData?: string
  /** Resume it (an interrupted or left-over queued run): from its last checkpoint, what it recorded after that deleted first. */
  resume?: boolean
}

/** Every report of a run, in order; a host awaits each before calling the next. */
export interface RunHooks {
  onStep(report: StepReport): Promise<void>
  onTimestepStats(records: TimestepRecord[]): Promise<void>
  onEval(report: EvalReport): Promise<void>
  onPopulation(report: PopulationReport): Promise<void>
  onSnapshots(report: SnapshotReport): Promise<void>
  onLengthEval(results: EvaluationResult[]): Promise<void>
  onCheckpoint(checkpoint: TrainingCheckpoint): Promise<void>
}

/** Where the engine runs. */
export interface TrainingHost {
  /** The trainer's id in the run's lease (one per page or CLI process). */
  owner: string
  /** What the run computes on, stored as its device info. */
  device(): DeviceInfoInput | null
  /** Trains one run to its end (from `checkpoint` when given), calling the hooks in report order and awaiting each. */
  train(run: QueuedRun, hooks: RunHooks, checkpoint: TrainingCheckpoint | null): Promise<TrainResult>
  /** Holds training while the archive cannot be written (hosts whose engine does not wait on the hooks). */
  pause?(): void
  resume?(): void
  /** Ends training early: the engine stops at the next step, as "interrupted". */
  stop(): void
}

/** A write that still fails after its retries, with the run and the file it was for. */
export interface BlockedWrite extends WriteFailure {
  runId: number
  runName: string
}

/** What the user sees of a run while it trains (the live view, a progress bar), and who decides when writes fail. */
export interface RunObserver {
  /** The run started (or resumed) under the host's lease: the archive has it "running". */
  onStart?(): void
  onStep?(report: StepReport): void
  onTimestepStats?(records: TimestepRecord[]): void
  onEval?(report: EvalReport): void
  /**
   * A write still fails after automatic retries: training is paused until this answers "retry"
   * (the writes are tried again) or "stop" (training ends; the run ends "failed"). Without it, stop.
   */
  onWriteBlocked?(blocked: BlockedWrite): Promise<FailureDecision>
  onWriteUnblocked?(): void
}

export interface RunOutcome {
  runId: number
  status: RunStatus
  steps: number
  error: string | null
  finalLoss: number | null
}

export interface StudyMeta {
  /** No study: a single run (`lab train`). */
  study: {
    name: string
    description: string
    /** A planned sweep's study, shared by its run archives. */ uuid?: string
  } | null
  tags?: string[]
}

/** Writes the study and its runs as queued; returns them in plan order. */
export async function createStudyRuns(
  api: NormLabApi,
  planned: readonly PlannedRun[],
  meta: StudyMeta,
  userData?: string,
): Promise<{ study: Study | null; runs: QueuedRun[] }> {
  const study = meta.study ? await api.createStudy(meta.study) : null
  return {
    study,
    runs: await addStudyRuns(api, planned, {
      studyId: study?.id ?? null,
      tags: meta.tags ?? [],
      ...(userData !== undefined ? { userData } : {}),
    }),
  }
}

/** Writes runs as queued into a study that exists (or none); returns them in plan order. A settled study's later rounds add theirs this way. */
export async function addStudyRuns(
  api: NormLabApi,
  planned: readonly PlannedRun[],
  into: { studyId: number | null; tags: string[]; userData?: string },
): Promise<QueuedRun[]> {
  const runs: QueuedRun[] = []
  for (const p of planned) {
    const run = await api.createRun({
      name: p.name,
      config: p.config,
      studyId: into.studyId,
      status: 'queued',
      tags: into.tags,
    })
    runs.push({
      runId: run.id,
      name: run.name,
      config: p.config,
      ...(into.userData !== undefined ? { userData: into.userData } : {}),
    })
  }
  return runs
}

/**
 * Trains one queued run through the host, recording everything it reports through one write
 * queue, renewing the run's lease while it trains. A run whose reports could not all be written
 * never ends "completed": it ends "failed", with how many writes were lost and why.
 */
export async function runOne(
  api: NormLabApi,
  host: TrainingHost,
  run: QueuedRun,
  observer: RunObserver = {},
): Promise<RunOutcome> {
  const device = host.device()
  let checkpoint: TrainingCheckpoint | null = null
  try {
    if (run.resume)
      checkpoint = (await api.resumeRun({ id: run.runId, owner: host.owner, ...(device ? { device } : {}) })).checkpoint
    else
      await api.updateRun({
        id: run.runId,
        status: 'running',
        lease: { owner: host.owner },
        ...(device ? { device } : {}),
      })
  } catch (error) {
    // Nothing trained: the run stays as it was ("queued", or "interrupted"), and says why it could not start.
    throw new Error(
      `run ${run.runId} could not ${run.resume ? 'resume' : 'start'}, so nothing was trained and it stays ${run.resume ? 'as it was' : 'queued'}: ${(error as Error).message}`,
      { cause: error },
    )
  }
  observer.onStart?.()
  const stopHeartbeat = every(
    HEARTBEAT_EVERY_MS,
    () => void api.heartbeatRuns({ owner: host.owner, runIds: [run.runId] }).catch(() => undefined),
  )
  const queue = new WriteQueue({
    onBlocked: async (failure) => {
      host.pause?.()
      const decision = observer.onWriteBlocked
        ? await observer.onWriteBlocked({ ...failure, runId: run.runId, runName: run.name })
        : 'stop'
      if (decision === 'stop') host.stop()
      return decision
    },
    onUnblocked: () => {
      observer.onWriteUnblocked?.()
      host.resume?.()
    },
  })
  // The held-out set's trivial loss is written once, at the first evaluation: a resumed run past it has it.
  const evaluated = checkpoint !== null && run.config.evalEvery > 0 && checkpoint.step >= run.config.evalEvery
  const recorder = createRunRecorder(api, run.runId, host.owner, queue, { trivialWritten: evaluated })
  const hooks: RunHooks = {
    onStep: (r) => {
      observer.onStep?.(r)
      return recorder.onStep(r)
    },
    onTimestepStats: (records) => {
      observer.onTimestepStats?.(records)
      return recorder.onTimestepStats(records)
    },
    onEval: (r) => {
      observer.onEval?.(r)
      return recorder.onEval(r)
    },
    onPopulation: (r) => recorder.onPopulation(r),
    onSnapshots: (r) => recorder.onSnapshots(r),
    onLengthEval: (results) => recorder.onLengthEval(results),
    onCheckpoint: (c) => recorder.onCheckpoint(c),
  }
  let result: TrainResult | null = null
  let crash: Error | null = null
  try {
    result = await host.train(run, hooks, checkpoint)
  } catch (error) {
    crash = error instanceof Error ? error : new Error(String(error))
  }
  try {
    await recorder.flush()
  } finally {
    stopHeartbeat()
  }
  const lost =
    queue.lost > 0
      ? `${queue.lost} archive write${queue.lost === 1 ? '' : 's'} failed, so this run is incomplete: ${queue.lostReason!.message}`
      : null
  if (crash || lost || !result) {
    const message = [crash?.message || (crash ? String(crash) : null), lost].filter(Boolean).join('; ')
    await recordEnd(api, run.runId, host.owner, 'failed', message)
    return { runId: run.runId, status: 'failed', steps: result?.steps ?? 0, error: message, finalLoss: null }
  }
  await recordEnd(api, run.runId, host.owner, result.status, result.error)
  return {
    runId: run.runId,
    status: result.status,
    steps: result.steps,
    error: result.error,
    finalLoss: result.finalLoss,
  }
}

/**
 * The archive refused a run's start because it is not this host's to train: another process
 * started it (or it ended meanwhile). Hosts that share a study's runs (sweep --jobs) skip it.
 */
export function takenElsewhere(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  return cause?.code === 'conflict'
}

/** How often, and how far apart, a run's end is tried when the archive refuses it (a full disk may free a page). */
const END_ATTEMPTS = [0, 500, 2000]

/**
 * Writes how a run ended. If the archive still refuses, the run stays "running" under a lease whose
 * process is about to end: whoever opens the archive next marks it "interrupted", with that reason.
 * The error says so, so the host exits non-zero instead of claiming an end it could not record.
 */
async function recordEnd(
  api: NormLabApi,
  runId: number,
  owner: string,
  status: RunStatus,
  error: string | null,
): Promise<void> {
  let last: unknown
  for (const wait of END_ATTEMPTS) {
    if (wait > 0) await sleep(wait)
    try {
      await api.updateRun({ id: runId, owner, status, error })
      return
    } catch (e) {
      last = e
    }
  }
  throw new Error(
    `run ${runId} ended ${status}${error ? ` (${error})` : ''}, but the archive refused to record it (${(last as Error).message}); it will read "interrupted" when the archive is next opened`,
  )
}

/**
 * The runs of a study (or every study) that can go on, in their order: interrupted ones from their
 * last checkpoint, queued ones from the start. Runs on a user's data file take it from `userData`.
 */
export async function resumableRuns(
  api: NormLabApi,
  studyId?: number,
  userData?: string,
): Promise<(QueuedRun & { studyId: number | null; status: 'queued' | 'interrupted'; fromStep: number })[]> {
  const resumable = await api.listResumable(studyId !== undefined ? { studyId } : {})
  const runs = new Map((await api.listRuns(studyId !== undefined ? { filter: { studyId } } : {})).map((r) => [r.id, r]))
  return resumable.flatMap((r) => {
    const run = runs.get(r.runId)
    if (!run) return []
    const config = TrainConfig.safeParse(run.config)
    if (!config.success)
      throw new Error(
        `run ${run.id} (${run.name}) cannot resume: its configuration is not one this NormLab trains (${config.error.issues[0]?.message})`,
      )
    return [
      {
        runId: run.id,
        name: run.name,
        config: config.data,
        resume: true,
        studyId: run.studyId,
        status: r.status,
        fromStep: r.fromStep,
        ...(userData !== undefined ? { userData } : {}),
      },
    ]
  })
}

/** Marks runs that will not train (the user stopped the study before they started). */
export async function cancelQueued(api: NormLabApi, runs: readonly QueuedRun[], reason: string): Promise<void> {
  for (const run of runs) await api.updateRun({ id: run.runId, status: 'interrupted', error: reason })
}
