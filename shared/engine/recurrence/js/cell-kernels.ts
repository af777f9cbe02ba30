// A cell's time step on plain Float32Arrays, for every cell: the loops over samples, masking
// (padded samples keep their state; their gradient passes through), the normalizers applied
// inside the step, and the packed gradient's generic blocks. The per-unit arithmetic is the
// cell's own, generated from its formulas (cells.generated.ts). The cpu backend runs this; wasm
// runs the same skeleton as SIMD (wasm/assembly/kernels.ts).
import type { CellKind } from '../../../kinds'
import { cellShape, type CellShape } from '../kernels/layout'
import type { CellRows } from './cell-rows'
import { CELL_ROWS } from './cells.generated'
import { UNCENTERED } from '../../../kinds/norms/normalization'
import { Columns, countOf, normalizedRow, rowGrad, type NormArgs } from './normalization'
import * as F from './normalization.generated'

/** A cell's shape (kernels/layout.ts) with its generated JavaScript rows. */
interface Cell extends CellShape {
  rows: CellRows
}

const CELLS = new Map<CellKind, Cell>()

export function cellOf(kind: CellKind): Cell {
  let cell = CELLS.get(kind)
  if (!cell) {
    cell = { ...cellShape(kind), rows: CELL_ROWS[kind] }
    CELLS.set(kind, cell)
  }
  return cell
}

const copyRow = (from: Float32Array, to: Float32Array, o: number, H: number) => {
  for (let k = 0; k < H; k++) to[o + k] = from[o + k]!
}

export interface ForwardArrays {
  xz: Float32Array | null
  v: Float32Array | null
  A: Float32Array | null
  hPrev: Float32Array
  cPrev: Float32Array | null
  keep: Float32Array | null
}

/** 'gates': A from the gate terms, the recurrent term normalized with `n` (its stats row already chosen). */
export function forwardGates(
  cell: Cell,
  N: number,
  H: number,
  rowOffset: number,
  t: ForwardArrays,
  n: NormArgs,
  A: Float32Array,
): void {
  const C = cell.layout.G * H
  const cols = new Columns(C)
  if (n.mode === 'batch') cols.fromStats(n.stats!, n.statsRow, n)
  const u = new Float64Array(C)
  for (let s = 0; s < N; s++) {
    normalizedRow(t.v!, s, C, n, cols, u, 0)
    cell.rows.gates(H, t.xz!, (rowOffset + s) * C, u, 0, t.hPrev, t.cPrev, s * H, A, s * cell.aWidth * H)
  }
}

/** 'state': the new state of each valid sample from A, the inner term normalized with `n`; padded samples keep theirs. */
export function forwardState(
  cell: Cell,
  N: number,
  H: number,
  rowOffset: number,
  t: ForwardArrays,
  n: NormArgs,
  h: Float32Array,
  c: Float32Array | null,
): void {
  const A = t.A!
  const stride = cell.aWidth * H
  const col0 = cell.layout.innerColumn! * H
  const cols = new Columns(H)
  if (n.mode === 'batch') cols.fromStats(n.stats!, n.statsRow, n)
  const y = new Float64Array(H)
  for (let s = 0; s < N; s++) {
    if (!(t.keep![rowOffset + s]! > 0)) {
      copyRow(t.hPrev, h, s * H, H)
      if (c) copyRow(t.cPrev!, c, s * H, H)
      continue
    }
    innerNormalized(A, stride, col0, s, H, n, cols, y, null, null)
    cell.rows.state(H, A, s * stride, y, 0, t.hPrev, t.cPrev, s * H, h, c, s * H)
  }
}

/** 'step' (cells without an inner term): gates and state at once; A kept for backward unless the new h is the activation itself. */
export function forwardStep(
  cell: Cell,
  N: number,
  H: number,
  rowOffset: number,
  t: ForwardArrays,
  n: NormArgs,
  A: Float32Array | null,
  h: Float32Array,
): void {
  const C = cell.layout.G * H
  const cols = new Columns(C)
  if (n.mode === 'batch') cols.fromStats(n.stats!, n.statsRow, n)
  const u = new Float64Array(C)
  const stride = cell.aWidth * H
  const scratch = A ? null : new Float32Array(stride)
  for (let s = 0; s < N; s++) {
    const out = A ?? scratch!
    const o = A ? s * stride : 0
    normalizedRow(t.v!, s, C, n, cols, u, 0)
    cell.rows.gates(H, t.xz!, (rowOffset + s) * C, u, 0, t.hPrev, t.cPrev, s * H, out, o)
    if (t.keep![rowOffset + s]! > 0) cell.rows.state(H, out, o, null, 0, t.hPrev, t.cPrev, s * H, h, null, s * H)
    else copyRow(t.hPrev, h, s * H, H)
  }
}

/**
 * The inner term of sample row `r` normalized into y (and x̂, 1/σ when asked), from A's column
 * block at col0. batch: `cols` hold the statistics already; none: y = x̂ = the term.
 */
function innerNormalized(
  A: Float32Array,
  stride: number,
  col0: number,
  r: number,
  H: number,
  n: NormArgs,
  cols: Columns,
  y: Float64Array,
  xhat: Float64Array | null,
  inv: Float64Array | null,
  o = 0,
): void {
  const base = r * stride + col0
  if (n.mode === 'none') {
    for (let k = 0; k < H; k++) {
      y[o + k] = A[base + k]!
      if (xhat) xhat[o + k] = A[base + k]!
    }
    return
  }
  if (n.mode === 'row') cols.fromRow(A, stride, col0, r, n)
  for (let k = 0; k < H; k++) {
    const x = F.xhat(A[base + k]!, cols.mean[k]!, cols.inv[k]!)
    y[o + k] = F.y(n.gamma![k]!, x, n.beta![k]!)
    if (xhat) xhat[o + k] = x
    if (inv) inv[o + k] = cols.inv[k]!
  }
}

export interface BackwardArrays {
  dhRec: Float32Array
  prev: Float32Array | null
  dhOut: Float32Array | null
  A: Float32Array
  hPrev: Float32Array
  cPrev: Float32Array | null
  keep: Float32Array
  w: Float32Array | null
}

/** Backward through one step t (stacked inputs read from rowOffset = t·N; the inner term's stats row is n.statsRow). out P [N, width·H]. */
export function backward(
  cell: Cell,
  N: number,
  H: number,
  rowOffset: number,
  t: BackwardArrays,
  n: NormArgs,
  P: Float32Array,
): void {
  const { layout } = cell
  const width = layout.width * H
  const NH = N * H
  const dh = new Float64Array(NH)
  const cc = cell.hasC ? new Float64Array(NH) : null
  const carryH = layout.carry.h!.col * H
  const carryC = layout.carry.c ? layout.carry.c.col * H : 0
  for (let s = 0; s < N; s++) {
    const row = rowOffset + s
    for (let k = 0; k < H; k++) {
      dh[s * H + k] =
        t.dhRec[s * H + k]! + (t.prev ? t.prev[s * width + carryH + k]! : 0) + (t.dhOut ? t.dhOut[row * H + k]! : 0)
      if (cc) cc[s * H + k] = t.prev ? t.prev[s * width + carryC + k]! : 0
    }
  }
  const valid = (s: number) => t.keep[rowOffset + s]! > 0
  const stride = cell.aWidth * H
  let y: Float64Array | null = null
  let xhat: Float64Array | null = null
  let dinner: Float64Array | null = null
  let inner: Float64Array | null = null
  const K = layout.kept.length
  const keep = new Float64Array(Math.max(1, NH * K))
  if (cell.def.inner) {
    y = new Float64Array(NH)
    xhat = new Float64Array(NH)
    inner = new Float64Array(NH)
    const inv = new Float64Array(NH)
    const cols = new Columns(H)
    if (n.mode === 'batch') cols.fromStats(n.stats!, n.statsRow, n)
    const col0 = layout.innerColumn! * H
    for (let s = 0; s < N; s++) {
      if (!valid(s)) continue
      innerNormalized(t.A, stride, col0, rowOffset + s, H, n, cols, y, xhat, inv, s * H)
      cell.rows.beforeNorm(
        H,
        t.A,
        (rowOffset + s) * stride,
        y,
        s * H,
        t.hPrev,
        t.cPrev,
        (rowOffset + s) * H,
        dh,
        cc,
        inner,
        keep,
      )
    }
    dinner = innerBackward(n, N, H, rowOffset, valid, t.w, inner, xhat, inv, cols)
  }
  for (let s = 0; s < N; s++) {
    const po = s * width
    if (!valid(s)) {
      P.fill(0, po, po + width)
      for (let k = 0; k < H; k++) {
        P[po + carryH + k] = dh[s * H + k]!
        if (cc) P[po + carryC + k] = cc[s * H + k]!
      }
      continue
    }
    const row = rowOffset + s
    cell.rows.afterNorm(H, t.A, row * stride, y, s * H, t.hPrev, t.cPrev, row * H, dh, cc, dinner, keep, P, po)
    if (inner) {
      const dy0 = layout.innerDy!.col * H
      const dx0 = layout.innerDyXhat!.col * H
      for (let k = 0; k < H; k++) {
        P[po + dy0 + k] = inner[s * H + k]!
        P[po + dx0 + k] = inner[s * H + k]! * xhat![s * H + k]!
      }
    }
  }
}

/** The inner term's normalizer backward over the step's samples: the gradient into the term from the gradient into y. */
function innerBackward(
  n: NormArgs,
  N: number,
  H: number,
  rowOffset: number,
  valid: (s: number) => boolean,
  w: Float32Array | null,
  dy: Float64Array,
  xhat: Float64Array,
  inv: Float64Array,
  cols: Columns,
): Float64Array {
  if (n.mode === 'none') return dy
  const out = new Float64Array(N * H)
  const gamma = n.gamma!
  if (n.mode === 'row') {
    for (let s = 0; s < N; s++) if (valid(s)) rowGrad(n, H, xhat, dy, inv, s * H, out)
    return out
  }
  const total = countOf(w!, rowOffset, N)
  for (let k = 0; k < H; k++) {
    let s1 = 0
    let s2 = 0
    for (let s = 0; s < N; s++) {
      const d = F.g(gamma[k]!, dy[s * H + k]!)
      s1 += F.s1Term(d)
      s2 += F.s2Term(d, xhat[s * H + k]!)
    }
    if (!n.center) s1 = UNCENTERED.s1
    for (let s = 0; s < N; s++) {
      const j = s * H + k
      out[j] = F.du(cols.inv[k]!, F.g(gamma[k]!, dy[j]!), F.w(w![rowOffset + s]!, total), s1, xhat[j]!, s2)
    }
  }
  return out
}
