// One normalizer object per norm kind. To add a norm: a file here implementing Normalizer, its
// kind in shared/kinds.ts (NORMS, normalizedTerms), an entry below, and a PyTorch reference case.
import type { NormKind } from '../../kinds'
import { batchNormPerSequence } from './batch-norm-seq'
import { batchNormPerStep } from './batch-norm-step'
import { groupNorm, layerNorm } from './feature-norm'
import type { Normalizer } from './normalizer'
import { noNorm } from './none'

const NORMALIZERS: Record<NormKind, Normalizer> = {
  none: noNorm,
  bn_step: batchNormPerStep,
  bn_seq: batchNormPerSequence,
  ln: layerNorm,
  gn: groupNorm,
}

export function normalizerFor(kind: NormKind): Normalizer {
  return NORMALIZERS[kind]
}

export type { Normalizer, NormPass, PassContext, BatchLayout, PopulationUpdate } from './normalizer'
export { countsPerStep, rowWeights, stepWeights, type Affine, type Moments, type RowWeights } from './types'
export { normalizeWith, weightedBatchNorm, weightedMoments } from './batch-stats'
