// What the Training page shows of the runs training now: each run's curves, rate and latest
// statistics, built from what its worker says. The runs are kept in the order they started; the
// first is shown in full, the others' progress beside it.
import type { StepReport } from '../../../shared/engine/trainer'
import type { CellKind } from '../../../shared/kinds'
import type { QueuedRun } from '../../../shared/lab/run-lifecycle'
import type { ProfileSummary, RunMessage } from './protocol'

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
  profile: ProfileSummary[]
}

/** The page's view of them: the first started in full, the others beside it (copies React can compare). */
export interface LiveView {
  live: LiveRun | null
  alongside: LiveRun[]
}

export class LiveRuns {
  private runs = new Map<number, LiveRun>()

  get size(): number {
    return this.runs.size
  }

  start(run: QueuedRun, now: number): void {
    this.runs.set(run.runId, {
      runId: run.runId,
      name: run.name,
      cell: run.config.cell,
      task: run.config.task,
      totalSteps: run.config.steps,
      step: 0,
      startedAt: now,
      stepsPerSecond: 0,
      etaMs: 0,
      loss: [],
      accuracy: [],
      evalLoss: [],
      profile: [],
    })
  }

  end(runId: number): void {
    this.runs.delete(runId)
  }

  clear(): void {
    this.runs.clear()
  }

  /** Takes in what a worker said of its run; false when it changes nothing shown. */
  apply(message: RunMessage): boolean {
    const live = this.runs.get(message.runId)
    if (!live) return false
    switch (message.type) {
      case 'resumed':
        Object.assign(live, { step: message.step, fromStep: message.step, fromWallMs: message.wallMs })
        return true
      case 'step':
        stepTaken(live, message.report)
        return true
      case 'stats':
        live.profile = message.profile
        return true
      case 'eval':
        live.evalLoss.push({ step: message.report.step, value: message.report.loss })
        return true
      default:
        return false
    }
  }

  view(): LiveView {
    const [first, ...rest] = [...this.runs.values()]
    return { live: first ? { ...first } : null, alongside: rest.map((r) => ({ ...r })) }
  }
}

function stepTaken(live: LiveRun, r: StepReport): void {
  live.step = r.step
  if (Number.isFinite(r.loss)) live.loss.push({ step: r.step, value: r.loss })
  live.accuracy.push({ step: r.step, value: r.accuracy })
  // A resumed run's rate counts only the steps trained since it went on.
  live.stepsPerSecond = (r.step - (live.fromStep ?? 0)) / Math.max((r.wallMs - (live.fromWallMs ?? 0)) / 1000, 1e-3)
  live.etaMs = ((live.totalSteps - r.step) / Math.max(live.stepsPerSecond, 1e-9)) * 1000
}
