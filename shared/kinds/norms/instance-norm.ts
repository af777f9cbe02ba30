// InstanceNorm over time (Ulyanov et al. 2016), as speech systems normalize each utterance: the
// input term only, each sample's each feature over that sample's own valid steps. No batch enters
// (a batch of one trains alike), but the sequence's length does: a short sample's statistics come
// from few steps, and the same statistics are used in training and evaluation (no population).
import { defineNorm } from './norm'

export const instanceNorm = defineNorm({
  kind: 'in',
  over: 'sample-sequence',
  terms: 'input',
  center: true,
  grouped: false,
  source: 'Ulyanov et al. 2016, Instance Normalization (per-utterance mean/variance normalization over time)',
})
