// No normalization: every term passes through.
import { defineNorm } from './norm'

export const none = defineNorm({ kind: 'none', over: 'none', terms: 'none', center: false, grouped: false, source: '' })
