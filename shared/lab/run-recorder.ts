// Turns what a training run reports into archive writes, in the order it was reported: the CLI
// (Node) and the app (the page, training in a worker) use the same recorder. Metrics are buffered
// and written in batches at least once a second (so a crash loses at most about a second of
// them); one recorded step's statistics are one request, hence one transaction. Every write goes
// through the run's write queue: buffered points belong to their write until it commits, so a
// failed write keeps them (write-queue.ts). The engine already reports in the archive's shapes.
import type { NormLabApi } from '../contract'
import type { EvaluationResult, MetricPoint, TimestepRecord } from '../contract/schemas'
import type { EvalReport, PopulationReport, SnapshotReport, StepReport } from '../engine/trainer'
import type { WriteQueue } from './write-queue'
import type { TrainingCheckpoint } from '../contract/checkpoint'

/** Each resolves when its write is done or given up (the queue counts what was lost). */
export interface RunRecorder {
  onStep(report: StepReport): Promise<void>
  onTimestepStats(records: TimestepRecord[]): Promise<void>
  onEval(report: EvalReport): Promise<void>
  onPopulation(report: PopulationReport): Promise<void>
  onSnapshots(report: SnapshotReport): Promise<void>
  onLengthEval(results: EvaluationResult[]): Promise<void>
  /** Written after everything reported before it, so a run resumes from a state whose records are all in the archive. */
  onCheckpoint(checkpoint: TrainingCheckpoint): Promise<void>
  /** Queues whatever is buffered and waits for every queued write. */
  flush(): Promise<void>
}

export interface RecorderOptions {
  /** Write buffered metrics at least this often (ms of the run's wall time). */
  flushEveryMs?: number
  /** …or when this many points are waiting. */
  flushEveryPoints?: number
  /** The trivial loss is in the archive already (a resumed run past its first evaluation). */
  trivialWritten?: boolean
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
  return values
    .filter(([, v]) => Number.isFinite(v))
    .map(([name, value]) => ({ name, step: r.step, value, wallMs: r.wallMs }))
}

/** `owner`: the lease the run is written under (the archive refuses writes from anyone else). */
export function createRunRecorder(
  api: NormLabApi,
  runId: number,
  owner: string,
  queue: WriteQueue,
  options: RecorderOptions = {},
): RunRecorder {
  const flushEveryMs = options.flushEveryMs ?? 1000
  const flushEveryPoints = options.flushEveryPoints ?? 500
  let buffer: MetricPoint[] = []
  let lastFlushWall = 0
  let trivialWritten = options.trivialWritten ?? false

  /** Hands the buffered points to a write of their own. */
  const queueMetrics = (): Promise<void> => {
    if (buffer.length === 0) return Promise.resolve()
    const points = buffer
    buffer = []
    const steps = `${points[0]!.step}–${points[points.length - 1]!.step}`
    return queue.push(`metrics of steps ${steps}`, async () => void (await api.appendMetrics({ runId, owner, points })))
  }

  return {
    async flush() {
      await queueMetrics()
      await queue.drain()
    },
    async onStep(r) {
      buffer.push(...stepMetrics(r))
      if (buffer.length >= flushEveryPoints || r.wallMs - lastFlushWall >= flushEveryMs) {
        lastFlushWall = r.wallMs
        await queueMetrics()
      }
    },
    async onTimestepStats(records) {
      if (records.length === 0) return
      await queue.push(
        `statistics at step ${records[0]!.step}`,
        async () => void (await api.appendTimestepStats({ runId, owner, records })),
      )
    },
    async onEval(r) {
      buffer.push(
        { name: 'eval/loss', step: r.step, value: r.loss, wallMs: r.wallMs },
        { name: 'eval/accuracy', step: r.step, value: r.accuracy, wallMs: r.wallMs },
      )
      // The same every evaluation (one held-out set): written once, at the first.
      if (r.trivialLoss !== undefined && Number.isFinite(r.trivialLoss) && !trivialWritten) {
        trivialWritten = true
        buffer.push({ name: 'eval/trivial_loss', step: r.step, value: r.trivialLoss, wallMs: r.wallMs })
      }
      await queueMetrics()
    },
    async onPopulation(r) {
      if (r.records.length === 0) return
      await queue.push(
        `population statistics at step ${r.step}`,
        async () => void (await api.appendPopulationStats({ runId, owner, step: r.step, records: r.records })),
      )
    },
    async onSnapshots(r) {
      // One write a term: each record is ~350 KB of JSON, and the page sends a request in one
      // task (a step's three in one request took 70–135 ms of the page's main thread on a
      // loaded 2-core machine). Each term's snapshot is whole on its own; the explorable shows
      // the terms a step has.
      await Promise.all(
        r.records.map((record) =>
          queue.push(
            `snapshot of ${record.term} at step ${r.step}`,
            async () => void (await api.appendSnapshots({ runId, owner, step: r.step, records: [record] })),
          ),
        ),
      )
    },
    async onCheckpoint(checkpoint) {
      await queueMetrics()
      await queue.push(
        `checkpoint at step ${checkpoint.step}`,
        async () => void (await api.saveCheckpoint({ runId, owner, checkpoint })),
      )
    },
    async onLengthEval(results) {
      if (results.length === 0) return
      await queue.push(
        `length evaluations at step ${results[0]!.step}`,
        async () => void (await api.appendEvaluations({ runId, owner, results })),
      )
    },
  }
}
