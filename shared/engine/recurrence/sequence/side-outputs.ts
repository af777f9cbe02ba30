// What a training forward sends out beside its value, from the tensors the loop stacked: per-step
// BN's and sequence-wise BN's population updates, every term's recorded moments over the valid
// samples (when recording), and the terms' pre-normalization values (the explorable's snapshot).
import type { TermName } from '../../../kinds'
import type { Moments } from '../../core/moments'
import { tf, type Tensor2D } from '../../core/tf'
import { momentsOp } from '../kernels/ops'
import { perStepBatch, type SequenceContext } from './context'
import type { Stacked } from './forward-loop'
import { columns, split } from './matmuls'
import type { SideOutputs } from './types'

export function sideOutputs(
  ctx: SequenceContext,
  stacked: Stacked,
  U: Tensor2D,
  statsX: Tensor2D | undefined,
  side: SideOutputs,
): void {
  const { T, C, H, terms, layout, norms, options, counts } = ctx
  const { Vall, Aall, statsHall, statsCall } = stacked
  const momentsOf = (v: Tensor2D, col0: number, W: number) =>
    split(momentsOp(v, ctx.wStep, { segments: T, col0, width: W, wOffset: 0, center: true }), W)
  // Kept past the op's scope: the caller disposes them.
  const keepMoments = (m: Moments): Moments => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) })
  /** A term's batch statistics equal its recorded moments (per step, centered): reuse them. */
  const sameAsRecorded = (term: TermName) => perStepBatch(ctx, term) && norms[term].attrs.center
  const all: Record<TermName, () => Moments> = {
    x: () => (sameAsRecorded('x') ? split(statsX!, C) : momentsOf(U, 0, C)),
    h: () => (statsHall && sameAsRecorded('h') ? split(statsHall, C) : momentsOf(Vall, 0, C)),
    c: () => (statsCall && sameAsRecorded('c') ? split(statsCall, H) : momentsOf(Aall, layout.innerColumn! * H, H)),
  }
  if (options.record) for (const term of terms) side.recorded[term] = keepMoments(all[term]())
  if (options.snapshot) {
    const values: Record<TermName, () => Tensor2D> = {
      x: () => U,
      h: () => Vall,
      c: () => columns(Aall, layout.innerColumn! * H, H),
    }
    for (const term of terms) side.snapshot[term] = tf.keep(term === 'c' ? values.c() : tf.clone(values[term]()))
  }
  for (const term of terms.filter((term) => perStepBatch(ctx, term))) {
    const stats = term === 'x' ? statsX! : term === 'h' ? statsHall! : statsCall!
    side.updates.push({ term, moments: keepMoments(split(stats, term === 'c' ? H : C)), counts: [...counts] })
  }
  if (norms.x.segments === 'sequence')
    side.updates.push({ term: 'x', moments: keepMoments(split(statsX!, C)), counts: [ctx.total] })
}
