// The recurrence's kernels: their names and attributes, the same on every backend (cpu and wasm
// run js/ and wasm/, the GPUs gpu/). Three are about normalizing, four move or multiply data
// (the step's matMul on GPUs only, the column product and column blocks on cpu and wasm only),
// and three are a cell's time step — forward in one or two stages, backward in one — for every
// cell, read off its definition (shared/kinds/cells).
import type { CellKind } from '../../../kinds'

export const KERNELS = {
  moments: 'NormLabMoments',
  normApply: 'NormLabNormApply',
  normGrad: 'NormLabNormGrad',
  stack: 'NormLabStack',
  stepMatMul: 'NormLabStepMatMul',
  columnProduct: 'NormLabColumnProduct',
  // cpu and wasm only: column blocks copied out (tfjs-backend-wasm's Slice copies its whole input first).
  columns: 'NormLabColumns',
  cellForward: 'NormLabCellForward',
  cellBackward: 'NormLabCellBackward',
  // WebGPU only: the whole time loop in one dispatch (webgpu/sequence.ts).
  sequenceForward: 'NormLabSequenceForward',
  sequenceBackward: 'NormLabSequenceBackward',
} as const

/**
 * Where a normalizer's statistics come from inside a kernel: 'batch', a stats input [S, 2C] of
 * per-column means and variances (weighted over valid samples, or population statistics at
 * evaluation); 'row', each row's own over its features in `groups` groups; 'none', the identity.
 */
export type StatsSource = 'none' | 'batch' | 'row'

export interface NormAttrs {
  stats: StatsSource
  /** Subtract the mean (RMSNorm does not: its "variance" is the mean square). */
  center: boolean
  groups: number
  eps: number
  /** batch: rows per segment of the stats input (N per step, T·N for sequence-wise statistics). */
  rowsPerSegment?: number
  /** batch: the stats row of the first segment (a stacked [T, 2C] read at step t). */
  statsRow?: number
}

/**
 * A cell's forward at one time step. 'gates': the activations A from the gate terms (the
 * recurrent term normalized inline with `norm`); 'state': the new state from A (the cell's inner
 * term normalized inline with `norm`); 'step': both at once, for cells without an inner term.
 * Outputs, in order: A (unless the stage is 'state', or the cell's new h is its only activation),
 * then h, then c.
 */
export interface CellForwardAttrs {
  cell: CellKind
  stage: 'gates' | 'state' | 'step'
  norm: NormAttrs
  /** Where step t's rows start in the stacked inputs (xz, keep): t·N. */
  rowOffset: number
}

/** A cell's backward at one time step (inputs stacked over time, read from rowOffset); `norm` is the inner term's. */
export interface CellBackwardAttrs {
  cell: CellKind
  norm: NormAttrs
  rowOffset: number
}
