// The one-dispatch time loop's contract (webgpu/sequence.ts runs it; op.ts reads it): what the
// kernels are told, and where their one output keeps each stacked tensor — backend-neutral, so
// the op reads its sections without knowing how they were computed.
import { cellShape } from './layout'
import type { NormAttrs } from './names'

/** What the sequence kernels are told about the loop: the cell, the norms inside it, the output's layout. */
export interface SequenceAttrs {
  cell: string
  /** The recurrent term's norm and the inner term's (identity when the cell has none). */
  hNorm: NormAttrs
  innerNorm: NormAttrs
  /** Per-step batch statistics inside the loop: one workgroup holds the whole batch. */
  wholeBatch: boolean
}

export interface SequenceForwardAttrs extends SequenceAttrs {
  T: number
  /** Evaluation: how many leading steps have population statistics (the rest use the batch's). */
  popRowsH: number
  popRowsC: number
}

export interface SequenceBackwardAttrs extends SequenceAttrs {
  T: number
  /** dy is the per-step outputs' gradient [T·N, H] (else the last h's, [N, H]). */
  sequenceOutput: boolean
}

/** Where the forward's output keeps each stacked tensor, in floats, for T steps of N samples. */
export interface ForwardLayout {
  /** h before each step and after the last: [(T+1)·N, H] (row block 0: zeros). */
  h: number
  /** The same for c (-1 without). */
  c: number
  V: number
  /** The activations [T·N, aWidth·H] (-1 when the new h is the activation: read h instead). */
  A: number
  /** Per-step batch statistics of the recurrent term [T, 2C] and the inner term [T, 2H] (-1 without). */
  statsH: number
  statsC: number
  size: number
}

export function forwardLayout(a: SequenceAttrs, T: number, N: number, H: number): ForwardLayout {
  const cell = cellShape(a.cell as never)
  const C = cell.layout.G * H
  let at = 0
  const take = (n: number, present = true) => {
    if (!present) return -1
    const o = at
    at += n
    return o
  }
  const h = take((T + 1) * N * H)
  const c = take((T + 1) * N * H, cell.hasC)
  const V = take(T * N * C)
  const A = take(T * N * cell.aWidth * H, !cell.layout.stateIsActivation)
  const statsH = take(T * 2 * C, a.hNorm.stats === 'batch')
  const statsC = take(T * 2 * H, a.innerNorm.stats === 'batch')
  return { h, c, V, A, statsH, statsC, size: at }
}

/** Where the backward's output keeps P [T·N, width·H], dV and dy·x̂ [T·N, C] (-1 without a recurrent norm). */
export interface BackwardLayout {
  P: number
  dV: number
  dyXhat: number
  /** Scratch: the gradient into h, two slots [2, N, H]; batch sums [2C + 2H + 1]. */
  dh: number
  sums: number
  size: number
}

export function backwardLayout(a: SequenceAttrs, T: number, N: number, H: number): BackwardLayout {
  const cell = cellShape(a.cell as never)
  const C = cell.layout.G * H
  const P = 0
  let at = T * N * cell.layout.width * H
  const hasNorm = a.hNorm.stats !== 'none'
  const dV = hasNorm ? at : -1
  if (hasNorm) at += T * N * C
  const dyXhat = hasNorm ? at : -1
  if (hasNorm) at += T * N * C
  const dh = at
  at += 2 * N * H
  const sums = at
  at += 2 * C + 2 * H + 1
  return { P, dV, dyXhat, dh, sums, size: at }
}
