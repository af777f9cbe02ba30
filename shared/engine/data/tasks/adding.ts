// The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): two channels, a random
// value and a marker; the target is the sum of the two marked values, one marker in each half
// of the sequence. Predicting 1 always gives MSE ≈ 0.167.
import type { Rng } from '../../core/rng'
import type { Sample } from '../batch'
import { maxLength, sampleLength, type LengthDistribution } from '../lengths'
import { generatedHeldOut, type Task } from '../task'

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
  const draw = (rng: Rng) => addingSample(rng, sampleLength(lengths, rng))
  return {
    name: 'adding',
    inputSize: 2,
    outputs: 1,
    targetKind: 'regression',
    trainLength: maxLength(lengths),
    train: draw,
    heldOut: generatedHeldOut(seed, 'adding', draw),
    atLength: (rng, length) => addingSample(rng, length),
  }
}
