// Batch statistics over the valid rows of a term, and normalizing with given statistics. Sums
// over samples are matMuls with a weight row w = mask / count built on the CPU side from the
// lengths, so no readback and no slicing (on the wasm backend a slice costs time proportional to
// its whole input).
import { weightedRowSum } from '../fast-ops'
import { tf, type Tensor, type Tensor2D } from '../tf'
import { fusedWeightedBatchNorm, type Stash } from './fused'
import type { Affine, Moments, RowWeights } from './types'

/**
 * Biased moments over the rows of v [R, C] weighted by w (mask / count, so the valid rows'
 * weights sum to 1), and v normalized with them: batch normalization over the valid rows. A row
 * set with one valid sample has variance 0 and outputs β, never NaN.
 */
export function weightedBatchNorm(v: Tensor2D, w: RowWeights, p: Affine, eps: number): Moments & { y: Tensor2D } {
  const stash: Stash = {}
  const y = fusedWeightedBatchNorm(v, w.col, w.row, p, eps, stash)
  // The op keeps its statistics past its own scope; hand them to the caller's scope.
  const mean = tf.clone(stash.moments!.mean)
  const variance = tf.clone(stash.moments!.variance)
  tf.dispose([stash.moments!.mean, stash.moments!.variance])
  return { y, mean, variance }
}

/** The same moments without normalizing (recording a term that BN does not normalize). */
export function weightedMoments(v: Tensor2D, w: RowWeights): Moments {
  const mean = weightedRowSum(v, w.col, w.row)
  const variance = weightedRowSum(tf.square(tf.sub(v, mean)) as Tensor2D, w.col, w.row)
  return { mean, variance }
}

/** (v − mean) · γ / √(var + eps) + β: BN at evaluation, with population statistics. */
export function normalizeWith(v: Tensor, m: Moments, p: Affine, eps: number): Tensor {
  return tf.add(tf.mul(tf.sub(v, m.mean), tf.mul(p.gamma, tf.rsqrt(tf.add(m.variance, eps)))), p.beta)
}

/** Stacks per-step rows [1, C] into [T, C], with zero rows at steps that have none. */
export function stackRows(rows: readonly (Moments | undefined)[], T: number, features: number): Moments {
  const filled = Array.from({ length: T }, (_, t) => rows[t] ?? { mean: tf.zeros([1, features]), variance: tf.zeros([1, features]) })
  return { mean: tf.concat(filled.map((m) => m.mean), 0), variance: tf.concat(filled.map((m) => m.variance), 0) }
}
