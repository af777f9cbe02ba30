// What every normalizer works with: γ/β, statistics as [1, C] rows, and the weights that make a
// batch statistic an average over the valid samples only (w = mask / count).
import { valueWeight } from '../../kinds/norms/normalization'
import { tf, type Tensor, type Tensor2D } from './tf'

export interface Affine {
  gamma: Tensor
  beta: Tensor
}

/** Statistics of one normalizer application: [1, C] rows for batch statistics, [T, C] stacked. */
export interface Moments {
  mean: Tensor
  variance: Tensor
}

/** Weights of the rows of a batch, w[n] = mask[n] / count, as a column [R, 1] and a row [1, R]. */
export interface RowWeights {
  col: Tensor2D
  row: Tensor2D
}

export function rowWeights(values: Float32Array): RowWeights {
  return { col: tf.tensor2d(values, [values.length, 1]), row: tf.tensor2d(values, [1, values.length]) }
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
  if (count > 0) lengths.forEach((length, n) => (w[n] = t < length ? valueWeight(count) : 0))
  return w
}
