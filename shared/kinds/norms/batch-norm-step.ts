// Per-time-step BN (Cooijmans et al. 2016): each term at step t normalized with that step's batch
// statistics over its valid samples; γ, β shared across time; population statistics per step.
import { defineNorm } from './norm'

export const bnStep = defineNorm({
  kind: 'bn_step',
  over: 'batch-step',
  terms: 'all',
  center: true,
  grouped: false,
  source: 'Cooijmans et al. 2016, Recurrent Batch Normalization',
})
