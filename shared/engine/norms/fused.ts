// Normalizers as single ops with hand-derived gradients: tfjs differentiates the composed version
// op by op (about 25 backward kernels, several of them slow axis-0 reductions); these need about
// a dozen, with sums done as matMuls. The reference cases check forward and gradients.
//
// Weighted BN over rows (w = mask / count, Σ w = 1 over the valid rows):
//   mean = Σ w v,  c = v − mean,  var = Σ w c²,  inv = (var + eps)^-½,  x̂ = c·inv,  y = γ x̂ + β
//   dβ = Σ dy,  dγ = Σ dy x̂,  dx̂ = γ dy
//   dv = inv · (dx̂ − w ⊙ (Σ dx̂ + x̂ ⊙ Σ dx̂ x̂))
// (padded rows have w = 0 and receive dy = 0, so they get no gradient; a lone valid row gets 0.)
// Per-sample norms (LN, GN) are the same with uniform weights over each row's features.
import type { Affine, Moments } from './types'
import { tf, type Tensor, type Tensor2D } from '../tf'

type Save = (tensors: Tensor[]) => void
type Grad = (dy: Tensor, saved: Tensor[]) => Tensor[]

/** Statistics the caller wants out of a fused op; kept tensors the caller must dispose. */
export interface Stash {
  moments?: Moments
}

/** Weighted BN of v [R, C] over its rows. wCol [R, 1] and wRow [1, R] hold the same weights. */
export function fusedWeightedBatchNorm(v: Tensor2D, wCol: Tensor2D, wRow: Tensor2D, p: Affine, eps: number, stash: Stash): Tensor2D {
  const R = v.shape[0]
  const op = tf.customGrad(((x: Tensor2D, gamma: Tensor, beta: Tensor, save: Save) => {
    const mean = tf.matMul(wRow, x)
    const centered = tf.sub(x, mean)
    const variance = tf.matMul(wRow, tf.square(centered))
    const inv = tf.rsqrt(tf.add(variance, eps))
    const xhat = tf.mul(centered, inv)
    stash.moments = { mean: tf.keep(mean), variance: tf.keep(variance) }
    save([xhat, inv, gamma, wCol])
    const gradFunc: Grad = (dy, [sXhat, sInv, sGamma, sW]) => {
      const ones = tf.ones([1, R])
      const dyXhat = tf.mul(dy, sXhat!)
      const dBeta = tf.reshape(tf.matMul(ones, dy as Tensor2D), sGamma!.shape)
      const dGamma = tf.reshape(tf.matMul(ones, dyXhat as Tensor2D), sGamma!.shape)
      const dXhat = tf.mul(dy, sGamma!)
      const s1 = tf.matMul(ones, dXhat as Tensor2D)
      const s2 = tf.matMul(ones, tf.mul(dXhat, sXhat!) as Tensor2D)
      const dx = tf.mul(sInv!, tf.sub(dXhat, tf.mul(sW!, tf.add(s1, tf.mul(sXhat!, s2)))))
      return [dx, dGamma, dBeta]
    }
    return { value: tf.add(tf.mul(xhat, gamma), beta), gradFunc }
  }) as never) as unknown as (x: Tensor2D, gamma: Tensor, beta: Tensor) => Tensor2D
  return op(v, p.gamma, p.beta)
}

/** Normalizes each row of v [R, C] over `groups` contiguous groups of its features (LN: 1 group). */
export function fusedFeatureNorm(v: Tensor2D, groups: number, p: Affine, eps: number): Tensor2D {
  const [R, C] = v.shape
  const size = C / groups
  const op = tf.customGrad(((x: Tensor2D, gamma: Tensor, beta: Tensor, save: Save) => {
    const g = groups === 1 ? x : tf.reshape(x, [R * groups, size])
    const mean = tf.mean(g, -1, true)
    const centered = tf.sub(g, mean)
    const inv = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), eps))
    const xhatGrouped = tf.mul(centered, inv)
    const xhat = groups === 1 ? xhatGrouped : tf.reshape(xhatGrouped, [R, C])
    save([xhat, inv, gamma])
    const gradFunc: Grad = (dy, [sXhat, sInv, sGamma]) => {
      const ones = tf.ones([1, R])
      const dBeta = tf.reshape(tf.matMul(ones, dy as Tensor2D), sGamma!.shape)
      const dGamma = tf.reshape(tf.matMul(ones, tf.mul(dy, sXhat!) as Tensor2D), sGamma!.shape)
      const grouped = (t: Tensor) => (groups === 1 ? t : tf.reshape(t, [R * groups, size]))
      const dXhat = grouped(tf.mul(dy, sGamma!))
      const xh = grouped(sXhat!)
      const dx = tf.mul(sInv!, tf.sub(tf.sub(dXhat, tf.mean(dXhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dXhat, xh), -1, true))))
      return [groups === 1 ? dx : tf.reshape(dx, [R, C]), dGamma, dBeta]
    }
    return { value: tf.add(tf.mul(xhat, gamma), beta), gradFunc }
  }) as never) as unknown as (x: Tensor2D, gamma: Tensor, beta: Tensor) => Tensor2D
  return op(v, p.gamma, p.beta)
}
