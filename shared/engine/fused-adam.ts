// Adam as one kernel per variable and output, where the backend has it (WebGPU): tfjs's Adam is
// fourteen element-wise kernels a variable (a BN-LSTM has eleven: ~150 dispatches a training step,
// more than the whole time loop's), and gradient clipping one more each. The update is tfjs's,
// term for term (tfjs-core's adam_optimizer.ts); the clipping scale is applied inside it.
import { tf, type Tensor } from './core/tf'

export const FUSED_ADAM = 'NormLabAdam'

/** What the kernel is told: the step's hyper-parameters and bias corrections (uniforms on a GPU, so one pipeline serves every step). */
export interface FusedAdamAttrs {
  /** 0: the new value, 1: the new first moment, 2: the new second moment. */
  output: 0 | 1 | 2
  lr: number
  beta1: number
  beta2: number
  epsilon: number
  /** 1 − β1^t and 1 − β2^t at this step. */
  correction1: number
  correction2: number
}

/**
 * Whether an optimizer is the fused Adam. Not `instanceof`: tfjs's Optimizer answers instanceof
 * for any object with an optimizer's methods (Symbol.hasInstance), so every subclass claims every optimizer.
 */
export const isFusedAdam = (o: tf.Optimizer): o is FusedAdamOptimizer =>
  typeof (o as unknown as { applyScaledGradients?: unknown }).applyScaledGradients === 'function'

/** Whether the active backend runs Adam as one kernel a variable and output. */
export const hasFusedAdam = (): boolean => tf.getKernel(FUSED_ADAM, tf.getBackend()) !== undefined

type Named = { name: string; tensor: tf.Tensor }

interface Slots {
  m: tf.Variable
  v: tf.Variable
}

export class FusedAdamOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'NormLabFusedAdam'
  }
  private readonly slots = new Map<string, Slots>()
  private step = 0
  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = tf.backend().epsilon(),
  ) {
    super()
  }

  applyGradients(grads: tf.NamedTensorMap | Named[]): void {
    this.applyScaledGradients(grads, null)
  }

  /** The update with every gradient multiplied by `scale` (a scalar tensor: gradient clipping) inside the kernel. */
  applyScaledGradients(grads: tf.NamedTensorMap | Named[], scale: tf.Scalar | null): void {
    const named = Array.isArray(grads) ? grads : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }))
    this.step++
    const base = {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      correction1: 1 - this.beta1 ** this.step,
      correction2: 1 - this.beta2 ** this.step,
    }
    tf.tidy(() => {
      const s = scale ?? tf.scalar(1)
      for (const { name, tensor: g } of named) {
        const value = tf.engine().registeredVariables[name]
        if (!value || g == null) continue
        let slot = this.slots.get(name)
        if (!slot) {
          slot = { m: tf.variable(tf.zerosLike(value), false), v: tf.variable(tf.zerosLike(value), false) }
          this.slots.set(name, slot)
        }
        const inputs = { value, g, m: slot.m, v: slot.v, scale: s }
        const run = (output: 0 | 1 | 2) =>
          tf.engine().runKernel(FUSED_ADAM, inputs as never, { ...base, output } as never) as Tensor
        const [next, m, v] = [run(0), run(1), run(2)]
        slot.m.assign(m)
        slot.v.assign(v)
        value.assign(next)
      }
    })
    this.incrementIterations()
  }

  override dispose(): void {
    for (const { m, v } of this.slots.values()) tf.dispose([m, v])
    this.slots.clear()
  }

  /** tfjs Adam's layout: the step count, then every first moment, then every second moment (`name/m`, `name/v`), in the order the variables were first updated. */
  override async getWeights(): Promise<Named[]> {
    const slots = [...this.slots.entries()]
    return [
      { name: 'iter', tensor: tf.scalar(this.step, 'int32') },
      ...slots.map(([name, s]) => ({ name: `${name}/m`, tensor: s.m as tf.Tensor })),
      ...slots.map(([name, s]) => ({ name: `${name}/v`, tensor: s.v as tf.Tensor })),
    ]
  }

  /** The same layout back: slots keyed by the variable names given (a resumed run's own variables). */
  override async setWeights(weights: Named[]): Promise<void> {
    const [iter, ...moments] = weights
    this.step = (await iter!.tensor.data())[0]!
    this.iterations_ = this.step
    this.dispose()
    const half = moments.length / 2
    for (let i = 0; i < half; i++) {
      const name = moments[i]!.name.replace(/\/m$/, '')
      this.slots.set(name, {
        m: tf.variable(moments[i]!.tensor, false),
        v: tf.variable(moments[half + i]!.tensor, false),
      })
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }
  }
}
