// Ops with hand-written gradients that pick faster kernels. tfjs differentiates a·b with
// transposed matMuls (a·dyᵀ-style flags), which the wasm backend runs about ten times slower
// than an explicit transpose followed by a plain matMul (measured: 780 µs vs 83 µs for
// [32×64]ᵀ·[32×256]). The math is unchanged; the reference cases check it on every backend.
// WebGL keeps tfjs's own gradients: its shaders read transposed operands for free.
import { tf, type Tensor, type Tensor2D } from './tf'

type Save = (tensors: Tensor[]) => void
type Grad = (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[]

const useFastGradients = () => tf.getBackend() !== 'webgl'

const plainMatMul = tf.customGrad(((a: Tensor2D, b: Tensor2D, save: Save) => {
  save([a, b])
  const gradFunc: Grad = (dy, [sa, sb]) => [
    tf.matMul(dy as Tensor2D, tf.transpose(sb!) as Tensor2D),
    tf.matMul(tf.transpose(sa!) as Tensor2D, dy as Tensor2D),
  ]
  return { value: tf.matMul(a, b), gradFunc }
}) as never) as unknown as (a: Tensor2D, b: Tensor2D) => Tensor2D

/** a · b */
export function matMul(a: Tensor2D, b: Tensor2D): Tensor2D {
  return useFastGradients() ? plainMatMul(a, b) : tf.matMul(a, b)
}

/**
 * wᵀ · v for a constant weight column w [N, 1] (w = mask / count): the weighted sum of v's rows.
 * `wRow` is the same weights as a [1, N] row, so neither direction needs a transposed matMul.
 */
export function weightedRowSum(v: Tensor2D, wCol: Tensor2D, wRow: Tensor2D): Tensor2D {
  if (!useFastGradients()) return tf.matMul(wCol, v, true, false)
  const op = tf.customGrad(((x: Tensor2D, save: Save) => {
    save([wCol])
    const gradFunc: Grad = (dy, [w]) => tf.matMul(w as Tensor2D, dy as Tensor2D)
    return { value: tf.matMul(wRow, x), gradFunc }
  }) as never) as unknown as (x: Tensor2D) => Tensor2D
  return op(v)
}
