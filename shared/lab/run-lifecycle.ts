// A run's lifecycle, owned once for every host: plan → create the study and its runs (queued) →
// start (running, with the device it computes on) → report (recorded in order) → finish as the
// engine says (completed, diverged, interrupted) or fail with the reason. The CLI and the page
// are thin adapters: they supply the transport to the archive (api), where the engine runs
// (TrainingHost: in-process on Node, a Web Worker in the app) and what the user sees (observer).
import type { NormLabApi } from '../contract'
import type { DeviceInfo, EvaluationResult, RunStatus, Study, TimestepRecord } from '../contract/schemas'
import type { TrainConfig } from '../engine/config'
import type { EvalReport, PopulationReport, StepReport, TrainResult } from '../engine/trainer'
import { createRunRecorder } from './run-recorder'
import type { PlannedRun } from './study-plan'

export interface QueuedRun {
  runId: number
  name: string
  config: TrainConfig
  /** The user task's file contents, for hosts that cannot read the file themselves. */
  userData?: string
}

/** Every report of a run, in order; a host awaits each before calling the next. */
export interface RunHooks {
  onStep(report: StepReport): Promise<void>
  onTimestepStats(records: TimestepRecord[]): Promise<void>
  onEval(report: EvalReport): Promise<void>
  onPopulation(report: PopulationReport): Promise<void>
  onLengthEval(results: EvaluationResult[]): Promise<void>
}

/** Where the engine runs. */
export interface TrainingHost {
  /** What the run computes on, stored as its device info. */
  device(): DeviceInfo | null
  /** Trains one run to its end, calling the hooks in report order and awaiting each. */
  train(run: QueuedRun, hooks: RunHooks): Promise<TrainResult>
}

/** What the user sees of a run while it trains (the live view, a progress bar). */
export interface RunObserver {
  onStep?(report: StepReport): void
  onTimestepStats?(records: TimestepRecord[]): void
  onEval?(report: EvalReport): void
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
  study: { name: string; description: string } | null
  tags?: string[]
}

/** Writes the study and its runs as queued; returns them in plan order. */
export async function createStudyRuns(api: NormLabApi, planned: readonly PlannedRun[], meta: StudyMeta, userData?: string): Promise<{ study: Study | null; runs: QueuedRun[] }> {
  const study = meta.study ? await api.createStudy(meta.study) : null
  const runs: QueuedRun[] = []
  for (const p of planned) {
    const run = await api.createRun({ name: p.name, config: p.config, studyId: study?.id ?? null, status: 'queued', tags: meta.tags ?? [] })
    runs.push({ runId: run.id, name: run.name, config: p.config, ...(userData !== undefined ? { userData } : {}) })
  }
  return { study, runs }
}

/**
 * Trains one queued run through the host, recording everything it reports. A run whose reports
 * could not all be written never ends "completed": it ends "failed", with the write's error.
 */
export async function runOne(api: NormLabApi, host: TrainingHost, run: QueuedRun, observer: RunObserver = {}): Promise<RunOutcome> {
  const device = host.device()
  await api.updateRun({ id: run.runId, status: 'running', ...(device ? { device } : {}) })
  const recorder = createRunRecorder(api, run.runId)
  let lostWrite: Error | null = null
  const recording = async (write: () => Promise<void>) => {
    try {
      await write()
    } catch (error) {
      lostWrite ??= error as Error
      throw error
    }
  }
  const hooks: RunHooks = {
    onStep: (r) => {
      observer.onStep?.(r)
      return recording(() => recorder.onStep(r))
    },
    onTimestepStats: (records) => {
      observer.onTimestepStats?.(records)
      return recording(() => recorder.onTimestepStats(records))
    },
    onEval: (r) => {
      observer.onEval?.(r)
      return recording(() => recorder.onEval(r))
    },
    onPopulation: (r) => recording(() => recorder.onPopulation(r)),
    onLengthEval: (results) => recording(() => recorder.onLengthEval(results)),
  }
  const fail = async (message: string, steps: number): Promise<RunOutcome> => {
    await api.updateRun({ id: run.runId, status: 'failed', error: message })
    return { runId: run.runId, status: 'failed', steps, error: message, finalLoss: null }
  }
  let result: TrainResult
  try {
    result = await host.train(run, hooks)
    await recording(() => recorder.flush())
  } catch (error) {
    await recorder.flush().catch(() => undefined)
    const lost = lostWrite as Error | null
    return fail(lost ? `an archive write failed: ${lost.message}` : (error as Error).message || String(error), 0)
  }
  const lost = lostWrite as Error | null
  if (lost) return fail(`an archive write failed: ${lost.message}`, result.steps)
  await api.updateRun({ id: run.runId, status: result.status, error: result.error })
  return { runId: run.runId, status: result.status, steps: result.steps, error: result.error, finalLoss: result.finalLoss }
}

/** Marks runs that will not train (the user stopped the study before they started). */
export async function cancelQueued(api: NormLabApi, runs: readonly QueuedRun[], reason: string): Promise<void> {
  for (const run of runs) await api.updateRun({ id: run.runId, status: 'interrupted', error: reason })
}
