// RMSNorm (Zhang & Sennrich 2019): each sample at each step over its own features, scaled by the
// root mean square without centering, y = x/√(mean(x²) + ε)·γ + β; LayerNorm's place, cheaper.
import { defineNorm } from './norm'

export const rms = defineNorm({
  kind: 'rms',
  over: 'features',
  terms: 'all',
  center: false,
  grouped: false,
  source: 'Zhang & Sennrich 2019, Root Mean Square Layer Normalization',
})
