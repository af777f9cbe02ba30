// Where a step keeps what, derived from the cell's definition (never numbered by hand): the
// columns of its activations A, and the blocks of its packed step gradient P, in units of H.
//   P = dx (one block per gate) | du (the same blocks when every du formula is dx's) |
//       carry.h | carry.c | inner dy | inner dy·x̂
// dx and du are the gradients into the normalized input and recurrent terms; carry.s the gradient
// into the state carried in, beyond the recurrent matMul (padded samples: all of it); the inner
// blocks are the gradient into the cell's own normalized term and its product with x̂ (for its γ, β).
import { expr, needed, refsOf, sameExpr, type Expr } from '../../../kinds/formulas'
import { cellDefinition, type CellDefinition, type CellKind, type StateName } from '../../../kinds/cells'

export interface Block {
  col: number
  width: number
}

export interface CellLayout {
  G: number
  /** A's columns: the activations in order. */
  activations: string[]
  /** The inner term's activation column (the LSTM's c), or null. */
  innerColumn: number | null
  /** The cell's new h is its only activation (the Elman RNN): backward reads the new state, no A is kept. */
  stateIsActivation: boolean
  /** Backward formulas before the inner norm that the part after it reads again (kept per unit). */
  kept: string[]
  dx: Block
  du: Block
  carry: Record<StateName, Block | null>
  innerDy: Block | null
  innerDyXhat: Block | null
  /** P's width in units of H. */
  width: number
}

const sameFormulas = (a: Record<string, unknown>, b: Record<string, unknown>, keys: readonly string[]) =>
  keys.every((k) => sameExpr(expr(a[k] as Expr), expr(b[k] as Expr)))

export function cellLayout(def: CellDefinition): CellLayout {
  const G = def.gates.length
  const activations = Object.keys(def.activations)
  let col = 0
  const block = (width: number): Block => {
    const b = { col, width }
    col += width
    return b
  }
  const dx = block(G)
  const du = sameFormulas(def.backward.dx, def.backward.du, def.gates) ? dx : block(G)
  const carry = { h: block(1), c: def.state.includes('c') ? block(1) : null }
  const innerDy = def.inner ? block(1) : null
  const innerDyXhat = def.inner ? block(1) : null
  const next = expr(def.next.h)
  const before = def.backward.beforeNorm ?? {}
  const after = [
    ...Object.values(def.backward.afterNorm),
    ...Object.values(def.backward.dx),
    ...Object.values(def.backward.du),
    ...Object.values(def.backward.carry),
  ].map((x) => expr(x as Expr))
  // What the part after the norm reads of the part before it: kept per unit rather than computed twice.
  const afterBindings = needed(def.backward.afterNorm, after).map((name) => expr(def.backward.afterNorm[name]!))
  const reads = new Set([...after, ...afterBindings].flatMap((e) => [...refsOf(e)]))
  const kept = Object.keys(before).filter((name) => name !== 'inner' && reads.has(name))
  return {
    G,
    activations,
    innerColumn: def.inner ? activations.indexOf(def.inner.activation) : null,
    stateIsActivation:
      activations.length === 1 && def.state.length === 1 && next.op === 'ref' && next.name === `a.${activations[0]}`,
    kept,
    dx,
    du,
    carry,
    innerDy,
    innerDyXhat,
    width: col,
  }
}

/** A cell as every backend's kernels use it: its definition, its layout, A's width in units of H, whether it carries c. */
export interface CellShape {
  def: CellDefinition
  layout: CellLayout
  aWidth: number
  hasC: boolean
}

const SHAPES = new Map<CellKind, CellShape>()

/** The cell's shape, derived once per kind. */
export function cellShape(kind: CellKind): CellShape {
  let shape = SHAPES.get(kind)
  if (!shape) {
    const def = cellDefinition(kind)
    const layout = cellLayout(def)
    shape = { def, layout, aWidth: layout.activations.length, hasC: def.state.includes('c') }
    SHAPES.set(kind, shape)
  }
  return shape
}
