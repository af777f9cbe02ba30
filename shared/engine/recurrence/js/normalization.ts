// Normalizing on plain Float32Arrays: the cpu backend's loops over each norm's statistic domain —
// a stats input (batch norms: weighted over the valid samples, w = mask / count, or population
// statistics at evaluation) or each row's own features in groups (LN, GN, RMSNorm). The
// arithmetic is the normalization's formulas (shared/kinds/norms/normalization.ts), generated into
// normalization.generated.ts (F.*): these loops only say which values each sum runs over and
// where each value goes. A norm that does not center passes the definition's UNCENTERED values.
// Matrices are row-major; "stacked" tensors hold every time step (row t·N + n). Accumulation in
// float64, no allocation inside loops.
import { UNCENTERED } from '../../../kinds/norms/normalization'
import type { NormAttrs } from '../kernels/names'
import * as F from './normalization.generated'

export interface NormArgs extends Required<Omit<NormAttrs, 'stats'>> {
  /** Where the statistics come from (NormAttrs.stats). */
  mode: NormAttrs['stats']
  /** batch: [S, 2C] means then variances per segment. */
  stats: Float32Array | null
  gamma: Float32Array | null
  beta: Float32Array | null
}

export function normArgs(
  attrs: NormAttrs,
  inputs: { stats?: Float32Array; gamma?: Float32Array; beta?: Float32Array },
): NormArgs {
  return {
    mode: attrs.stats,
    stats: inputs.stats ?? null,
    center: attrs.center,
    groups: attrs.groups || 1,
    eps: attrs.eps,
    rowsPerSegment: attrs.rowsPerSegment || 1,
    statsRow: attrs.statsRow || 0,
    gamma: inputs.gamma ?? null,
    beta: inputs.beta ?? null,
  }
}

/** Per-column mean and 1/√(var + eps) of a normalizer at one segment (batch) or row (row statistics). */
export class Columns {
  readonly mean: Float64Array
  readonly inv: Float64Array
  constructor(readonly C: number) {
    this.mean = new Float64Array(C)
    this.inv = new Float64Array(C)
  }

  /** batch: from stats row `row` of a [·, 2C] stats matrix (its means are 0 for a norm that does not center). */
  fromStats(stats: Float32Array, row: number, n: NormArgs): this {
    const base = row * 2 * this.C
    for (let c = 0; c < this.C; c++) {
      this.mean[c] = n.center ? stats[base + c]! : UNCENTERED.mean
      this.inv[c] = F.inv(stats[base + this.C + c]!, n.eps)
    }
    return this
  }

  /**
   * batch, for a backward: the segment's statistics again, in float64 from u's `rows` rows from
   * row0 and their weights as the mask m, divided by their sum n (float32's 1/3 is not a third). At few valid
   * samples the backward's r·(γdy − m₁ − x̂·m₂) cancels to a small fraction of its terms (two
   * samples: a factor ε/(σ² + ε)), so the float32-rounded mean and variance the forward kept would
   * be most of its error. Returns the weights' sum, 1 for a segment with none (a step no sample
   * reaches: its statistics are 0, as the forward's).
   */
  fromSegment(u: Float32Array, row0: number, rows: number, w: Float32Array, n: NormArgs): number {
    const total = countOf(w, row0, rows)
    this.mean.fill(0) // the sums first
    this.inv.fill(0)
    for (let r = row0; r < row0 + rows; r++) {
      if (w[r] === 0 || !n.center) continue
      for (let c = 0; c < this.C; c++) this.mean[c] = this.mean[c]! + F.sxTerm(w[r]!, u[r * this.C + c]!)
    }
    for (let c = 0; c < this.C; c++) this.mean[c] = n.center ? F.mean(this.mean[c]!, total) : UNCENTERED.mean
    for (let r = row0; r < row0 + rows; r++) {
      if (w[r] === 0) continue
      for (let c = 0; c < this.C; c++) this.inv[c] = this.inv[c]! + F.sqTerm(w[r]!, u[r * this.C + c]!, this.mean[c]!)
    }
    for (let c = 0; c < this.C; c++) this.inv[c] = F.inv(F.variance(this.inv[c]!, total), n.eps)
    return total
  }

  /** row statistics: row r's own over its C features from col0 of a [·, stride] matrix, per group. */
  fromRow(v: Float32Array, stride: number, col0: number, r: number, n: NormArgs): this {
    const size = this.C / n.groups // every feature counts: m = 1, n = size
    for (let g = 0; g < n.groups; g++) {
      const base = r * stride + col0 + g * size
      let sx = 0
      if (n.center) for (let c = 0; c < size; c++) sx += F.sxTerm(1, v[base + c]!)
      const m = n.center ? F.mean(sx, size) : UNCENTERED.mean
      let q = 0
      for (let c = 0; c < size; c++) q += F.sqTerm(1, v[base + c]!, m)
      const inv = F.inv(F.variance(q, size), n.eps)
      for (let c = g * size; c < (g + 1) * size; c++) {
        this.mean[c] = m
        this.inv[c] = inv
      }
    }
    return this
  }
}

/**
 * Weighted column moments of v [R, stride] over columns [col0, col0 + W), per segment of R / S
 * rows. out: [S, 2W], means then variances (center false: zeros, then mean squares).
 */
export function moments(
  v: Float32Array,
  stride: number,
  w: Float32Array,
  wOffset: number,
  R: number,
  S: number,
  col0: number,
  W: number,
  center: boolean,
  out: Float32Array,
): void {
  const rows = R / S
  const mean = new Float64Array(W)
  const q = new Float64Array(W)
  for (let s = 0; s < S; s++) {
    const total = countOf(w, wOffset + s * rows, rows)
    mean.fill(0)
    q.fill(0)
    if (center)
      for (let r = s * rows; r < (s + 1) * rows; r++) {
        const wr = w[wOffset + r]!
        if (wr === 0) continue
        const base = r * stride + col0
        for (let c = 0; c < W; c++) mean[c] = mean[c]! + F.sxTerm(wr, v[base + c]!)
      }
    for (let c = 0; c < W; c++) mean[c] = center ? F.mean(mean[c]!, total) : UNCENTERED.mean
    for (let r = s * rows; r < (s + 1) * rows; r++) {
      const wr = w[wOffset + r]!
      if (wr === 0) continue
      const base = r * stride + col0
      for (let c = 0; c < W; c++) q[c] = q[c]! + F.sqTerm(wr, v[base + c]!, mean[c]!)
    }
    for (let c = 0; c < W; c++) {
      out[s * 2 * W + c] = mean[c]!
      out[s * 2 * W + W + c] = F.variance(q[c]!, total)
    }
  }
}

/**
 * n = Σm over `rows` weights from row0: the count the statistics divide by (the weights arrive
 * normalized, w = mask/count, so ≈ 1; dividing by their own sum undoes their rounding). 1 for a
 * segment no sample reaches: its statistics are then 0.
 */
export function countOf(w: Float32Array, row0: number, rows: number): number {
  let total = 0
  for (let r = row0; r < row0 + rows; r++) total += F.nTerm(w[r]!)
  return total === 0 ? 1 : total
}

/** y = γ·x̂ + β + bias over u [R, C] (no statistics: u + bias). */
export function normApply(
  u: Float32Array,
  R: number,
  C: number,
  n: NormArgs,
  bias: Float32Array | null,
  out: Float32Array,
): void {
  const cols = new Columns(C)
  for (let r = 0; r < R; r++) {
    const base = r * C
    if (n.mode === 'none') {
      for (let c = 0; c < C; c++) out[base + c] = u[base + c]! + (bias ? bias[c]! : 0)
      continue
    }
    if (n.mode === 'row') cols.fromRow(u, C, 0, r, n)
    else if (r % n.rowsPerSegment === 0) cols.fromStats(n.stats!, n.statsRow + r / n.rowsPerSegment, n)
    const gamma = n.gamma!
    const beta = n.beta!
    for (let c = 0; c < C; c++)
      out[base + c] =
        F.y(gamma[c]!, F.xhat(u[base + c]!, cols.mean[c]!, cols.inv[c]!), beta[c]!) + (bias ? bias[c]! : 0)
  }
}

/** One row of a term normalized into `out` (f64, from `o`): row `row` of v [·, C] (batch: `cols` hold the statistics already). */
export function normalizedRow(
  v: Float32Array,
  row: number,
  C: number,
  n: NormArgs,
  cols: Columns,
  out: Float64Array,
  o: number,
): void {
  const vb = row * C
  if (n.mode === 'none') {
    for (let c = 0; c < C; c++) out[o + c] = v[vb + c]!
    return
  }
  if (n.mode === 'row') cols.fromRow(v, C, 0, row, n)
  for (let c = 0; c < C; c++)
    out[o + c] = F.y(n.gamma![c]!, F.xhat(v[vb + c]!, cols.mean[c]!, cols.inv[c]!), n.beta![c]!)
}

/**
 * The normalizer's backward over R rows of u [·, C] from row uRow0 (w's rows alike), given dy
 * (columns [dyCol0, dyCol0 + C) of a [R, dyStride] matrix): du [R, C] and dy·x̂ [R, C] (for dγ).
 * batch: the sums run over each segment's rows, weighted by w (padded rows weigh 0);
 * row: over the row's group.
 */
export function normGrad(
  dy: Float32Array,
  dyStride: number,
  dyCol0: number,
  u: Float32Array,
  uRow0: number,
  R: number,
  C: number,
  n: NormArgs,
  w: Float32Array | null,
  du: Float32Array,
  dyXhat: Float32Array,
): void {
  if (n.mode === 'none') {
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) du[r * C + c] = dy[r * dyStride + dyCol0 + c]!
    return
  }
  const gamma = n.gamma!
  const cols = new Columns(C)
  if (n.mode === 'batch') {
    const s1 = new Float64Array(C)
    const s2 = new Float64Array(C)
    for (let r0 = 0; r0 < R; r0 += n.rowsPerSegment) {
      const total = cols.fromSegment(u, uRow0 + r0, n.rowsPerSegment, w!, n)
      s1.fill(0)
      s2.fill(0)
      for (let r = r0; r < r0 + n.rowsPerSegment; r++) {
        const ub = (uRow0 + r) * C
        const db = r * dyStride + dyCol0
        for (let c = 0; c < C; c++) {
          const xhat = F.xhat(u[ub + c]!, cols.mean[c]!, cols.inv[c]!)
          const g = F.g(gamma[c]!, dy[db + c]!)
          s1[c] = s1[c]! + F.s1Term(g)
          s2[c] = s2[c]! + F.s2Term(g, xhat)
          dyXhat[r * C + c] = F.dgamma(dy[db + c]!, xhat)
        }
      }
      if (!n.center) s1.fill(UNCENTERED.s1)
      for (let r = r0; r < r0 + n.rowsPerSegment; r++) {
        const wr = F.w(w![uRow0 + r]!, total)
        const ub = (uRow0 + r) * C
        const db = r * dyStride + dyCol0
        for (let c = 0; c < C; c++) {
          const xhat = F.xhat(u[ub + c]!, cols.mean[c]!, cols.inv[c]!)
          du[r * C + c] = F.du(cols.inv[c]!, F.g(gamma[c]!, dy[db + c]!), wr, s1[c]!, xhat, s2[c]!)
        }
      }
    }
    return
  }
  const xhat = new Float64Array(C)
  const g = new Float64Array(C)
  const out = new Float64Array(C)
  for (let r = 0; r < R; r++) {
    cols.fromRow(u, C, 0, uRow0 + r, n)
    const ub = (uRow0 + r) * C
    const db = r * dyStride + dyCol0
    for (let c = 0; c < C; c++) {
      xhat[c] = F.xhat(u[ub + c]!, cols.mean[c]!, cols.inv[c]!)
      g[c] = dy[db + c]!
    }
    rowGrad(n, C, xhat, g, cols.inv, 0, out)
    for (let c = 0; c < C; c++) {
      du[r * C + c] = out[c]!
      dyXhat[r * C + c] = F.dgamma(g[c]!, xhat[c]!)
    }
  }
}

/** Row statistics' backward over C values at offset o of the buffers, group by group (each value's weight 1/size). */
export function rowGrad(
  n: NormArgs,
  C: number,
  xhat: Float64Array,
  dy: Float64Array,
  inv: Float64Array,
  o: number,
  du: Float64Array,
): void {
  const gamma = n.gamma!
  const size = C / n.groups
  const w = F.w(1, size)
  for (let g = 0; g < n.groups; g++) {
    let s1 = 0
    let s2 = 0
    for (let c = g * size; c < (g + 1) * size; c++) {
      const gc = F.g(gamma[c]!, dy[o + c]!)
      s1 += F.s1Term(gc)
      s2 += F.s2Term(gc, xhat[o + c]!)
    }
    if (!n.center) s1 = UNCENTERED.s1
    for (let c = g * size; c < (g + 1) * size; c++)
      du[o + c] = F.du(inv[o + c]!, F.g(gamma[c]!, dy[o + c]!), w, s1, xhat[o + c]!, s2)
  }
}
