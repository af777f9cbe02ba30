// What a model is: the cell, its normalizer, sizes and normalizer settings. Pure data.
import {
  cellTerms,
  gatesOf,
  normalizedTerms,
  termWidth,
  type CellKind,
  type NormKind,
  type TermName,
} from '../../kinds'

export type { CellKind, NormKind, Policy, TermName } from '../../kinds'

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

/** The terms a model's normalizer has parameters for, with their widths. */
export function normalizedTermWidths(spec: ModelSpec): { term: TermName; features: number }[] {
  return normalizedTerms(spec.norm, spec.cell).map((term) => ({
    term,
    features: termWidth(spec.cell, term, spec.hidden),
  }))
}

/** Terms whose activations are recorded per time step (every model, normalized or not). */
export function recordedTerms(spec: ModelSpec): { term: TermName; features: number }[] {
  return cellTerms(spec.cell).map((term) => ({ term, features: termWidth(spec.cell, term, spec.hidden) }))
}

export function paramShapes(spec: ModelSpec): Record<string, number[]> {
  const width = gatesOf(spec.cell) * spec.hidden
  const shapes: Record<string, number[]> = {
    Wx: [spec.inputSize, width],
    Wh: [spec.hidden, width],
    b: [width],
    Wy: [spec.hidden, spec.outputs],
    by: [spec.outputs],
  }
  for (const { term, features } of normalizedTermWidths(spec)) {
    shapes[`gamma_${term}`] = [features]
    shapes[`beta_${term}`] = [features]
  }
  return shapes
}
