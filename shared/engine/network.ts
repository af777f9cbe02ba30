// A recurrent network with its variables and population statistics, and one training step.
// Nothing here reads a tensor back: a step returns kept tensors that the caller reads in one
// batched, asynchronous readback and then disposes.
import { normDefinition } from '../kinds'
import { forward, type ForwardOptions, type ForwardResult, type StepMoments } from './model'
import { lossOf, type Target } from './core/losses'
import { Population } from './core/population'
import { paramShapes, type ModelSpec, type TermName } from './core/spec'
import { tf, variableFrom, type Tensor2D } from './core/tf'
import { isFusedAdam } from './fused-adam'

export type ParamValues = Record<string, Float32Array | number[]>

export interface StepTensors {
  loss: tf.Scalar
  accuracy: tf.Scalar
  gradNorm: tf.Scalar
  counts: number[]
  /** Per-time-step pre-normalization statistics, when recorded. */
  recorded: Partial<Record<TermName, StepMoments>>
  /** Each term's pre-normalization values [T·N, C] (row t·N + n), when a snapshot was asked for. */
  snapshot: Partial<Record<TermName, Tensor2D>>
}

export interface StepOptions {
  /** Clip the global gradient norm to this (0: no clipping). */
  clipNorm?: number
  record?: boolean
  snapshot?: boolean
}

export class RecurrentNet {
  readonly vars: Record<string, tf.Variable>
  readonly population: Population

  constructor(
    readonly spec: ModelSpec,
    values: ParamValues,
    momentum = 0.1,
  ) {
    const shapes = paramShapes(spec)
    const missing = Object.keys(shapes).filter((k) => !(k in values))
    if (missing.length > 0) throw new Error(`missing parameters: ${missing.join(', ')}`)
    this.vars = Object.fromEntries(
      Object.entries(shapes).map(([name, shape]) => [name, variableFrom(tf.tensor(values[name]!, shape), true)]),
    )
    this.population = new Population(momentum)
  }

  /** xs: one [N, D] tensor per time step (see stepInputs). */
  forward(
    xs: readonly Tensor2D[],
    lengths: readonly number[],
    options: Omit<ForwardOptions, 'population'>,
  ): ForwardResult {
    return forward(this.spec, this.vars, xs, lengths, { population: this.population, ...options })
  }

  /** One optimizer step on a batch; BN's population statistics move with it. */
  trainStep(
    xs: readonly Tensor2D[],
    lengths: readonly number[],
    target: Target,
    optimizer: tf.Optimizer,
    options: StepOptions = {},
  ): StepTensors {
    const varList = Object.values(this.vars)
    let kept: {
      accuracy: tf.Scalar
      updates: ForwardResult['populationUpdates']
      recorded: ForwardResult['recorded']
      snapshot: ForwardResult['snapshot']
      counts: number[]
    } | null = null
    const { value, grads } = tf.variableGrads(() => {
      const out = this.forward(xs, lengths, {
        mode: 'train',
        record: options.record ?? false,
        snapshot: options.snapshot ?? false,
        sequenceOutput: target.kind === 'sequence',
      })
      const { loss, accuracy } = lossOf(target, out.logits, out.hidden, this.vars.Wy!, this.vars.by!)
      // variableGrads disposes everything but the loss: keep what outlives the step.
      for (const m of [...out.populationUpdates.map((u) => u.moments), ...Object.values(out.recorded)]) {
        tf.keep(m.mean)
        tf.keep(m.variance)
      }
      kept = {
        accuracy: tf.keep(accuracy as tf.Scalar),
        updates: out.populationUpdates,
        recorded: out.recorded,
        snapshot: out.snapshot,
        counts: out.counts,
      }
      return loss as tf.Scalar
    }, varList)
    const k = kept!
    const gradNorm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar)
    const clip = options.clipNorm ?? 0
    const scale = clip > 0 ? tf.tidy(() => tf.minimum(1, tf.div(clip, tf.add(gradNorm, 1e-6))) as tf.Scalar) : null
    if (isFusedAdam(optimizer))
      optimizer.applyScaledGradients(grads, scale) // the scale applied inside its kernels
    else {
      const applied = scale
        ? tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)])))
        : grads
      optimizer.applyGradients(applied as Record<string, tf.Tensor>)
      if (applied !== grads) tf.dispose(applied)
    }
    tf.dispose(grads)
    if (scale) scale.dispose()

    for (const u of k.updates) {
      this.population.update(u.term, u.moments, u.counts, normDefinition(this.spec.norm).center)
      tf.dispose([u.moments.mean, u.moments.variance])
    }
    return { loss: value, accuracy: k.accuracy, gradNorm, counts: k.counts, recorded: k.recorded, snapshot: k.snapshot }
  }

  /** Loss and accuracy on a batch with population statistics (no gradient). */
  evaluate(
    xs: readonly Tensor2D[],
    lengths: readonly number[],
    target: Target,
    policy: ForwardOptions['policy'],
  ): { loss: tf.Scalar; accuracy: tf.Scalar } {
    return tf.tidy(() => {
      const out = this.forward(xs, lengths, { mode: 'eval', policy, sequenceOutput: target.kind === 'sequence' })
      const r = lossOf(target, out.logits, out.hidden, this.vars.Wy!, this.vars.by!)
      return { loss: r.loss as tf.Scalar, accuracy: r.accuracy as tf.Scalar }
    })
  }

  async paramValues(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {}
    for (const [name, v] of Object.entries(this.vars)) out[name] = (await v.data()) as Float32Array
    return out
  }

  dispose(): void {
    tf.dispose(Object.values(this.vars))
    this.population.dispose()
  }
}

export function disposeStep(step: StepTensors): void {
  tf.dispose([
    step.loss,
    step.accuracy,
    step.gradNorm,
    ...Object.values(step.recorded).flatMap((m) => [m.mean, m.variance]),
    ...Object.values(step.snapshot),
  ])
}
