// The normalizer a kernel applies, set once per kernel call by setNorm (the same NormArgs the
// JavaScript kernels take, js/normalization.ts), and its per-column statistics ("columns"). The
// arithmetic is the normalization's formulas (shared/kinds/norms/normalization.ts) generated into
// normalization.generated.ts; these loops say which values each sum runs over. A norm that does
// not center passes the definition's UNCENTERED values (mean 0, s1 0).
// mode: 0 none (the identity), 1 row (each row's own statistics over its features in groups),
// 2 batch (a stats input [S, 2C] of means then variances).
import { add, at, hsum, lanes, ld, sp, st } from './lanes'
import { du4, g4, inv4, mean4, s1Term4, s2Term4, sqTerm4, sxTerm4, variance4, w4, xhat4, y4 } from './normalization.generated'

export const NONE = 0
export const ROW = 1
export const BATCH = 2

export let mode: i32 = NONE
export let center: i32 = 1
export let groups: i32 = 1
export let eps: f32 = 1e-5
export let rowsPerSegment: i32 = 1
export let statsRow: i32 = 0
export let stats: usize = 0
export let gamma: usize = 0
export let beta: usize = 0

export function setNorm(m: i32, c: i32, g: i32, e: f32, rps: i32, row: i32, s: usize, gm: usize, bt: usize): void {
  mode = m
  center = c
  groups = g > 0 ? g : 1
  eps = e
  rowsPerSegment = rps > 0 ? rps : 1
  statsRow = row
  stats = s
  gamma = gm
  beta = bt
}

/** batch: the C columns' mean (0 without centering) and 1/√(var + ε) from stats row `row`. */
export function colsFromStats(mean: usize, inv: usize, C: i32, row: i32): void {
  const base = at(stats, row * 2 * C)
  for (let c = 0; c < C; c += 4) {
    const m = C - c
    st(at(mean, c), center ? ld(at(base, c), m) : sp(0), m)
    st(at(inv, c), inv4(ld(at(base, C + c), m), sp(eps)), m)
  }
}

/** The mean and 1/σ of `size` values from p (one group of a row), into groupMean and groupInv. */
export let groupMean: f32 = 0
export let groupInv: f32 = 0
export function groupStats(p: usize, size: i32): void {
  // Every feature counts (m = 1, n = size); a partial vector's empty lanes have m = 0.
  const one = sp(1.0)
  const n = sp(<f32>size)
  let mean = sp(0)
  if (center) {
    let s = sp(0)
    for (let c = 0; c < size; c += 4) s = add(s, sxTerm4(v128.and(one, lanes(size - c)), ld(at(p, c), size - c)))
    mean = mean4(sp(hsum(s)), n)
  }
  let q = sp(0)
  for (let c = 0; c < size; c += 4) q = add(q, sqTerm4(v128.and(one, lanes(size - c)), ld(at(p, c), size - c), mean))
  groupMean = f32x4.extract_lane(mean, 0)
  groupInv = f32x4.extract_lane(inv4(variance4(sp(hsum(q)), n), sp(eps)), 0)
}

/**
 * C values from p normalized into out: γ·(v − μ)·r + β (mode none: copied). row: from the
 * row's own statistics, group by group; batch: `mean`, `inv` hold the columns' already. xhat, invOut (0: not wanted)
 * receive x̂ and r for a backward.
 */
export function normalizedRow(p: usize, C: i32, mean: usize, inv: usize, out: usize, xhat: usize, invOut: usize): void {
  if (mode == NONE) {
    for (let c = 0; c < C; c += 4) {
      const v = ld(at(p, c), C - c)
      st(at(out, c), v, C - c)
      if (xhat) st(at(xhat, c), v, C - c)
    }
    return
  }
  if (mode == ROW) {
    // The row's own statistics, one mean and 1/σ per group: used as they are (splat), not spread
    // into per-column arrays first.
    const size = C / groups
    for (let g = 0; g < groups; g++) {
      const g0 = g * size
      groupStats(at(p, g0), size)
      const mv = sp(groupMean)
      const r = sp(groupInv)
      for (let c = g0; c < g0 + size; c += 4) {
        const m = g0 + size - c
        const x = xhat4(ld(at(p, c), m), mv, r)
        st(at(out, c), y4(ld(at(gamma, c), m), x, ld(at(beta, c), m)), m)
        if (xhat) st(at(xhat, c), x, m)
        if (invOut) st(at(invOut, c), r, m)
      }
    }
    return
  }
  for (let c = 0; c < C; c += 4) {
    const m = C - c
    const r = ld(at(inv, c), m)
    const x = xhat4(ld(at(p, c), m), ld(at(mean, c), m), r)
    st(at(out, c), y4(ld(at(gamma, c), m), x, ld(at(beta, c), m)), m)
    if (xhat) st(at(xhat, c), x, m)
    if (invOut) st(at(invOut, c), r, m)
  }
}

/** Row statistics' backward over C values, group by group (each value's weight 1/size). */
export function rowGrad(C: i32, xhat: usize, dy: usize, inv: usize, du: usize): void {
  const size = C / groups
  const w = w4(sp(1.0), sp(<f32>size))
  for (let g = 0; g < groups; g++) {
    const end = (g + 1) * size
    let s1 = sp(0)
    let s2 = sp(0)
    for (let c = g * size; c < end; c += 4) {
      const m = end - c
      const d = g4(ld(at(gamma, c), m), ld(at(dy, c), m))
      s1 = add(s1, s1Term4(d))
      s2 = add(s2, s2Term4(d, ld(at(xhat, c), m)))
    }
    const S1 = sp(center ? hsum(s1) : 0)
    const S2 = sp(hsum(s2))
    for (let c = g * size; c < end; c += 4) {
      const m = end - c
      const d = g4(ld(at(gamma, c), m), ld(at(dy, c), m))
      st(at(du, c), du4(ld(at(inv, c), m), d, w, S1, ld(at(xhat, c), m), S2), m)
    }
  }
}
