// LayerNorm (Ba et al. 2016): each sample at each step over its own features, so neither the
// batch nor the length enters.
import { defineNorm } from './norm'

export const ln = defineNorm({
  kind: 'ln',
  over: 'features',
  terms: 'all',
  center: true,
  grouped: false,
  source: 'Ba et al. 2016, Layer Normalization',
})
