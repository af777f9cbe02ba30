// One cell object per cell kind. To add a cell: a file here implementing Cell, its kind and gate
// count in shared/kinds.ts (CELLS, GATES, cellTerms), an entry below, and PyTorch reference cases.
import type { CellKind } from '../../kinds'
import type { Cell } from './cell'
import { gruCell } from './gru'
import { lstmCell } from './lstm'
import { rnnCell } from './rnn'

const CELLS: Record<CellKind, Cell> = { rnn: rnnCell, lstm: lstmCell, gru: gruCell }

export function cellFor(kind: CellKind): Cell {
  return CELLS[kind]
}

export type { Cell, CellState, CellStep } from './cell'
