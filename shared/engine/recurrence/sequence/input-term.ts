// The input term, before and after the time loop: it does not depend on the recurrence, so all its
// steps at once — U = X·Wx, its statistics (per step, over the sequence, or per sample over its
// own steps for InstanceNorm, on the sample-major rows), N_x(U) + b; and backward its normalizer's
// gradient over every step.
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../../core/tf'
import { momentsOp, normApplyOp, normGradOp } from '../kernels/ops'
import { populationOf, type Params, type SequenceContext } from './context'
import { columnSum, type NormInputsOf } from './matmuls'

export interface InputTerm {
  U: Tensor2D
  /** Batch norms' and InstanceNorm's statistics of U ([segments, 2C]); none for the others. */
  statsX: Tensor2D | undefined
  /** N_x(U) + b, time-major [T·N, C]. */
  XZ: Tensor2D
}

export function inputTermForward(ctx: SequenceContext, p: Params, normInputs: NormInputsOf): InputTerm {
  const { N, T, C, norms, bySample, wX } = ctx
  const U = tf.matMul(ctx.X, p.Wx as Tensor2D) as Tensor2D
  const x = norms.x.attrs
  if (bySample) {
    // Each sample's own statistics, in training and evaluation alike (no population).
    const Us = tf.gather(U, bySample.toSample) as Tensor2D
    const statsX = momentsOp(Us, wX, { segments: N, col0: 0, width: C, wOffset: 0, center: x.center })
    const XZ = tf.gather(
      normApplyOp(Us, { ...normInputs('x', statsX), bias: p.b }, { ...x, rowsPerSegment: T, statsRow: 0 }),
      bySample.toTime,
    ) as Tensor2D
    return { U, statsX, XZ }
  }
  let statsX: Tensor2D | undefined
  if (x.stats === 'batch') {
    const segments = norms.x.segments === 'sequence' ? 1 : T
    const fromBatch = () => momentsOp(U, wX, { segments, col0: 0, width: C, wOffset: 0, center: x.center })
    const rows = populationOf(ctx, 'x')
    // Evaluation: the population's rows, and past them (policy "batch") the batch's own.
    if (ctx.train || !rows) statsX = fromBatch()
    else
      statsX =
        rows.shape[0]! >= segments
          ? rows
          : (tf.concat(
              [rows, tf.slice(fromBatch(), [rows.shape[0]!, 0], [segments - rows.shape[0]!, 2 * C])],
              0,
            ) as Tensor2D)
  }
  const XZ = normApplyOp(
    U,
    { ...normInputs('x', statsX), bias: p.b },
    { ...x, rowsPerSegment: norms.x.segments === 'sequence' ? T * N : N, statsRow: 0 },
  )
  return { U, statsX, XZ }
}

/**
 * The input term's normalizer backward over every step, from the packed step gradients Pall
 * (columns dyCol0…): dU and dγ_x; none without an input norm (dU is then P's input columns).
 */
export function inputTermBackward(
  ctx: SequenceContext,
  normInputs: NormInputsOf,
  saved: { Pall: Tensor2D; U: Tensor2D; statsX: Tensor2D; wX: Tensor2D; toSample?: Tensor; toTime?: Tensor },
): { dU?: Tensor2D; dGammaX?: Tensor } {
  const { N, T, H, layout, norms } = ctx
  const x = norms.x.attrs
  const dyCol0 = layout.dx.col * H
  if (ctx.bySample) {
    // On the sample-major rows, as forward normalized them; the input gradient goes back to time-major.
    const toSample = saved.toSample as Tensor1D
    const [du, dyXhat] = normGradOp(
      tf.gather(saved.Pall, toSample) as Tensor2D,
      tf.gather(saved.U, toSample) as Tensor2D,
      { ...normInputs('x'), stats: saved.statsX, w: saved.wX },
      { ...x, rowsPerSegment: T, dyCol0, rowOffset: 0, statsRow: 0 },
    )
    return { dU: tf.gather(du, saved.toTime as Tensor1D) as Tensor2D, dGammaX: columnSum(dyXhat) }
  }
  if (x.stats === 'none') return {}
  const rowsPerSegment = norms.x.segments === 'sequence' ? T * N : N
  const [du, dyXhat] = normGradOp(
    saved.Pall,
    saved.U,
    { ...normInputs('x'), ...(x.stats === 'batch' ? { stats: saved.statsX, w: saved.wX } : {}) },
    { ...x, rowsPerSegment, dyCol0, rowOffset: 0, statsRow: 0 },
  )
  return { dU: du, dGammaX: columnSum(dyXhat) }
}
