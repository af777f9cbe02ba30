// Writes what a training run reports into the archive through the contract, in the order it was
// reported: the CLI (Node) and the app (the page, training in a worker) use the same recorder.
// Metrics are buffered and written in batches; one recorded step's statistics are one request,
// hence one transaction. The engine already reports in the archive's record shapes.
import type { NormLabApi } from '../contract'
import type { EvaluationResult, TimestepRecord } from '../contract/schemas'
import type { EvalReport, PopulationReport, StepReport, TrainerHooks } from '../engine/trainer'

type MetricPoint = { name: string; step: number; value: number; wallMs: number }

/** The trainer's reporting hooks, each resolving when its write is done. */
export interface RunRecorder extends Required<Pick<TrainerHooks, 'onStep' | 'onTimestepStats' | 'onEval' | 'onPopulation' | 'onLengthEval'>> {
  onStep(report: StepReport): Promise<void>
  onTimestepStats(records: TimestepRecord[]): Promise<void>
  onEval(report: EvalReport): Promise<void>
  onPopulation(report: PopulationReport): Promise<void>
  onLengthEval(results: EvaluationResult[]): Promise<void>
  /** Writes whatever is buffered. */
  flush(): Promise<void>
}

export interface RecorderOptions {
  /** Write buffered metrics at least this often (ms of the run's wall time). */
  flushEveryMs?: number
  /** …or when this many points are waiting. */
  flushEveryPoints?: number
}

/** The metric points of one training step. A diverged step's NaN is not a number to store: the run's status and error say it. */
export function stepMetrics(r: StepReport): MetricPoint[] {
  const values: [string, number][] = [
    ['loss', r.loss],
    ['accuracy', r.accuracy],
    ['grad_norm', r.gradNorm],
    ['lr', r.lr],
    ['step_ms', r.stepMs],
  ]
  return values.filter(([, v]) => Number.isFinite(v)).map(([name, value]) => ({ name, step: r.step, value, wallMs: r.wallMs }))
}

export function createRunRecorder(api: NormLabApi, runId: number, options: RecorderOptions = {}): RunRecorder {
  const flushEveryMs = options.flushEveryMs ?? 2000
  const flushEveryPoints = options.flushEveryPoints ?? 500
  let buffer: MetricPoint[] = []
  let lastFlushWall = 0

  const flush = async () => {
    if (buffer.length === 0) return
    const points = buffer
    buffer = []
    await api.appendMetrics({ runId, points })
  }

  return {
    flush,
    async onStep(r) {
      buffer.push(...stepMetrics(r))
      if (buffer.length >= flushEveryPoints || r.wallMs - lastFlushWall >= flushEveryMs) {
        lastFlushWall = r.wallMs
        await flush()
      }
    },
    async onTimestepStats(records) {
      if (records.length > 0) await api.appendTimestepStats({ runId, records })
    },
    async onEval(r) {
      buffer.push({ name: 'eval/loss', step: r.step, value: r.loss, wallMs: r.wallMs }, { name: 'eval/accuracy', step: r.step, value: r.accuracy, wallMs: r.wallMs })
      await flush()
    },
    async onPopulation(r) {
      if (r.records.length > 0) await api.appendPopulationStats({ runId, step: r.step, records: r.records })
    },
    async onLengthEval(results) {
      if (results.length > 0) await api.appendEvaluations({ runId, results })
    },
  }
}
