// The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): two channels, a random
// value and a marker; the target is the sum of the two marked values, one marker in each half
// of the sequence. Predicting 1 always gives MSE ≈ 0.167.
import { Rng } from '../../rng'
import type { Sample } from '../batch'
import { maxLength, sampleLength, type LengthDistribution } from '../lengths'
import type { Task } from '../task'

export function addingSample(rng: Rng, length: number): Sample {
  const L = Math.max(2, length)
  const x = new Float32Array(L * 2)
  for (let t = 0; t < L; t++) x[t * 2] = rng.next()
  const half = Math.floor(L / 2)
  const a = rng.int(0, half - 1)
  const b = rng.int(half, L - 1)
  x[a * 2 + 1] = 1
  x[b * 2 + 1] = 1
  return { x, length: L, label: x[a * 2]! + x[b * 2]! }
}

export function addingTask(lengths: LengthDistribution, seed: number): Task {
  const heldOutRng = Rng.derive(seed, 'adding/held-out')
  const heldOut: Sample[] = []
  return {
    name: 'adding',
    inputSize: 2,
    outputs: 1,
    targetKind: 'regression',
    trainLength: maxLength(lengths),
    train: (rng) => addingSample(rng, sampleLength(lengths, rng)),
    heldOut: (count) => {
      while (heldOut.length < count) heldOut.push(addingSample(heldOutRng, sampleLength(lengths, heldOutRng)))
      return heldOut.slice(0, count)
    },
    atLength: (rng, length) => addingSample(rng, length),
  }
}
