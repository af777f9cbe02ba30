// The normalizers, written once for every backend. Masking: a padded position (t >= length[n])
// never enters a statistic; a time step with one valid sample has variance 0 (output = beta,
// never NaN). Formulas follow the PyTorch reference in goldens/README.md.
//
// Speed: batch statistics are weighted sums over samples done as one matMul with a weight column
// w[n] = mask[n] / count (built on the CPU side from the lengths, so no readback and no slicing:
// on the wasm backend a slice costs time proportional to its whole input).
import { weightedRowSum } from './fast-ops'
import { fusedFeatureNorm, fusedWeightedBatchNorm, type Stash } from './fused-norms'
import { tf, type Tensor, type Tensor2D } from './tf'

export const NORM_KINDS = ['none', 'bn_step', 'bn_seq', 'ln', 'gn'] as const
export type NormKind = (typeof NORM_KINDS)[number]

export interface Affine {
  gamma: Tensor
  beta: Tensor
}

/** Statistics of one normalizer application: [1, C] rows for batch statistics. */
export interface Moments {
  mean: Tensor
  variance: Tensor
}

export interface Normalized extends Moments {
  y: Tensor
}

/** (x - mean) · gamma / sqrt(var + eps) + beta, from already centered values. */
export function scaleShift(centered: Tensor, variance: Tensor, p: Affine, eps: number): Tensor {
  return tf.add(tf.mul(centered, tf.mul(p.gamma, tf.rsqrt(tf.add(variance, eps)))), p.beta)
}

/** Weights of the rows of a batch: w[n] = mask[n] / count, as a column [R, 1] and a row [1, R]. */
export interface RowWeights {
  col: Tensor2D
  row: Tensor2D
}

export function rowWeights(values: Float32Array): RowWeights {
  return { col: tf.tensor2d(values, [values.length, 1]), row: tf.tensor2d(values, [1, values.length]) }
}

/**
 * Biased moments over the rows of v [R, C] weighted by w (mask / count, so the valid rows'
 * weights sum to 1), and v normalized with them: batch normalization over the valid rows.
 */
export function weightedBatchNorm(v: Tensor2D, w: RowWeights, p: Affine, eps: number): Normalized {
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

/** Normalizes v with given statistics (BN at evaluation, with population statistics). */
export function normalizeWith(v: Tensor, m: Moments, p: Affine, eps: number): Tensor {
  return scaleShift(tf.sub(v, m.mean), m.variance, p, eps)
}

/** LayerNorm over the features: each sample on its own. x is [R, C]. */
export function layerNorm(x: Tensor2D, p: Affine, eps: number): Tensor2D {
  return fusedFeatureNorm(x, 1, p, eps)
}

/** GroupNorm over `groups` contiguous groups of the features. x is [R, C]. */
export function groupNorm(x: Tensor2D, groups: number, p: Affine, eps: number): Tensor2D {
  const C = x.shape[1]
  if (C % groups !== 0) throw new Error(`GroupNorm needs the features (${C}) to divide into ${groups} groups`)
  return fusedFeatureNorm(x, groups, p, eps)
}

/** The number of valid samples at each time step. */
export function countsPerStep(lengths: readonly number[], T: number): number[] {
  const counts = new Array<number>(T).fill(0)
  for (const length of lengths) for (let t = 0; t < Math.min(length, T); t++) counts[t]!++
  return counts
}

/** Weights w[n] = [t < lengths[n]] / count for one step (all zero when no sample is valid). */
export function stepWeights(lengths: readonly number[], t: number, count: number): Float32Array {
  const w = new Float32Array(lengths.length)
  if (count > 0) lengths.forEach((length, n) => (w[n] = t < length ? 1 / count : 0))
  return w
}
