// Sequence-wise BN (Laurent et al. 2016): one set of statistics over every valid (sample, step)
// pair of the input term x·Wx; the recurrent and cell terms are not normalized. At evaluation the
// one population row is used at every step.
import { tf, type Tensor2D } from '../tf'
import { normalizeWith, weightedBatchNorm } from './batch-stats'
import { perValidStep, type Normalizer, type NormPass, type PassContext } from './normalizer'
import { rowWeights, type Moments } from './types'

function begin(ctx: PassContext, inputs: readonly (Tensor2D | null)[]): NormPass {
  const { batch, eps } = ctx
  const valid = inputs.map((v, t) => (v && batch.counts[t]! > 0 ? t : -1)).filter((t) => t >= 0)
  const total = valid.reduce((a, t) => a + batch.counts[t]!, 0)
  let stats: Moments
  /** Train: every valid step normalized at once, then handed out step by step. */
  const normalized = new Map<number, Tensor2D>()
  if (ctx.mode === 'train') {
    const w = new Float32Array(valid.length * batch.N)
    valid.forEach((t, i) => batch.lengths.forEach((length, n) => (w[i * batch.N + n] = t < length ? 1 / total : 0)))
    const r = weightedBatchNorm(tf.concat(valid.map((t) => inputs[t]!), 0) as Tensor2D, rowWeights(w), ctx.affine('x'), eps)
    stats = { mean: r.mean, variance: r.variance }
    const parts = tf.split(r.y, valid.length, 0) as Tensor2D[]
    valid.forEach((t, i) => normalized.set(t, parts[i]!))
  } else {
    stats = ctx.population.rows('x', 1, 'last')
  }
  return {
    apply(term, v, t) {
      if (term !== 'x') return { y: v, moments: null }
      const y = normalized.get(t) ?? normalizeWith(v, stats, ctx.affine('x'), eps)
      return { y, moments: null }
    },
    populationUpdates: () => (ctx.mode === 'train' ? [{ term: 'x' as const, moments: stats, counts: [total] }] : []),
  }
}

export const batchNormPerSequence: Normalizer = {
  kind: 'bn_seq',
  begin,
  normCount: (term, _features, counts) => (term === 'x' ? perValidStep(counts, counts.reduce((a, b) => a + b, 0)) : null),
}
