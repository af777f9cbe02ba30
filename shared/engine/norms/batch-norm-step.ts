// Per-time-step BN (Cooijmans et al. 2016): each term at step t is normalized with the batch
// statistics of that step over its valid samples; γ/β are shared across time. At evaluation the
// population statistics of step t are used; past the last trained step the policy decides
// (population.ts): `batch` falls back to the test batch's own statistics.
import { tf, type Tensor2D } from '../tf'
import { normalizeWith, stackRows, weightedBatchNorm } from './batch-stats'
import type { Normalizer, NormPass, PassContext, PopulationUpdate } from './normalizer'
import type { Moments } from './types'
import type { TermName } from '../../kinds'

function begin(ctx: PassContext): NormPass {
  const { batch, mode, eps } = ctx
  const train = mode === 'train'
  /** Train: what each term normalized with at each step, for the population update. */
  const used = new Map<TermName, { rows: Moments[]; features: number }>()
  /** Eval: population rows per term and step (the policy fills steps past training). */
  const population = new Map<TermName, { mean: Tensor2D[]; variance: Tensor2D[] }>()
  const populationRows = (term: TermName) => {
    let rows = population.get(term)
    if (!rows) {
      const m = ctx.population.rows(term, batch.T, ctx.policy)
      const steps = m.mean.shape[0]!
      rows = { mean: tf.split(m.mean, steps, 0) as Tensor2D[], variance: tf.split(m.variance, steps, 0) as Tensor2D[] }
      population.set(term, rows)
    }
    return rows
  }
  return {
    apply(term, v, t) {
      if (!train) {
        const rows = populationRows(term)
        if (t < rows.mean.length) return { y: normalizeWith(v, { mean: rows.mean[t]!, variance: rows.variance[t]! }, ctx.affine(term), eps), moments: null }
        // Past the trained length under the "batch" policy: the test batch's own statistics.
      }
      const r = weightedBatchNorm(v, batch.weights[t]!, ctx.affine(term), eps)
      const moments = { mean: r.mean, variance: r.variance }
      if (train) {
        const entry = used.get(term) ?? { rows: [], features: v.shape[1] }
        entry.rows[t] = moments
        used.set(term, entry)
      }
      return { y: r.y, moments }
    },
    populationUpdates(): PopulationUpdate[] {
      return [...used].map(([term, { rows, features }]) => ({ term, moments: stackRows(rows, batch.T, features), counts: [...batch.counts] }))
    },
  }
}

export const batchNormPerStep: Normalizer = {
  kind: 'bn_step',
  begin,
  normCount: (_term, _features, counts) => [...counts],
}
