// What a recurrent cell is: its gates, the state it carries, and one time step of one hidden unit
// as formulas (shared/kinds/formulas), forward and backward. Everything else — the loop over time,
// masking padded samples, the normalizers, the matMuls, the layout of the packed step gradient —
// is the engine's, the same for every cell (shared/engine/recurrence). docs/engine.md shows how
// the formulas become JavaScript, GLSL and the step-by-step reference.
//
// Names the formulas read:
//   forward    x.<gate>   the normalized input term plus bias, N_x(x·Wx) + b, of that gate
//              u.<gate>   the normalized recurrent term N_h(h·Wh) of that gate
//              prev.<s>   the state carried in (h, and c for the LSTM)
//              a.<name>   an activation computed before it (activations are kept for backward)
//              y          the cell's own normalized term (the LSTM's N_c(c)), in `next`
//   backward   dh         the gradient into the new h (from the next step, the loss, the outputs)
//              carry.<s>  the gradient into the new state s ≠ h from the next step
//              a.*, prev.*, y as above; dinner: the inner term's gradient after its normalizer's
//              backward (the identity when the norm leaves the term alone)
import type { Bindings, Operand } from '../formulas'
import type { StateName, TermName } from './terms'

export interface CellDefinition<K extends string = string, G extends string = string> {
  readonly kind: K
  /** Column blocks of x·Wx and h·Wh, each `hidden` wide, in order (PyTorch's gate order). */
  readonly gates: readonly G[]
  /** What the recurrence carries: always h; the LSTM also c. */
  readonly state: readonly StateName[]
  /** The terms a normalizer may act on: x and h always, c for a cell that normalizes its own state. */
  readonly terms: readonly TermName[]
  /** The activations a step keeps for its backward (columns of A, in order). */
  readonly activations: Bindings
  /** A term normalized inside the cell, between the activations and the new state: which activation it is. */
  readonly inner?: { readonly term: TermName; readonly activation: string }
  /** The new state from a.*, prev.* and y. */
  readonly next: StateFormulas
  readonly backward: {
    /** Before the inner term's normalizer: formulas in order, ending with `inner`, the gradient into y. */
    readonly beforeNorm?: Bindings
    /** After it (or the whole backward when there is no inner term): formulas in order. */
    readonly afterNorm: Bindings
    /** The gradient into the normalized input term, per gate. */
    readonly dx: Readonly<Record<G, Operand>>
    /** The gradient into the normalized recurrent term, per gate. */
    readonly du: Readonly<Record<G, Operand>>
    /** The gradient into each carried state beyond the recurrent matMul (valid samples). */
    readonly carry: StateFormulas
  }
}

/** A formula per carried state: h always, c where the cell carries it. */
export interface StateFormulas {
  readonly h: Operand
  readonly c?: Operand
}

/** Keeps a definition's literal types (its kind, its gate names) while checking its shape. */
export function defineCell<const K extends string, const G extends string>(
  def: CellDefinition<K, G>,
): CellDefinition<K, G> {
  return def
}
