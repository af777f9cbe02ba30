// The normalizers, written once for every backend. Masking: a padded position (t >= length[n])
// never enters a statistic; a time step with one valid sample has variance 0 (output = beta,
// never NaN). Formulas follow the PyTorch reference in goldens/README.md.
import { tf, type Tensor, type Tensor2D, type Tensor3D } from './tf'

export const NORM_KINDS = ['none', 'bn_step', 'bn_seq', 'ln', 'gn'] as const
export type NormKind = (typeof NORM_KINDS)[number]

export interface Affine {
  gamma: Tensor
  beta: Tensor
}

export interface Moments {
  mean: Tensor
  variance: Tensor
}

/** (x - mean) / sqrt(var + eps) * gamma + beta, broadcasting over leading axes. */
export function affineNormalize(x: Tensor, m: Moments, p: Affine, eps: number): Tensor {
  const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(m.variance, eps)))
  return tf.add(tf.mul(tf.sub(x, m.mean), scale), p.beta)
}

/**
 * Biased moments over the samples (axis 0) of x [N, C], counting only rows where mask [N, 1] is 1.
 * `count` is the number of valid rows (known on the CPU side from the lengths, so no readback);
 * with mask null every row is valid.
 */
export function maskedBatchMoments(x: Tensor2D, mask: Tensor2D | null, count: number): Moments {
  if (mask === null) {
    const { mean, variance } = tf.moments(x, 0)
    return { mean, variance }
  }
  const inv = 1 / Math.max(count, 1)
  const mean = tf.mul(tf.sum(tf.mul(x, mask), 0), inv)
  const centered = tf.mul(tf.sub(x, mean), mask)
  const variance = tf.mul(tf.sum(tf.square(centered), 0), inv)
  return { mean, variance }
}

/**
 * Per-time-step moments of x [N, T, C] over the valid samples of each step (Cooijmans' BN).
 * maskNT is [N, T, 1]; counts[t] valid samples per step. Returns mean, variance [T, C].
 */
export function perStepMoments(x: Tensor3D, maskNT: Tensor3D | null, counts: readonly number[]): Moments {
  if (maskNT === null) {
    const { mean, variance } = tf.moments(x, 0)
    return { mean, variance }
  }
  const inv = tf.tensor2d(counts.map((c) => 1 / Math.max(c, 1)), [counts.length, 1])
  const mean = tf.mul(tf.sum(tf.mul(x, maskNT), 0), inv)
  const centered = tf.mul(tf.sub(x, mean), maskNT)
  const variance = tf.mul(tf.sum(tf.square(centered), 0), inv)
  return { mean, variance }
}

/** Moments of x [N, T, C] over every valid (n, t) pair (Laurent's sequence-wise BN). Returns [C]. */
export function sequenceMoments(x: Tensor3D, maskNT: Tensor3D | null, total: number): Moments {
  if (maskNT === null) {
    const { mean, variance } = tf.moments(x, [0, 1])
    return { mean, variance }
  }
  const inv = 1 / Math.max(total, 1)
  const mean = tf.mul(tf.sum(tf.mul(x, maskNT), [0, 1]), inv)
  const centered = tf.mul(tf.sub(x, mean), maskNT)
  const variance = tf.mul(tf.sum(tf.square(centered), [0, 1]), inv)
  return { mean, variance }
}

/** LayerNorm over the last axis: each sample (and time step) on its own. */
export function layerNorm(x: Tensor, p: Affine, eps: number): Tensor {
  const { mean, variance } = tf.moments(x, -1, true)
  return affineNormalize(x, { mean, variance }, p, eps)
}

/** GroupNorm over `groups` contiguous groups of the last axis. */
export function groupNorm(x: Tensor, groups: number, p: Affine, eps: number): Tensor {
  const shape = x.shape
  const C = shape[shape.length - 1]!
  if (C % groups !== 0) throw new Error(`GroupNorm needs the features (${C}) to divide into ${groups} groups`)
  const grouped = tf.reshape(x, [...shape.slice(0, -1), groups, C / groups])
  const { mean, variance } = tf.moments(grouped, -1, true)
  const normalized = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), shape)
  return tf.add(tf.mul(normalized, p.gamma), p.beta)
}

/** The number of valid samples at each time step. */
export function countsPerStep(lengths: readonly number[], T: number): number[] {
  const counts = new Array<number>(T).fill(0)
  for (const length of lengths) for (let t = 0; t < Math.min(length, T); t++) counts[t]!++
  return counts
}

/** Mask [N, T, 1] with 1 where t < lengths[n]; null when every position is valid. */
export function sequenceMask(lengths: readonly number[], T: number): Tensor3D | null {
  if (lengths.every((l) => l >= T)) return null
  const values = new Float32Array(lengths.length * T)
  lengths.forEach((length, n) => values.fill(1, n * T, n * T + Math.min(length, T)))
  return tf.tensor3d(values, [lengths.length, T, 1])
}
