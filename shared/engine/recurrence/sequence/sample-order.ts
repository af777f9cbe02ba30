// InstanceNorm's statistics are per sample: one sample's valid steps of each feature. The
// recurrence stacks rows time-major (row t·N + n), so a sample's rows are N apart; reordered
// sample-major (row n·T + t) they are T contiguous rows, a segment — and the normalizing kernels
// every backend already has for segmented batch statistics (moments, apply, backward) compute
// InstanceNorm exactly, weighted 1/length over the sample's valid steps, 0 on its padding.
import { valueWeight } from '../../../kinds/norms/normalization'
import { tf, type Tensor1D, type Tensor2D } from '../../core/tf'

export interface SampleOrder {
  /** Gather indices: sample-major row n·T + t takes time-major row t·N + n. */
  toSample: Tensor1D
  /** And back. */
  toTime: Tensor1D
  /** Sample-major weights [T·N, 1]: 1/lengths[n] on a valid step of sample n, 0 on its padding. */
  weights: Tensor2D
}

export function sampleOrder(N: number, T: number, lengths: readonly number[]): SampleOrder {
  const toSample = new Int32Array(T * N)
  const toTime = new Int32Array(T * N)
  const weights = new Float32Array(T * N)
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++) {
      toSample[n * T + t] = t * N + n
      toTime[t * N + n] = n * T + t
      if (t < lengths[n]!) weights[n * T + t] = valueWeight(lengths[n]!)
    }
  return {
    toSample: tf.tensor1d(toSample, 'int32'),
    toTime: tf.tensor1d(toTime, 'int32'),
    weights: tf.tensor2d(weights, [T * N, 1]),
  }
}

/**
 * The rows of `x` gathered by `indices`, a permutation whose inverse is `inverse`: its gradient is
 * the inverse gather (tfjs's own for gather scatters with UnsortedSegmentSum, which the wasm
 * backend lacks; a permutation needs none).
 */
export function reorder(x: Tensor2D, indices: Tensor1D, inverse: Tensor1D): Tensor2D {
  const op = tf.customGrad(((v: Tensor2D, save: (t: tf.Tensor[]) => void) => {
    save([inverse])
    return {
      value: tf.gather(v, indices) as Tensor2D,
      gradFunc: (dy: Tensor2D, [back]: tf.Tensor[]) => tf.gather(dy, back as Tensor1D),
    }
  }) as never) as unknown as (v: Tensor2D) => Tensor2D
  return op(x)
}
