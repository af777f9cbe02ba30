// The time loop backward, last step first: each step's cell backward (its packed gradient P,
// layout.ts), the recurrent term's normalizer backward, and dV·Whᵀ into the step before. On WebGPU
// the whole loop is one kernel, its stacked gradients read out of its one output.
import { tf, type Tensor, type Tensor2D } from '../../core/tf'
import { cellBackwardOp, normGradOp, sequenceBackwardOp, stackOp } from '../kernels/ops'
import { backwardLayout } from '../kernels/sequence-layout'
import { atStep, identityNorm, type Params, type SequenceContext } from './context'
import { oneDispatchLoop, sequenceAttrs } from './forward-loop'
import { recurrentMatMul, type NormInputsOf } from './matmuls'
import type { Saved } from './saved'

/** Every step's gradients stacked over time: P, and with a recurrent norm dV and dy·x̂ (for dγ_h). */
export interface LoopGradients {
  Pall: Tensor2D
  dVall?: Tensor2D
  dUvAll?: Tensor2D
}

/** The backward time loop: dy is the gradient of the last h, or of every step's h ([N, T, H]) for per-step outputs. */
export function backwardLoop(
  ctx: SequenceContext,
  p: Params,
  dy: Tensor,
  s: Saved,
  normInputs: NormInputsOf,
): LoopGradients {
  const dhOut = ctx.options.sequenceOutput
    ? (tf.reshape(tf.transpose(dy, [1, 0, 2]), [ctx.T * ctx.N, ctx.H]) as Tensor2D)
    : undefined
  return oneDispatchLoop(ctx)
    ? oneDispatchBackward(ctx, p, dy, dhOut, s, normInputs)
    : backwardByStep(ctx, p, dy, dhOut, s, normInputs)
}

function oneDispatchBackward(
  ctx: SequenceContext,
  p: Params,
  dy: Tensor,
  dhOut: Tensor2D | undefined,
  s: Saved,
  normInputs: NormInputsOf,
): LoopGradients {
  const { N, T, H, C, innerTerm, layout } = ctx
  const attrs = sequenceAttrs(ctx)
  const flat = sequenceBackwardOp(
    {
      fwd: s.flat,
      keep: s.keep,
      Wh: p.Wh as Tensor2D,
      dy: dhOut ?? (dy as Tensor2D),
      gbH: normInputs('h').gammaBeta,
      gbC: innerTerm ? normInputs(innerTerm).gammaBeta : undefined,
    },
    { ...attrs, T, sequenceOutput: ctx.options.sequenceOutput },
  )
  const L = backwardLayout(attrs, T, N, H)
  const section = (at: number, cols: number) =>
    tf.reshape(tf.slice(flat, [at], [T * N * cols]), [T * N, cols]) as Tensor2D
  return {
    Pall: section(L.P, layout.width * H),
    dVall: L.dV >= 0 ? section(L.dV, C) : undefined,
    dUvAll: L.dyXhat >= 0 ? section(L.dyXhat, C) : undefined,
  }
}

/** Step by step: the cell's backward, the recurrent norm's backward and dV·Whᵀ, each a kernel a step. */
function backwardByStep(
  ctx: SequenceContext,
  p: Params,
  dy: Tensor,
  dhOut: Tensor2D | undefined,
  s: Saved,
  normInputs: NormInputsOf,
): LoopGradients {
  const { N, T, H, C, def, layout, innerTerm, norms, counts } = ctx
  const P = layout.width * H
  const hNorm = norms.h.attrs
  const innerNorm = innerTerm ? norms[innerTerm].attrs : identityNorm(ctx)
  const Wh = recurrentMatMul(p.Wh as Tensor2D, N, true)
  let dhRec = dhOut ? (tf.zeros([N, H]) as Tensor2D) : (dy as Tensor2D)
  let prev: Tensor2D | undefined
  const Ps: Tensor2D[] = new Array(T)
  const dV: Tensor2D[] = new Array(T)
  const dUv: Tensor2D[] = []
  for (let t = T - 1; t >= 0; t--) {
    if (counts[t] === 0) {
      // The state passed through: its gradient too (plus this step's output's).
      if (dhOut) dhRec = tf.add(dhRec, tf.slice(dhOut, [t * N, 0], [N, H])) as Tensor2D
      Ps[t] = tf.zeros([N, P]) as Tensor2D
      dV[t] = tf.zeros([N, C]) as Tensor2D
      continue
    }
    const Pt = cellBackwardOp(
      {
        dhRec,
        ...(prev ? { prev } : {}),
        ...(dhOut ? { dhOut } : {}),
        A: s.Aall,
        hPrev: s.Hprev,
        ...(def.state.includes('c') ? { cPrev: s.Cprev! } : {}),
        keep: s.keep,
        ...(innerNorm.stats === 'batch' ? { w: s.wStep } : {}),
      },
      innerTerm ? { ...normInputs(innerTerm), ...(innerNorm.stats === 'batch' ? { stats: s.statsCall! } : {}) } : {},
      { cell: def.kind as never, norm: atStep(ctx, innerNorm, t), rowOffset: t * N },
    )
    if (hNorm.stats !== 'none') {
      const [du, dyXhat] = normGradOp(
        Pt,
        s.Vall,
        { ...normInputs('h'), ...(hNorm.stats === 'batch' ? { stats: s.statsHall!, w: s.wStep } : {}) },
        { ...hNorm, rowsPerSegment: N, dyCol0: layout.du.col * H, rowOffset: t * N, statsRow: t },
      )
      dV[t] = du
      dUv.push(dyXhat)
      dhRec = Wh.backward(du)
    } else dhRec = Wh.backward(Pt, layout.du.col * H, C) // dV is P's recurrent columns
    Ps[t] = Pt
    prev = Pt
  }
  return {
    Pall: stackOp(Ps),
    dVall: hNorm.stats !== 'none' ? stackOp(dV) : undefined,
    dUvAll: hNorm.stats !== 'none' ? stackOp(dUv) : undefined,
  }
}
