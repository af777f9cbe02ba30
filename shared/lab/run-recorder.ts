// Writes what a training run reports into the archive through the contract: the CLI (Node) and
// the app (renderer, training in a worker) use the same recorder. Metrics are buffered and
// written in batches; one recorded step's statistics are one request, hence one transaction.
import type { NormLabApi, RequestInput } from '../contract'
import type { EvalReport, LengthEvalReport, PopulationReport, StepReport, TimestepStatsReport, TrainerHooks } from '../engine/trainer'

type MetricPoint = { name: string; step: number; value: number; wallMs: number }

/** Statistics as the trainer reports them, or with their matrices packed (see contract/packed.ts). */
type StatsRecords = TimestepStatsReport[] | RequestInput<'appendTimestepStats'>['records']
type Population = PopulationReport | { step: number; records: RequestInput<'appendPopulationStats'>['records'] }

/** The trainer's reporting hooks, each resolving when its write is done. */
export interface RunRecorder extends Pick<TrainerHooks, 'onStep' | 'onTimestepStats' | 'onEval' | 'onPopulation' | 'onLengthEval'> {
  onStep(report: StepReport): Promise<void>
  onTimestepStats(records: StatsRecords): Promise<void>
  onEval(report: EvalReport): Promise<void>
  onPopulation(report: Population): Promise<void>
  onLengthEval(results: LengthEvalReport[]): Promise<void>
  /** Writes whatever is buffered. */
  flush(): Promise<void>
}

export interface RecorderOptions {
  /** Write buffered metrics at least this often (ms of the run's wall time). */
  flushEveryMs?: number
  /** …or when this many points are waiting. */
  flushEveryPoints?: number
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
    async onStep(r: StepReport) {
      const at = (name: string, value: number) => {
        // A diverged step's NaN cannot be stored as a number; the run's status and error say it.
        if (Number.isFinite(value)) buffer.push({ name, step: r.step, value, wallMs: r.wallMs })
      }
      at('loss', r.loss)
      at('accuracy', r.accuracy)
      at('grad_norm', r.gradNorm)
      at('lr', r.lr)
      at('step_ms', r.stepMs)
      if (buffer.length >= flushEveryPoints || r.wallMs - lastFlushWall >= flushEveryMs) {
        lastFlushWall = r.wallMs
        await flush()
      }
    },
    async onTimestepStats(records: StatsRecords) {
      if (records.length > 0) await api.appendTimestepStats({ runId, records })
    },
    async onEval(r: EvalReport) {
      buffer.push({ name: 'eval/loss', step: r.step, value: r.loss, wallMs: 0 }, { name: 'eval/accuracy', step: r.step, value: r.accuracy, wallMs: 0 })
      await flush()
    },
    async onPopulation(r: Population) {
      if (r.records.length > 0) await api.appendPopulationStats({ runId, step: r.step, records: r.records })
    },
    async onLengthEval(results: LengthEvalReport[]) {
      if (results.length > 0) await api.appendEvaluations({ runId, results })
    },
  }
}
