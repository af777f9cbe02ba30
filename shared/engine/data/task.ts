// A task: where samples come from, what the model outputs, and whether it can make sequences of
// any length (only generated tasks can be tested at 1.5T, 2T, 4T).
import type { Rng } from '../rng'
import type { Sample, TargetKind } from './batch'

export interface Task {
  name: string
  inputSize: number
  outputs: number
  targetKind: TargetKind
  /** The longest training sequence: the "T" that length generalization multiplies. */
  trainLength: number
  /** Draws the next training sample. */
  train(rng: Rng): Sample
  /** A fixed held-out set (the same for every call). */
  heldOut(count: number): Sample[]
  /** Generated tasks only: a sample of exactly this length. */
  atLength?(rng: Rng, length: number): Sample
}

/** Cycles through a fixed training split in an order reshuffled each epoch. */
export function epochSampler(count: number): (rng: Rng) => number {
  let order: number[] = []
  let next = 0
  return (rng) => {
    if (next >= order.length) {
      order = rng.shuffle(Array.from({ length: count }, (_, i) => i))
      next = 0
    }
    return order[next++]!
  }
}
