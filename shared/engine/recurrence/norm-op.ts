// One normalizer over a whole sequence as an op, through the recurrence's own normalizing
// kernels (moments, apply, backward): how the PyTorch reference cases for normalizers run, so
// they check the kernels training uses. The input is stacked over time ([T·N, C], row t·N + n);
// the norm acts as it does on a cell's input term.
import { valueWeight } from '../../kinds/norms/normalization'
import { normDefinition, type NormKind } from '../../kinds'
import type { Moments } from '../core/moments'
import { tf, type Tensor, type Tensor2D } from '../core/tf'
import { columnProductOp, momentsOp, normApplyOp, normGradOp, isHostBackend } from './kernels/ops'
import type { SequenceBatch } from './sequence/types'
import { termNorm } from './sequence/term-norms'
import { reorder, sampleOrder } from './sequence/sample-order'
import type { NormAttrs } from './kernels/names'

type Save = (tensors: Tensor[]) => void

const columnSum = (x: Tensor2D): Tensor =>
  isHostBackend() ? tf.reshape(columnProductOp(undefined, x, 0, x.shape[1]), [x.shape[1]]) : tf.sum(x, 0)

/** y = N(X) for X [T·N, C] with γ, β [C]; `stats` holds the batch statistics a batch norm used (kept: the caller disposes them). */
export function normalizeSequence(
  norm: NormKind,
  groups: number,
  eps: number,
  X: Tensor2D,
  batch: SequenceBatch,
  gamma: Tensor,
  beta: Tensor,
): { y: Tensor2D; stats: Moments | null } {
  const { N, T, lengths, counts } = batch
  const C = X.shape[1]
  const { attrs, segments } = termNorm({ cell: 'rnn', norm, inputSize: C, hidden: C, outputs: 1, groups, eps }, 'x')
  if (normDefinition(norm).over === 'none') return { y: X, stats: null }
  if (segments === 'sample') {
    // Per sample over its own steps: the same kernels on the sample-major rows (tfjs differentiates the reordering).
    const order = sampleOrder(N, T, lengths)
    const { y, stats } = normalizeRows(
      attrs,
      reorder(X, order.toSample, order.toTime),
      order.weights,
      N,
      T,
      gamma,
      beta,
    )
    return { y: reorder(y, order.toTime, order.toSample), stats }
  }
  const total = counts.reduce((a, b) => a + b, 0)
  const w = new Float32Array(T * N)
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++)
      if (t < lengths[n]!) w[t * N + n] = valueWeight(segments === 'sequence' ? total : counts[t]!)
  const W = tf.tensor2d(w, [T * N, 1])
  return segments === 'sequence'
    ? normalizeRows(attrs, X, W, 1, T * N, gamma, beta)
    : normalizeRows(attrs, X, W, T, N, gamma, beta)
}

/** The normalizing kernels over X's rows in S segments of `rowsPerSegment` rows each (weights W), forward and backward. */
function normalizeRows(
  attrs: NormAttrs,
  X: Tensor2D,
  W: Tensor2D,
  S: number,
  rowsPerSegment: number,
  gamma: Tensor,
  beta: Tensor,
): { y: Tensor2D; stats: Moments | null } {
  const C = X.shape[1]
  const side: { stats: Moments | null } = { stats: null }
  const op = tf.customGrad(((x: Tensor2D, g: Tensor, b: Tensor, save: Save) => {
    const stats =
      attrs.stats === 'batch'
        ? momentsOp(x, W, { segments: S, col0: 0, width: C, wOffset: 0, center: attrs.center })
        : undefined
    if (stats) {
      const [mean, variance] = tf.split(stats, [C, C], 1)
      side.stats = { mean: tf.keep(mean!), variance: tf.keep(variance!) }
    }
    // A GPU reads γ and β as the rows of one tensor (see op.ts).
    const gb = isHostBackend()
      ? { gamma: g, beta: b }
      : { gammaBeta: tf.concat([tf.reshape(g, [1, -1]), tf.reshape(b, [1, -1])], 0) }
    const y = normApplyOp(x, { ...gb, ...(stats ? { stats } : {}) }, { ...attrs, rowsPerSegment, statsRow: 0 })
    // Everything backward reads is saved: what the forward made otherwise is gone by then.
    save([x, gb.gammaBeta ?? g, W, ...(stats ? [stats] : [])])
    return {
      value: y,
      gradFunc: (dy: Tensor, [sx, sg, sW, sStats]: Tensor[]) => {
        const [du, dyXhat] = normGradOp(
          dy as Tensor2D,
          sx as Tensor2D,
          {
            ...(isHostBackend() ? { gamma: sg } : { gammaBeta: sg }),
            ...(sStats ? { stats: sStats as Tensor2D, w: sW as Tensor2D } : {}),
          },
          { ...attrs, rowsPerSegment, statsRow: 0, dyCol0: 0, rowOffset: 0 },
        )
        return [du, columnSum(dyXhat), columnSum(dy as Tensor2D)]
      },
    }
  }) as never) as unknown as (x: Tensor2D, g: Tensor, b: Tensor) => Tensor2D
  return { y: op(X, gamma, beta), stats: side.stats }
}
