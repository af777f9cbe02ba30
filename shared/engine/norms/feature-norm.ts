// LayerNorm (Ba et al. 2016) and GroupNorm: each sample at each step normalized over its own
// features (GN: over each of `groups` contiguous groups), so neither the batch nor the length
// enters: every term, every step, the same number of values behind each statistic.
import type { Tensor2D } from '../tf'
import { fusedFeatureNorm } from './fused'
import { perValidStep, type Normalizer, type NormPass, type PassContext } from './normalizer'

function featureNorm(kind: 'ln' | 'gn'): Normalizer {
  const groupsOf = (ctx: { groups: number }) => (kind === 'ln' ? 1 : ctx.groups)
  return {
    kind,
    begin(ctx: PassContext): NormPass {
      const groups = groupsOf(ctx)
      return {
        apply(term, v: Tensor2D) {
          const C = v.shape[1]
          if (C % groups !== 0) throw new Error(`GroupNorm needs the features (${C}) to divide into ${groups} groups`)
          return { y: fusedFeatureNorm(v, groups, ctx.affine(term), ctx.eps), moments: null }
        },
        populationUpdates: () => [],
      }
    },
    normCount: (_term, features, counts, groups) => perValidStep(counts, features / (kind === 'ln' ? 1 : groups)),
  }
}

export const layerNorm = featureNorm('ln')
export const groupNorm = featureNorm('gn')
