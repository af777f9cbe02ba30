// Every cell the lab has, one definition each. To add a cell: a file here with its definition (see
// cell.ts and docs/engine.md), one entry below, its words in shared/i18n, and PyTorch reference
// cases for every norm. The engine's kernels, the form, the CLI and the archive follow from it.
import type { CellDefinition } from './cell'
import { gru } from './gru'
import { lstm } from './lstm'
import { rnn } from './rnn'

export const CELL_DEFINITIONS = [rnn, lstm, gru] as const

export type CellKind = (typeof CELL_DEFINITIONS)[number]['kind']
export const CELLS = CELL_DEFINITIONS.map((d) => d.kind) as unknown as readonly [CellKind, ...CellKind[]]

const BY_KIND = Object.fromEntries(CELL_DEFINITIONS.map((d) => [d.kind, d])) as unknown as Record<
  CellKind,
  CellDefinition<CellKind>
>

export function cellDefinition(kind: CellKind): CellDefinition<CellKind> {
  return BY_KIND[kind]
}

export type { CellDefinition, StateFormulas } from './cell'
export { defineCell } from './cell'
export { TERMS, type StateName, type TermName } from './terms'
