// A cell's formulas as tfjs ops, on whole [N, H] tensors: what the step-by-step reference model
// computes with (and differentiates with tfjs's own gradients, independently of the backward
// formulas the kernels run).
import { expr, type Bindings, type Expr } from '../../kinds/formulas'
import { tf, type Tensor } from '../core/tf'

export function evaluateTf(e: Expr, env: (name: string) => Tensor): Tensor {
  switch (e.op) {
    case 'ref':
      return env(e.name)
    case 'num':
      return tf.scalar(e.value)
    case 'add':
      return tf.add(evaluateTf(e.a, env), evaluateTf(e.b, env))
    case 'sub':
      return tf.sub(evaluateTf(e.a, env), evaluateTf(e.b, env))
    case 'mul':
      return tf.mul(evaluateTf(e.a, env), evaluateTf(e.b, env))
    case 'neg':
      return tf.neg(evaluateTf(e.a, env))
    case 'square':
      return tf.square(evaluateTf(e.a, env))
    case 'sigmoid':
      return tf.sigmoid(evaluateTf(e.a, env))
    case 'tanh':
      return tf.tanh(evaluateTf(e.a, env))
  }
}

/** Bindings evaluated in order into `env` (each may read the ones before it). */
export function bindTf(bindings: Bindings, env: Map<string, Tensor>, read: (name: string) => Tensor): void {
  const lookup = (name: string) => env.get(name) ?? read(name)
  for (const [name, f] of Object.entries(bindings)) env.set(name, evaluateTf(expr(f), lookup))
}
