// No normalization: every term passes through.
import { IDENTITY_PASS, type Normalizer } from './normalizer'

export const noNorm: Normalizer = {
  kind: 'none',
  begin: () => IDENTITY_PASS,
  normCount: () => null,
}
