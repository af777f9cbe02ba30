// Copy memory (Arjovsky et al. 2016): K symbols, a blank delay, a delimiter, then the model must
// emit the K symbols. Variable lengths vary the delay. Scored on the K answer steps only.
import { COPY_K, COPY_MIN_LENGTH } from '../../../kinds'
import type { Rng } from '../../core/rng'
import type { Sample } from '../batch'
import { maxLength, sampleLength, type LengthDistribution } from '../lengths'
import { generatedHeldOut, type Task } from '../task'

export const COPY_SYMBOLS = 8
export { COPY_K }
/** Inputs: blank, the symbols, the delimiter. Outputs: blank and the symbols. */
const D = COPY_SYMBOLS + 2

export function copySample(rng: Rng, length: number): Sample {
  const L = Math.max(COPY_MIN_LENGTH, length)
  const x = new Float32Array(L * D)
  const labels = new Array<number>(L).fill(0)
  const weights = new Array<number>(L).fill(0)
  const symbols = Array.from({ length: COPY_K }, () => rng.int(1, COPY_SYMBOLS))
  symbols.forEach((s, t) => (x[t * D + s] = 1))
  for (let t = COPY_K; t < L - COPY_K - 1; t++) x[t * D] = 1
  x[(L - COPY_K - 1) * D + COPY_SYMBOLS + 1] = 1
  for (let k = 0; k < COPY_K; k++) {
    const t = L - COPY_K + k
    x[t * D] = 1
    labels[t] = symbols[k]!
    weights[t] = 1
  }
  return { x, length: L, label: 0, steps: { labels, weights } }
}

export function copyTask(lengths: LengthDistribution, seed: number): Task {
  const draw = (rng: Rng) => copySample(rng, sampleLength(lengths, rng))
  return {
    name: 'copy',
    inputSize: D,
    outputs: COPY_SYMBOLS + 1,
    targetKind: 'sequence',
    trainLength: maxLength(lengths),
    train: draw,
    heldOut: generatedHeldOut(seed, 'copy', draw),
    atLength: (rng, length) => copySample(rng, length),
  }
}
