// The recurrence's kernels on the wasm backend, over its own memory: the same loops as the
// JavaScript kernels (js/normalization.ts, js/cell-kernels.ts), four lanes at a time, with the
// per-unit arithmetic of every cell and of the normalization generated from their formulas
// (cells.generated.ts, normalization.generated.ts). Matrices are
// row-major float32; "stacked" tensors hold every time step (row t·N + n); a pointer of 0 is an
// absent input. `scratch` is memory the caller sized for the kernel (register.ts).
import { add, at, copy, hsum, ld, mul, sp, st, sub, zero } from './lanes'
import { BATCH, NONE, ROW, center, colsFromStats, eps, gamma, groupInv, groupMean, groupStats, groups, mode, normalizedRow, rowGrad, rowsPerSegment, statsRow } from './norm'
import { afterNormRow, beforeNormRow, gatesRow, stateRow } from './cells.generated'
import { dgamma2, dgamma4, du2, du4, g2, g4, inv2, mean2, mean4, nTerm4, s1Term2, s1Term4, s2Term2, s2Term4, sqTerm2, sqTerm4, sxTerm2, sxTerm4, variance2, variance4, w2, w4, xhat2, xhat4 } from './normalization.generated'

export { setNorm } from './norm'

/**
 * Weighted column moments of v [R, stride] over columns [col0, col0 + W), per segment of R / S
 * rows. out: [S, 2W], means then variances (center 0: zeros, then mean squares).
 */
export function moments(v: usize, stride: i32, w: usize, wOffset: i32, R: i32, S: i32, col0: i32, W: i32, centered: i32, out: usize): void {
  const rows = R / S
  for (let s = 0; s < S; s++) {
    const o = at(out, s * 2 * W)
    const n = countOf(w, wOffset + s * rows, rows)
    let c = 0
    // Sixteen columns at a time: four independent sums per pass, not one chain of dependent adds.
    for (; c + 16 <= W; c += 16) momentsOf16(v, stride, w, wOffset, s * rows, (s + 1) * rows, col0 + c, centered, n, at(o, c), at(o, W + c))
    for (; c < W; c += 4) {
      const m = W - c
      let mean = sp(0)
      if (centered)
        for (let r = s * rows; r < (s + 1) * rows; r++) {
          const wr = load<f32>(at(w, wOffset + r))
          if (wr == 0) continue
          mean = add(mean, sxTerm4(sp(wr), ld(at(v, r * stride + col0 + c), m)))
        }
      if (centered) mean = mean4(mean, n)
      let q = sp(0)
      for (let r = s * rows; r < (s + 1) * rows; r++) {
        const wr = load<f32>(at(w, wOffset + r))
        if (wr == 0) continue
        q = add(q, sqTerm4(sp(wr), ld(at(v, r * stride + col0 + c), m), mean))
      }
      st(at(o, c), mean, m)
      st(at(o, W + c), variance4(q, n), m)
    }
  }
}

/**
 * n = Σm over `rows` weights from row0, splat: the count the statistics divide by (the weights
 * arrive normalized, mask/count, so ≈ 1; dividing by their own sum undoes their rounding). 1 for
 * a segment no sample reaches: its statistics are then 0.
 */
function countOf(w: usize, row0: i32, rows: i32): v128 {
  let n = sp(0)
  for (let r = row0; r < row0 + rows; r++) n = add(n, nTerm4(sp(load<f32>(at(w, r)))))
  const total = f32x4.extract_lane(n, 0)
  return sp(total == 0 ? 1 : total)
}

/** moments' sixteen columns from col of rows [r0, r1): means at outMean, variances at outVar; n the weights' sum. */
function momentsOf16(v: usize, stride: i32, w: usize, wOffset: i32, r0: i32, r1: i32, col: i32, centered: i32, n: v128, outMean: usize, outVar: usize): void {
  let m0 = sp(0), m1 = sp(0), m2 = sp(0), m3 = sp(0)
  if (centered)
    for (let r = r0; r < r1; r++) {
      const wr = load<f32>(at(w, wOffset + r))
      if (wr == 0) continue
      const x = sp(wr)
      const p = at(v, r * stride + col)
      m0 = add(m0, sxTerm4(x, v128.load(p)))
      m1 = add(m1, sxTerm4(x, v128.load(p, 16)))
      m2 = add(m2, sxTerm4(x, v128.load(p, 32)))
      m3 = add(m3, sxTerm4(x, v128.load(p, 48)))
    }
  if (centered) {
    m0 = mean4(m0, n)
    m1 = mean4(m1, n)
    m2 = mean4(m2, n)
    m3 = mean4(m3, n)
  }
  let q0 = sp(0), q1 = sp(0), q2 = sp(0), q3 = sp(0)
  for (let r = r0; r < r1; r++) {
    const wr = load<f32>(at(w, wOffset + r))
    if (wr == 0) continue
    const x = sp(wr)
    const p = at(v, r * stride + col)
    q0 = add(q0, sqTerm4(x, v128.load(p), m0))
    q1 = add(q1, sqTerm4(x, v128.load(p, 16), m1))
    q2 = add(q2, sqTerm4(x, v128.load(p, 32), m2))
    q3 = add(q3, sqTerm4(x, v128.load(p, 48), m3))
  }
  v128.store(outMean, m0)
  v128.store(outMean, m1, 16)
  v128.store(outMean, m2, 32)
  v128.store(outMean, m3, 48)
  v128.store(outVar, variance4(q0, n))
  v128.store(outVar, variance4(q1, n), 16)
  v128.store(outVar, variance4(q2, n), 32)
  v128.store(outVar, variance4(q3, n), 48)
}

/** y = γ·x̂ + β + bias over u [R, C] (no statistics: u + bias). scratch: 2C. */
export function normApply(u: usize, R: i32, C: i32, bias: usize, out: usize, scratch: usize): void {
  const mean = scratch
  const inv = at(scratch, C)
  for (let r = 0; r < R; r++) {
    const row = at(u, r * C)
    const o = at(out, r * C)
    if (mode == BATCH && r % rowsPerSegment == 0) colsFromStats(mean, inv, C, statsRow + r / rowsPerSegment)
    normalizedRow(row, C, mean, inv, o, 0, 0)
    if (bias) for (let c = 0; c < C; c += 4) st(at(o, c), add(ld(at(o, c), C - c), ld(at(bias, c), C - c)), C - c)
  }
}

/**
 * The normalizer's backward over R rows of u [·, C] from row uRow0 (w's rows alike), given dy
 * (columns [dyCol0, dyCol0 + C) of a [R, dyStride] matrix): du [R, C] and dy·x̂ [R, C].
 * batch: sums over each segment's rows, weighted by w; row: over the row's group. scratch: C.
 */
export function normGrad(dy: usize, dyStride: i32, dyCol0: i32, u: usize, uRow0: i32, R: i32, C: i32, w: usize, du: usize, dyXhat: usize, scratch: usize): void {
  if (mode == NONE) {
    for (let r = 0; r < R; r++) copy(at(du, r * C), at(dy, r * dyStride + dyCol0), C)
    zero(dyXhat, R * C)
    return
  }
  if (mode == ROW) {
    // Group by group with the group's mean and 1/σ as scalars: x̂ kept for the second pass only.
    const xhat = scratch
    const size = C / groups
    const w = w4(sp(1.0), sp(<f32>size)) // each value's weight in its group's statistics (m = 1, n = size)
    for (let r = 0; r < R; r++) {
      const ub = at(u, (uRow0 + r) * C)
      const db = at(dy, r * dyStride + dyCol0)
      for (let g = 0; g < groups; g++) {
        const g0 = g * size
        const end = g0 + size
        groupStats(at(ub, g0), size)
        const mv = sp(groupMean)
        const iv = sp(groupInv)
        let s1 = sp(0)
        let s2 = sp(0)
        for (let c = g0; c < end; c += 4) {
          const m = end - c
          const x = xhat4(ld(at(ub, c), m), mv, iv)
          const d = ld(at(db, c), m)
          const gd = g4(ld(at(gamma, c), m), d)
          s1 = add(s1, s1Term4(gd))
          s2 = add(s2, s2Term4(gd, x))
          st(at(xhat, c), x, m)
          st(at(dyXhat, r * C + c), dgamma4(d, x), m)
        }
        const S1 = sp(center ? hsum(s1) : 0)
        const S2 = sp(hsum(s2))
        for (let c = g0; c < end; c += 4) {
          const m = end - c
          st(at(du, r * C + c), du4(iv, g4(ld(at(gamma, c), m), ld(at(db, c), m)), w, S1, ld(at(xhat, c), m), S2), m)
        }
      }
    }
    return
  }
  // batch: in float64, two columns per lane pair (see batchGrad4).
  const rps = rowsPerSegment
  for (let r0 = 0; r0 < R; r0 += rps) {
    let total: f64 = 0
    for (let r = r0; r < r0 + rps; r++) total += <f64>load<f32>(at(w, uRow0 + r))
    if (total == 0) total = 1 // a step no sample reaches: its statistics are 0, as the forward's
    for (let c = 0; c < C; c += 4) batchGrad4(at(dy, r0 * dyStride), dyStride, dyCol0 + c, u, uRow0 + r0, rps, C, c, w, total, at(du, r0 * C + c), at(dyXhat, r0 * C + c))
  }
}

@inline function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v)
}
@inline function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))
}
@inline function pair(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5)
}

/**
 * A batch norm's backward at four columns (c) of one segment of `rows` rows from row0, in
 * float64: the segment's mean and variance again from u and the weights as the mask m, divided
 * by their sum n (float32's 1/3 is not a third), then du = r·(γdy − w·(m₁ + x̂·m₂)). At few valid samples that
 * difference cancels to a small fraction of its terms (two samples: a factor ε/(σ² + ε)), so the
 * float32 statistics and sums the forward kept would be most of a float32 engine's error
 * (js/normalization.ts does the same in JavaScript).
 */
function batchGrad4(dy: usize, dyStride: i32, dyCol: i32, u: usize, row0: i32, rows: i32, C: i32, c: i32, w: usize, total: f64, du: usize, dyXhat: usize): void {
  const m = C - c
  let meanLo = f64x2.splat(0), meanHi = f64x2.splat(0)
  if (center)
    for (let r = 0; r < rows; r++) {
      const wr = <f64>load<f32>(at(w, row0 + r))
      if (wr == 0) continue
      const x = ld(at(u, (row0 + r) * C + c), m)
      meanLo = f64x2.add(meanLo, sxTerm2(f64x2.splat(wr), lo(x)))
      meanHi = f64x2.add(meanHi, sxTerm2(f64x2.splat(wr), hi(x)))
    }
  const n = f64x2.splat(total)
  if (center) {
    meanLo = mean2(meanLo, n)
    meanHi = mean2(meanHi, n)
  }
  let qLo = f64x2.splat(0), qHi = f64x2.splat(0)
  for (let r = 0; r < rows; r++) {
    const wr = <f64>load<f32>(at(w, row0 + r))
    if (wr == 0) continue
    const x = ld(at(u, (row0 + r) * C + c), m)
    qLo = f64x2.add(qLo, sqTerm2(f64x2.splat(wr), lo(x), meanLo))
    qHi = f64x2.add(qHi, sqTerm2(f64x2.splat(wr), hi(x), meanHi))
  }
  const e = f64x2.splat(<f64>eps)
  const invLo = inv2(variance2(qLo, n), e)
  const invHi = inv2(variance2(qHi, n), e)
  const g = ld(at(gamma, c), m)
  const gLo = lo(g), gHi = hi(g)
  let s1Lo = f64x2.splat(0), s1Hi = f64x2.splat(0), s2Lo = f64x2.splat(0), s2Hi = f64x2.splat(0)
  for (let r = 0; r < rows; r++) {
    const x = ld(at(u, (row0 + r) * C + c), m)
    const xLo = xhat2(lo(x), meanLo, invLo)
    const xHi = xhat2(hi(x), meanHi, invHi)
    const d = ld(at(dy, r * dyStride + dyCol), m)
    const dLo = lo(d), dHi = hi(d)
    const gdLo = g2(gLo, dLo), gdHi = g2(gHi, dHi)
    s1Lo = f64x2.add(s1Lo, s1Term2(gdLo))
    s1Hi = f64x2.add(s1Hi, s1Term2(gdHi))
    s2Lo = f64x2.add(s2Lo, s2Term2(gdLo, xLo))
    s2Hi = f64x2.add(s2Hi, s2Term2(gdHi, xHi))
    st(at(dyXhat, r * C), pair(dgamma2(dLo, xLo), dgamma2(dHi, xHi)), m)
  }
  if (!center) {
    s1Lo = f64x2.splat(0)
    s1Hi = f64x2.splat(0)
  }
  for (let r = 0; r < rows; r++) {
    const wr = w2(f64x2.splat(<f64>load<f32>(at(w, row0 + r))), n)
    const x = ld(at(u, (row0 + r) * C + c), m)
    const xLo = xhat2(lo(x), meanLo, invLo)
    const xHi = xhat2(hi(x), meanHi, invHi)
    const d = ld(at(dy, r * dyStride + dyCol), m)
    const duLo = du2(invLo, g2(gLo, lo(d)), wr, s1Lo, xLo, s2Lo)
    const duHi = du2(invHi, g2(gHi, hi(d)), wr, s1Hi, xHi, s2Hi)
    st(at(du, r * C), pair(duLo, duHi), m)
  }
}

/**
 * aᵀ·b over columns [col0, col0 + W) of b [R, stride], a [R, M] (0: ones, M = 1: the column
 * sums). out [M, W].
 */
export function columnProduct(a: usize, M: i32, b: usize, R: i32, stride: i32, col0: i32, W: i32, out: usize): void {
  // Row by row (b streams through once; out, M·W values, stays in cache).
  zero(out, M * W)
  for (let r = 0; r < R; r++) {
    const br = at(b, r * stride + col0)
    for (let mm = 0; mm < M; mm++) {
      const x: f32 = a ? load<f32>(at(a, r * M + mm)) : 1
      if (x == 0) continue
      const xv = sp(x)
      const o = at(out, mm * W)
      for (let c = 0; c < W; c += 4) st(at(o, c), add(ld(at(o, c), W - c), mul(xv, ld(at(br, c), W - c))), W - c)
    }
  }
}

const GATES = 0
const STATE = 1

/**
 * A cell's forward at one time step (kernels/names.ts CellForwardAttrs): stage 0 'gates' (A from
 * the gate terms, the recurrent term v normalized inline), 1 'state' (h, c from A, the inner term
 * normalized inline; padded samples keep their state), 2 'step' (both; A kept when outA ≠ 0).
 * G gates, aWidth activations, innerCol the inner term's column (units of H).
 * scratch: 3·G·H + (aWidth + 1)·H.
 */
export function cellForward(cell: i32, stage: i32, N: i32, H: i32, rowOffset: i32, G: i32, aWidth: i32, innerCol: i32, xz: usize, v: usize, A: usize, hPrev: usize, cPrev: usize, keep: usize, outA: usize, outH: usize, outC: usize, scratch: usize): void {
  const C = G * H
  const stride = aWidth * H
  const mean = scratch
  const inv = at(scratch, C)
  const u = at(scratch, 2 * C)
  const y = at(scratch, 3 * C)
  const row = at(scratch, 3 * C + H)
  if (stage == STATE) {
    if (mode == BATCH) colsFromStats(mean, inv, H, statsRow)
    for (let s = 0; s < N; s++) {
      if (!(load<f32>(at(keep, rowOffset + s)) > 0)) {
        copy(at(outH, s * H), at(hPrev, s * H), H)
        if (outC) copy(at(outC, s * H), at(cPrev, s * H), H)
        continue
      }
      normalizedRow(at(A, s * stride + innerCol * H), H, mean, inv, y, 0, 0)
      stateRow(cell, H, at(A, s * stride), y, at(hPrev, s * H), cPrev ? at(cPrev, s * H) : 0, at(outH, s * H), outC ? at(outC, s * H) : 0)
    }
    return
  }
  if (mode == BATCH) colsFromStats(mean, inv, C, statsRow)
  for (let s = 0; s < N; s++) {
    const a = outA ? at(outA, s * stride) : row
    normalizedRow(at(v, s * C), C, mean, inv, u, 0, 0)
    gatesRow(cell, H, at(xz, (rowOffset + s) * C), u, at(hPrev, s * H), cPrev ? at(cPrev, s * H) : 0, a)
    if (stage == GATES) continue
    if (load<f32>(at(keep, rowOffset + s)) > 0) stateRow(cell, H, a, 0, at(hPrev, s * H), cPrev ? at(cPrev, s * H) : 0, at(outH, s * H), 0)
    else copy(at(outH, s * H), at(hPrev, s * H), H)
  }
}

/**
 * Backward through one step (kernels/names.ts CellBackwardAttrs; inputs stacked over time, read
 * from rowOffset = t·N). P [N, width·H]: the packed step gradient (kernels/layout.ts), whose
 * blocks carryH, carryC (−1: none), innerDy, innerDyXhat (−1: no inner term) are in units of H;
 * K values kept per unit. scratch: (7 + K)·N·H + 2H.
 */
export function cellBackward(cell: i32, N: i32, H: i32, rowOffset: i32, aWidth: i32, innerCol: i32, width: i32, carryH: i32, carryC: i32, innerDy: i32, innerDyXhat: i32, K: i32, dhRec: usize, prev: usize, dhOut: usize, A: usize, hPrev: usize, cPrev: usize, keep: usize, w: usize, P: usize, scratch: usize): void {
  const NH = N * H
  const W = width * H
  const stride = aWidth * H
  const dh = scratch
  const cc = at(scratch, NH)
  const y = at(scratch, 2 * NH)
  const xhat = at(scratch, 3 * NH)
  const inner = at(scratch, 4 * NH)
  const inv = at(scratch, 5 * NH)
  const dinnerBuf = at(scratch, 6 * NH)
  const kept = at(scratch, 7 * NH)
  const colMean = at(scratch, (7 + K) * NH)
  const colInv = at(scratch, (7 + K) * NH + H)
  const hasC = carryC >= 0
  for (let s = 0; s < N; s++) {
    for (let k = 0; k < H; k += 4) {
      const m = H - k
      let d = ld(at(dhRec, s * H + k), m)
      if (prev) d = add(d, ld(at(prev, s * W + carryH * H + k), m))
      if (dhOut) d = add(d, ld(at(dhOut, (rowOffset + s) * H + k), m))
      st(at(dh, s * H + k), d, m)
      if (hasC) st(at(cc, s * H + k), prev ? ld(at(prev, s * W + carryC * H + k), m) : sp(0), m)
    }
  }
  let dinner: usize = 0
  if (innerCol >= 0) {
    // Padded samples add nothing to the batch sums below: their rows stay zero.
    zero(y, 3 * NH)
    if (mode == BATCH) colsFromStats(colMean, colInv, H, statsRow)
    for (let s = 0; s < N; s++) {
      if (!(load<f32>(at(keep, rowOffset + s)) > 0)) continue
      const r = rowOffset + s
      normalizedRow(at(A, r * stride + innerCol * H), H, colMean, colInv, at(y, s * H), at(xhat, s * H), at(inv, s * H))
      beforeNormRow(cell, H, at(A, r * stride), at(y, s * H), at(hPrev, r * H), cPrev ? at(cPrev, r * H) : 0, at(dh, s * H), hasC ? at(cc, s * H) : 0, at(inner, s * H), at(kept, s * H), NH)
    }
    dinner = innerBackward(N, H, rowOffset, keep, w, inner, xhat, inv, colInv, dinnerBuf)
  }
  for (let s = 0; s < N; s++) {
    const po = at(P, s * W)
    if (!(load<f32>(at(keep, rowOffset + s)) > 0)) {
      zero(po, W)
      copy(at(po, carryH * H), at(dh, s * H), H)
      if (hasC) copy(at(po, carryC * H), at(cc, s * H), H)
      continue
    }
    const r = rowOffset + s
    afterNormRow(cell, H, at(A, r * stride), at(y, s * H), at(hPrev, r * H), cPrev ? at(cPrev, r * H) : 0, at(dh, s * H), hasC ? at(cc, s * H) : 0, dinner ? at(dinner, s * H) : 0, at(kept, s * H), NH, po)
    if (innerCol >= 0) {
      for (let k = 0; k < H; k += 4) {
        const m = H - k
        const d = ld(at(inner, s * H + k), m)
        st(at(po, innerDy * H + k), d, m)
        st(at(po, innerDyXhat * H + k), dgamma4(d, ld(at(xhat, s * H + k), m)), m)
      }
    }
  }
}

/** The inner term's normalizer backward over the step's samples: the gradient into the term from the gradient into y (dy). */
function innerBackward(N: i32, H: i32, rowOffset: i32, keep: usize, w: usize, dy: usize, xhat: usize, inv: usize, colInv: usize, out: usize): usize {
  if (mode == NONE) return dy
  if (mode == ROW) {
    for (let s = 0; s < N; s++) if (load<f32>(at(keep, rowOffset + s)) > 0) rowGrad(H, at(xhat, s * H), at(dy, s * H), at(inv, s * H), at(out, s * H))
    return out
  }
  const n = countOf(w, rowOffset, N)
  for (let k = 0; k < H; k += 4) {
    const m = H - k
    const g = ld(at(gamma, k), m)
    let s1 = sp(0)
    let s2 = sp(0)
    for (let s = 0; s < N; s++) {
      const d = g4(g, ld(at(dy, s * H + k), m))
      s1 = add(s1, s1Term4(d))
      s2 = add(s2, s2Term4(d, ld(at(xhat, s * H + k), m)))
    }
    if (!center) s1 = sp(0)
    const r = ld(at(colInv, k), m)
    for (let s = 0; s < N; s++) {
      const wr = w4(sp(load<f32>(at(w, rowOffset + s))), n)
      st(at(out, s * H + k), du4(r, g4(g, ld(at(dy, s * H + k), m)), wr, s1, ld(at(xhat, s * H + k), m), s2), m)
    }
  }
  return out
}
