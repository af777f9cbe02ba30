// The charts' colors, one per group (no chart code here: tests and the report read it too).
/**
 * Twelve colors that stay apart for colour-blind readers too (Okabe–Ito's, then Paul Tol's
 * ones): neighbours never share a hue family, so BN and LN are never two oranges.
 * tests/components/palette.test.tsx holds every pair apart.
 */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#332288',
  '#999933',
  '#882255',
  '#000000',
  '#661100',
  '#AA4499',
]
