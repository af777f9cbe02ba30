// GroupNorm (Wu & He 2018) on each term: LayerNorm over each of `groups` contiguous groups of the
// features.
import { defineNorm } from './norm'

export const gn = defineNorm({
  kind: 'gn',
  over: 'features',
  terms: 'all',
  center: true,
  grouped: true,
  source: 'Wu & He 2018, Group Normalization',
})
