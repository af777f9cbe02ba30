// The contract every recurrent cell keeps (one object per cell kind, one time step each, as
// tfjs-layers writes its cells). The model computes the input and recurrent terms and normalizes
// them; the cell turns them into the next state.
import type { CellKind } from '../../kinds'
import type { Tensor, Tensor2D } from '../tf'

export interface CellState {
  h: Tensor2D
  /** The LSTM's cell state (un-normalized: the recurrence carries c, N_c only feeds h). */
  c: Tensor2D | null
}

export interface CellStep {
  /** N_x(x_t·Wx) */
  xn: Tensor
  /** N_h(h_{t-1}·Wh) */
  hn: Tensor
  /** The bias b [G·H]. */
  b: Tensor
  state: CellState
  /** N_c, for cells with a cell state. */
  normalizeCell(c: Tensor2D): Tensor
}

export interface Cell {
  readonly kind: CellKind
  /** One time step for every sample (masking is the model's: it keeps padded samples' state). */
  step(s: CellStep): CellState
}
