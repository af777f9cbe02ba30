// A task: where samples come from, what the model outputs, and whether it can make sequences of
// any length (only generated tasks can be tested at 1.5T, 2T, 4T).
import { Rng } from '../core/rng'
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

/**
 * A generated task's held-out set: drawn once from its own seeded stream, so every call (and
 * every run with the same seed) sees the same samples.
 */
export function generatedHeldOut(seed: number, label: string, draw: (rng: Rng) => Sample): (count: number) => Sample[] {
  const rng = Rng.derive(seed, `${label}/held-out`)
  const samples: Sample[] = []
  return (count) => {
    while (samples.length < count) samples.push(draw(rng))
    return samples.slice(0, count)
  }
}

/**
 * A task over a fixed list of items: shuffled once by the seed, split into training and held-out
 * parts, training items served in a reshuffled order each epoch.
 */
export function datasetTask<T>(
  items: readonly T[],
  seed: number,
  heldOutFraction: number,
  toSample: (item: T) => Sample,
  describe: Omit<Task, 'train' | 'heldOut' | 'trainLength'> & { trainLength?: number },
): Task {
  const order = Rng.derive(seed, `${describe.name}/split`).shuffle([...items])
  const split = Math.max(1, Math.floor(order.length * (1 - heldOutFraction)))
  const training = order.slice(0, split)
  const heldOut = order.length > split ? order.slice(split) : training
  const next = epochSampler(training.length)
  return {
    ...describe,
    trainLength: describe.trainLength ?? training.reduce((max, item) => Math.max(max, toSample(item).length), 0),
    train: (rng) => toSample(training[next(rng)]!),
    heldOut: (count) => heldOut.slice(0, count).map(toSample),
  }
}
