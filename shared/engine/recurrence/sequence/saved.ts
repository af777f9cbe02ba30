// What a training forward saves for its backward, by name: tfjs's customGrad saves a list, and
// this is the one place that list's order is written.
import { tf, type Tensor, type Tensor2D } from '../../core/tf'
import type { SequenceContext } from './context'
import type { Stacked } from './forward-loop'

export interface Saved extends Stacked {
  X: Tensor2D
  keep: Tensor2D
  wStep: Tensor2D
  wX: Tensor2D
  U: Tensor2D
  statsX: Tensor2D
  flat: Tensor
  toSample?: Tensor
  toTime?: Tensor
}

const ORDER = [
  'X',
  'keep',
  'wStep',
  'wX',
  'U',
  'statsX',
  'Hprev',
  'Cprev',
  'Vall',
  'Aall',
  'statsHall',
  'statsCall',
  'flat',
] as const

/** The list to save: absent tensors as one small placeholder (customGrad saves tensors only). */
export function toSave(
  ctx: SequenceContext,
  s: Omit<Saved, 'flat' | 'statsX' | 'toSample' | 'toTime'> & { statsX?: Tensor2D; flat?: Tensor },
): Tensor[] {
  const dummy = tf.zeros([1, 2]) as Tensor2D
  const named = s as unknown as Record<string, Tensor | undefined>
  return [
    ...ORDER.map((name) => named[name] ?? dummy),
    ...(ctx.bySample ? [ctx.bySample.toSample, ctx.bySample.toTime] : []),
  ]
}

/** The saved list back by name. */
export function fromSaved(saved: readonly Tensor[]): Saved {
  const out = Object.fromEntries(ORDER.map((name, i) => [name, saved[i]])) as unknown as Saved
  return { ...out, toSample: saved[ORDER.length], toTime: saved[ORDER.length + 1] }
}
