// What a model is: the cell, its normalizer, sizes and normalizer settings. Pure data.
import type { NormKind } from './normalizers'

export const CELL_KINDS = ['rnn', 'lstm', 'gru'] as const
export type CellKind = (typeof CELL_KINDS)[number]
export const TERM_NAMES = ['x', 'h', 'c'] as const
export type TermName = (typeof TERM_NAMES)[number]
export const POLICIES = ['last', 'global', 'batch', 'error'] as const
export type Policy = (typeof POLICIES)[number]

/** Gates per cell: the width of x·Wx and h·Wh is gates × hidden. LSTM order i, f, g, o; GRU r, z, n. */
export const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 }

export interface ModelSpec {
  cell: CellKind
  norm: NormKind
  inputSize: number
  hidden: number
  outputs: number
  /** GroupNorm groups (of the gate pre-activations and, for the LSTM, of the cell). */
  groups: number
  eps: number
}

/** The terms a cell has: input and recurrent, and the LSTM's cell state. */
export function cellTerms(cell: CellKind): readonly TermName[] {
  return cell === 'lstm' ? TERM_NAMES : (['x', 'h'] as const)
}

/** Which normalizer terms a model has, with their widths. */
export function normalizedTerms(spec: ModelSpec): { term: TermName; features: number }[] {
  const width = GATES[spec.cell] * spec.hidden
  switch (spec.norm) {
    case 'none':
      return []
    case 'bn_seq':
      return [{ term: 'x', features: width }]
    default:
      return recordedTerms(spec)
  }
}

/** Terms whose activations are recorded per time step (every model, normalized or not). */
export function recordedTerms(spec: ModelSpec): { term: TermName; features: number }[] {
  return cellTerms(spec.cell).map((term) => ({ term, features: term === 'c' ? spec.hidden : GATES[spec.cell] * spec.hidden }))
}

export function paramShapes(spec: ModelSpec): Record<string, number[]> {
  const width = GATES[spec.cell] * spec.hidden
  const shapes: Record<string, number[]> = {
    Wx: [spec.inputSize, width],
    Wh: [spec.hidden, width],
    b: [width],
    Wy: [spec.hidden, spec.outputs],
    by: [spec.outputs],
  }
  for (const { term, features } of normalizedTerms(spec)) {
    shapes[`gamma_${term}`] = [features]
    shapes[`beta_${term}`] = [features]
  }
  return shapes
}
