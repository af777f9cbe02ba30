// Formulas as tfjs ops on whole tensors: what the step-by-step reference model computes a cell's
// step and a normalizer with (and differentiates with tfjs's own gradients, independently of the
// backward formulas the kernels run), and the population's update.
import { expr, type Bindings, type Expr } from '../../kinds/formulas'
import { tf, type Tensor } from '../core/tf'

/**
 * An expression as tfjs ops on whole tensors; `sumOver` reduces a tensor of per-value terms over
 * the statistic's domain (the normalizer's: which axes, keeping them for broadcasting).
 */
export function evaluateTf(e: Expr, env: (name: string) => Tensor, sumOver?: (t: Tensor) => Tensor): Tensor {
  switch (e.op) {
    case 'ref':
      return env(e.name)
    case 'num':
      return tf.scalar(e.value)
    case 'add':
      return tf.add(evaluateTf(e.a, env, sumOver), evaluateTf(e.b, env, sumOver))
    case 'sub':
      return tf.sub(evaluateTf(e.a, env, sumOver), evaluateTf(e.b, env, sumOver))
    case 'mul':
      return tf.mul(evaluateTf(e.a, env, sumOver), evaluateTf(e.b, env, sumOver))
    case 'div':
      return tf.div(evaluateTf(e.a, env, sumOver), evaluateTf(e.b, env, sumOver))
    case 'neg':
      return tf.neg(evaluateTf(e.a, env, sumOver))
    case 'square':
      return tf.square(evaluateTf(e.a, env, sumOver))
    case 'sigmoid':
      return tf.sigmoid(evaluateTf(e.a, env, sumOver))
    case 'tanh':
      return tf.tanh(evaluateTf(e.a, env, sumOver))
    case 'rsqrt':
      return tf.rsqrt(evaluateTf(e.a, env, sumOver))
    case 'sum':
      if (!sumOver) throw new Error('a sum over a statistic needs its domain (sumOver)')
      return sumOver(evaluateTf(e.a, env, sumOver))
  }
}

/** Bindings evaluated in order into `env` (each may read the ones before it). */
export function bindTf(bindings: Bindings, env: Map<string, Tensor>, read: (name: string) => Tensor): void {
  const lookup = (name: string) => env.get(name) ?? read(name)
  for (const [name, f] of Object.entries(bindings)) env.set(name, evaluateTf(expr(f), lookup))
}
