// The training loop: backend-agnostic, no DOM, reports through hooks. One asynchronous readback
// per step (loss, accuracy, gradient norm and, on recording steps, every per-time-step
// statistic, concatenated), so the loop never blocks on the device more than once a step.
import { trivialLoss } from './data/trivial-loss'
import { normCount as normCountOf, normDefinition } from '../kinds'
import { createBatcher, evalBatches } from './batcher'
import type { Batch } from './data/batch'
import type { Task } from './data/task'
import { featureSteps, snapshotSteps, type TrainConfig } from '../contract/train-config'
import { initParams } from './init'
import { stepInputs } from './model'
import { RecurrentNet, disposeStep, type StepTensors } from './network'
import { PopulationError } from './core/population'
import { Rng } from './core/rng'
import { recordedTerms, type ModelSpec, type Policy, type TermName } from './core/spec'
import { tf } from './core/tf'
import { FusedAdamOptimizer, hasFusedAdam } from './fused-adam'
import { packFloat32 } from '../contract/packed'
import type { EvaluationResult, PopulationRecord, SnapshotRecord, TimestepRecord } from '../contract/schemas'
import { readSnapshot } from './snapshot'
import { readFloatsOnce } from './readback'
import type { TrainingCheckpoint } from '../contract/checkpoint'
import { captureCheckpoint, checkpointParams, restoreCheckpoint } from './checkpoint'

export interface StepReport {
  step: number
  loss: number
  accuracy: number
  gradNorm: number
  lr: number
  /** Milliseconds since training started. */
  wallMs: number
  /** This step's duration, readback included. */
  stepMs: number
  /** Valid samples per time step in this batch. */
  counts: number[]
}

export interface EvalReport {
  step: number
  loss: number
  accuracy: number
  /** The held-out loss of the best constant prediction (data/trivial-loss.ts): what "learned nothing" scores. */
  trivialLoss?: number
  /** Milliseconds since training started, as for the step it follows. */
  wallMs: number
}

/** Population statistics after a step, in the archive's record shape (matrices packed). */
export interface PopulationReport {
  step: number
  records: PopulationRecord[]
}

export interface TrainerHooks {
  onStep?(report: StepReport): void | Promise<void>
  /** One recorded step: a record per term, in the archive's shape (per-feature matrices packed). */
  onTimestepStats?(records: TimestepRecord[]): void | Promise<void>
  /** A snapshot step (a recorded step, config.snapshots): one batch's pre-normalization values per term. */
  onSnapshots?(report: SnapshotReport): void | Promise<void>
  onEval?(report: EvalReport): void | Promise<void>
  onPopulation?(report: PopulationReport): void | Promise<void>
  onLengthEval?(results: EvaluationResult[]): void | Promise<void>
  /** The training state at the end of a step, to resume from: after each evaluation, and when training halts (see checkpointNow). */
  onCheckpoint?(checkpoint: TrainingCheckpoint): void | Promise<void>
  /** Checked before every step: true while training is about to halt (paused, stopping, a signal), so the state is kept first. */
  checkpointNow?(): boolean
  /** Checked before every step: stop early, keeping everything so far. */
  shouldStop?(): boolean
  /** Awaited before every step: resolves when not paused. */
  whilePaused?(): Promise<void>
  /** A clock in milliseconds (defaults to Date.now). */
  now?(): number
}

export interface SnapshotReport {
  step: number
  records: SnapshotRecord[]
}

export interface TrainResult {
  status: 'completed' | 'diverged' | 'interrupted'
  steps: number
  error: string | null
  finalLoss: number | null
}

export function modelSpecOf(config: TrainConfig, task: Task): ModelSpec {
  return {
    cell: config.cell,
    norm: config.norm,
    inputSize: task.inputSize,
    hidden: config.hidden,
    outputs: task.outputs,
    groups: config.groups,
    eps: config.eps,
  }
}

export function createOptimizer(config: TrainConfig): tf.Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(config.lr)
    case 'rmsprop':
      return tf.train.rmsprop(config.lr)
    default:
      // One kernel a variable and output where the backend has it (WebGPU), else tfjs's fourteen.
      return hasFusedAdam() ? new FusedAdamOptimizer(config.lr) : tf.train.adam(config.lr)
  }
}

const EVAL_BATCH = 128

/**
 * Trains a run from its start, or from a checkpoint (`resume`): the same parameters, optimizer
 * state and population statistics, and the data stream drawn up to the same batch, so the run goes
 * on exactly as if it had not stopped.
 */
export async function train(
  config: TrainConfig,
  task: Task,
  hooks: TrainerHooks = {},
  resume: TrainingCheckpoint | null = null,
): Promise<TrainResult> {
  const now = hooks.now ?? (() => Date.now())
  const { spec, net, optimizer, nextBatch, heldOut, trivial } = setUp(config, task, resume)
  const started = now() - (resume?.wallMs ?? 0)
  let lastLoss: number | null = resume?.lastLoss ?? null
  let firstLoss: number | null = resume?.firstLoss ?? null
  let step = resume?.step ?? 0
  let kept = resume?.step ?? -1
  /** Keeps the state at the end of step `at` (once per step). */
  const checkpoint = async (at: number) => {
    if (!hooks.onCheckpoint || kept === at) return
    kept = at
    await hooks.onCheckpoint(
      await captureCheckpoint(net, optimizer, config.optimizer, {
        step: at,
        wallMs: now() - started,
        firstLoss,
        lastLoss,
      }),
    )
  }
  const snapshotAt = new Set(snapshotSteps(config))
  // Per-feature matrices only at the steps the findings read them (the archive's largest rows).
  const featuresAt = featureSteps(config)
  try {
    if (resume) {
      if (resume.step > config.steps)
        throw new Error(`the checkpoint is at step ${resume.step}, past this run's ${config.steps} steps`)
      await restoreCheckpoint(net, optimizer, config.optimizer, resume)
      // The data stream's position: the batches already trained on, drawn again and dropped.
      for (let i = 0; i < resume.step; i++) nextBatch()
    }
    for (step = step + 1; step <= config.steps; step++) {
      if (hooks.checkpointNow?.()) await checkpoint(step - 1)
      await hooks.whilePaused?.()
      if (hooks.shouldStop?.()) {
        await checkpoint(step - 1)
        return { status: 'interrupted', steps: step - 1, error: null, finalLoss: lastLoss }
      }
      const record = config.recordEvery > 0 && (step === 1 || step % config.recordEvery === 0)
      const stepStart = now()
      const batch = nextBatch()
      const { scalars, stats, snapshots, counts } = await trainingStep(
        { net, optimizer, config, spec },
        batch,
        record,
        record && snapshotAt.has(step),
        (term) => record && featuresAt[term].has(step),
      )
      const [loss, accuracy, gradNorm] = scalars
      lastLoss = loss
      await hooks.onStep?.({
        step,
        loss,
        accuracy,
        gradNorm,
        lr: config.lr,
        wallMs: now() - started,
        stepMs: now() - stepStart,
        counts,
      })
      firstLoss ??= loss
      const divergence = divergedBecause(loss, gradNorm, firstLoss, step)
      if (divergence) return { status: 'diverged', steps: step, error: divergence, finalLoss: loss }
      if (record) await hooks.onTimestepStats?.(stats.map((s) => ({ ...s, step })))
      if (snapshots.length > 0) await hooks.onSnapshots?.({ step, records: snapshots })
      if ((config.evalEvery > 0 && step % config.evalEvery === 0) || step === config.steps) {
        await reportEvaluation(net, hooks, step, heldOut, trivial, now() - started)
        if (step < config.steps) await checkpoint(step)
      }
    }
    await hooks.onLengthEval?.(await lengthEvaluation(net, task, config, config.steps))
    return { status: 'completed', steps: config.steps, error: null, finalLoss: lastLoss }
  } finally {
    optimizer.dispose()
    net.dispose()
  }
}

/** A run's model (fresh, or a checkpoint's parameters), optimizer, data stream and held-out set. */
function setUp(config: TrainConfig, task: Task, resume: TrainingCheckpoint | null) {
  const spec = modelSpecOf(config, task)
  const net = new RecurrentNet(
    spec,
    resume ? checkpointParams(resume) : initParams(spec, config.seed, { bn: config.bnGamma, norm: config.normGamma }),
    config.momentum,
  )
  const heldOutSamples = task.heldOut(config.evalSamples)
  return {
    spec,
    net,
    optimizer: createOptimizer(config),
    nextBatch: createBatcher(task, config.batchSize, config.batching, Rng.derive(config.seed, 'data')),
    heldOut: evalBatches(heldOutSamples, EVAL_BATCH, task),
    trivial: trivialLoss(heldOutSamples, task.targetKind),
  }
}

/** One training step on a batch, read back: its scalars, recorded statistics and snapshots (tensors disposed). */
async function trainingStep(
  m: { net: RecurrentNet; optimizer: tf.Optimizer; config: TrainConfig; spec: ModelSpec },
  batch: Batch,
  record: boolean,
  snapshot: boolean,
  features: (term: TermName) => boolean,
) {
  const out = runStep(m.net, m.optimizer, batch, m.config, record, snapshot)
  const { scalars, stats } = await readStep(out, m.spec, features)
  const snapshots = snapshot ? await readSnapshot(out.snapshot, m.spec, batch.N, batch.T, batch.lengths) : []
  disposeStep(out)
  return { scalars, stats, snapshots, counts: out.counts }
}

/** At an evaluation step: the held-out loss and accuracy, then the population statistics. */
async function reportEvaluation(
  net: RecurrentNet,
  hooks: TrainerHooks,
  step: number,
  heldOut: ReturnType<typeof evalBatches>,
  trivial: number | null,
  wallMs: number,
): Promise<void> {
  await hooks.onEval?.({
    step,
    ...(await evaluate(net, heldOut, 'last')),
    ...(trivial !== null ? { trivialLoss: trivial } : {}),
    wallMs,
  })
  await hooks.onPopulation?.(await populationReport(net, step))
}

/** A loss this many times the first step's counts as diverged: training has blown up, not learned. */
export const DIVERGENCE_FACTOR = 1000
/** The first loss is floored here, so a lucky tiny first loss does not make normal noise "divergence". */
const DIVERGENCE_FLOOR = 1e-3

/**
 * Why a step means the run diverged, or null: a loss or gradient norm that is not finite, or a
 * loss above DIVERGENCE_FACTOR × the first step's loss.
 */
export function divergedBecause(loss: number, gradNorm: number, firstLoss: number, step: number): string | null {
  if (!Number.isFinite(loss)) return `the loss became ${loss} at step ${step}`
  if (!Number.isFinite(gradNorm)) return `the gradient norm became ${gradNorm} at step ${step}`
  const bound = DIVERGENCE_FACTOR * Math.max(Math.abs(firstLoss), DIVERGENCE_FLOOR)
  if (loss > bound)
    return `the loss reached ${loss.toPrecision(4)} at step ${step}, more than ${DIVERGENCE_FACTOR}× the first step's ${firstLoss.toPrecision(4)}`
  return null
}

export function runStep(
  net: RecurrentNet,
  optimizer: tf.Optimizer,
  batch: Batch,
  config: Pick<TrainConfig, 'clipNorm'>,
  record: boolean,
  snapshot = false,
): StepTensors {
  const xs = stepInputs(batch.x, batch.N, batch.T, batch.D)
  try {
    return net.trainStep(xs, batch.lengths, batch.target, optimizer, { clipNorm: config.clipNorm, record, snapshot })
  } finally {
    tf.dispose(xs)
  }
}

/**
 * One readback for the whole step: scalars first, then each recorded term's mean and variance
 * rows. Steps with no valid sample have no statistics: null summaries, NaN in the matrices.
 */
export async function readStep(
  out: StepTensors,
  spec: ModelSpec,
  features: boolean | ((term: TermName) => boolean),
): Promise<{ scalars: [number, number, number]; stats: Omit<TimestepRecord, 'step'>[] }> {
  const withFeatures = typeof features === 'function' ? features : () => features
  const terms = recordedTerms(spec).filter(({ term }) => out.recorded[term])
  const flat = tf.tidy(() =>
    tf.concat([
      tf.stack([out.loss, out.accuracy, out.gradNorm]),
      ...terms.flatMap(({ term }) => [
        tf.reshape(out.recorded[term]!.mean, [-1]),
        tf.reshape(out.recorded[term]!.variance, [-1]),
      ]),
    ]),
  )
  // Reused by the next read: everything below is done with it before this function returns.
  const values = await readFloatsOnce(flat)
  flat.dispose()
  const T = out.counts.length
  let offset = 3
  const stats = terms.map(({ term, features }) => {
    const take = () => {
      // A view, not a copy (new buffers cost page faults on a VM); NaN written into values, which nothing else reads.
      const rows = values.subarray(offset, offset + T * features)
      offset += T * features
      for (let t = 0; t < T; t++) if (out.counts[t] === 0) rows.fill(Number.NaN, t * features, (t + 1) * features)
      return rows
    }
    const mean = take()
    const variance = take()
    const summary = (rows: Float32Array) =>
      out.counts.map((n, t) => {
        if (n === 0) return null
        let sum = 0
        for (let c = 0; c < features; c++) sum += rows[t * features + c]!
        return sum / features
      })
    const normCount = normCountOf(spec.norm, spec.cell, term, features, out.counts, spec.groups)
    return {
      layer: 0,
      term,
      count: [...out.counts],
      ...(normCount ? { normCount } : {}),
      mean: summary(mean),
      var: summary(variance),
      ...(withFeatures(term)
        ? { featureMean: packFloat32(mean, T, features), featureVar: packFloat32(variance, T, features) }
        : {}),
    }
  })
  return { scalars: [values[0]!, values[1]!, values[2]!], stats }
}

/** Mean loss and accuracy over batches, weighted by batch size. */
export async function evaluate(
  net: RecurrentNet,
  batches: readonly Batch[],
  policy: Policy,
): Promise<{ loss: number; accuracy: number }> {
  let loss = 0
  let accuracy = 0
  let total = 0
  for (const batch of batches) {
    const result = tf.tidy(() => {
      const r = net.evaluate(stepInputs(batch.x, batch.N, batch.T, batch.D), batch.lengths, batch.target, policy)
      return tf.stack([r.loss, r.accuracy])
    })
    const [l, a] = (await result.data()) as Float32Array
    result.dispose()
    loss += l! * batch.N
    accuracy += a! * batch.N
    total += batch.N
  }
  return { loss: loss / Math.max(1, total), accuracy: accuracy / Math.max(1, total) }
}

async function populationReport(net: RecurrentNet, step: number): Promise<PopulationReport> {
  const snapshot = await net.population.snapshot()
  return {
    step,
    records: snapshot.map((s) => ({
      layer: 0,
      term: s.term,
      mean: packFloat32(s.mean, s.seen.length, s.features),
      var: packFloat32(s.variance, s.seen.length, s.features),
      seen: s.seen,
    })),
  }
}

/** Metric at T, 1.5T, 2T, 4T… for each BN policy past the trained length (generated tasks only). */
export async function lengthEvaluation(
  net: RecurrentNet,
  task: Task,
  config: TrainConfig,
  step: number,
): Promise<EvaluationResult[]> {
  if (!task.atLength) return []
  const results: EvaluationResult[] = []
  // Policies matter only where population statistics are per time step.
  const policies: (Policy | 'none')[] =
    normDefinition(config.norm).over === 'batch-step' ? config.evalPolicies : ['none']
  for (const multiple of config.evalLengths) {
    const length = Math.max(1, Math.round(multiple * task.trainLength))
    const rng = Rng.derive(config.seed, `length-eval/${length}`)
    const samples = Array.from({ length: Math.min(config.evalSamples, 512) }, () => task.atLength!(rng, length))
    const batches = evalBatches(samples, Math.max(8, Math.floor(EVAL_BATCH * Math.min(1, 100 / length))), task)
    for (const policy of policies) {
      try {
        const r = await evaluate(net, batches, policy === 'none' ? 'last' : policy)
        results.push(
          { step, policy, length, metric: 'loss', value: r.loss },
          { step, policy, length, metric: 'accuracy', value: r.accuracy },
        )
      } catch (error) {
        // The "error" policy refuses lengths past training: that refusal is the result.
        if (!(error instanceof PopulationError)) throw error
      }
    }
  }
  return results
}
