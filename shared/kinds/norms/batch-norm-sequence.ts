// Sequence-wise BN (Laurent et al. 2016): the input term only, with one set of statistics over
// every valid (sample, step) pair; the recurrent and cell terms are left alone.
import { defineNorm } from './norm'

export const bnSeq = defineNorm({
  kind: 'bn_seq',
  over: 'batch-sequence',
  terms: 'input',
  center: true,
  grouped: false,
  source: 'Laurent et al. 2016, Batch Normalized Recurrent Neural Networks',
})
