// The fused recurrent kernels' arithmetic on plain Float32Arrays: what the cpu and wasm backends
// run (kernels.ts), and the definition the WebGL shaders (webgl.ts) mirror. Matrices are
// row-major. "Stacked" tensors hold every time step: row t·N + n is sample n at step t; a kernel
// working on step t reads them from `rowOffset` = t·N, and stacked statistics from row t.
//
// Normalizer modes: 'none'; 'bn': weighted batch statistics per column (w = mask / count, so
// padded rows weigh 0), given as a stats input [S, 2C] (means, then biased variances, per segment
// of rows); 'row': each row's own statistics over `groups` contiguous groups of its features (LN:
// one group; GN). Formulas and gradients: docs/engine.md and norms/fused.ts.
//
// Written for speed on the CPU: statistics turned into per-column mean and 1/σ once per segment
// (bn) or row (row mode), no allocation inside loops, accumulation in float64.

export type NormMode = 'none' | 'bn' | 'row'

export interface NormArgs {
  mode: NormMode
  groups: number
  eps: number
  /** bn: [S, 2C] means then variances per segment. */
  stats: Float32Array | null
  /** bn: the stats row of the first segment (a stacked [T, 2C] read at step t). */
  statsRow: number
  /** bn: rows per segment of the stats. */
  rowsPerSegment: number
  gamma: Float32Array | null
  beta: Float32Array | null
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** Per-column mean and 1/√(var + eps) of a normalizer at one segment (bn) or row (row mode). */
class Columns {
  readonly mean: Float64Array
  readonly inv: Float64Array
  constructor(readonly C: number) {
    this.mean = new Float64Array(C)
    this.inv = new Float64Array(C)
  }

  /** bn: from stats row `row` of a [·, 2C] stats matrix. */
  fromStats(stats: Float32Array, row: number, eps: number): this {
    const base = row * 2 * this.C
    for (let c = 0; c < this.C; c++) {
      this.mean[c] = stats[base + c]!
      this.inv[c] = 1 / Math.sqrt(stats[base + this.C + c]! + eps)
    }
    return this
  }

  /** row mode: row r's own statistics over its C features from col0 of a [·, stride] matrix, per group. */
  fromRow(v: Float32Array, stride: number, col0: number, r: number, groups: number, eps: number): this {
    const size = this.C / groups
    for (let g = 0; g < groups; g++) {
      const base = r * stride + col0 + g * size
      let m = 0
      for (let c = 0; c < size; c++) m += v[base + c]!
      m /= size
      let q = 0
      for (let c = 0; c < size; c++) {
        const d = v[base + c]! - m
        q += d * d
      }
      const inv = 1 / Math.sqrt(q / size + eps)
      for (let c = g * size; c < (g + 1) * size; c++) {
        this.mean[c] = m
        this.inv[c] = inv
      }
    }
    return this
  }
}

/** Weighted column moments of v [R, stride] over columns [col0, col0 + W), per segment of R / S rows. out: [S, 2W]. */
export function moments(v: Float32Array, stride: number, w: Float32Array, wOffset: number, R: number, S: number, col0: number, W: number, out: Float32Array): void {
  const rows = R / S
  const mean = new Float64Array(W)
  const q = new Float64Array(W)
  for (let s = 0; s < S; s++) {
    mean.fill(0)
    q.fill(0)
    for (let r = s * rows; r < (s + 1) * rows; r++) {
      const wr = w[wOffset + r]!
      if (wr === 0) continue
      const base = r * stride + col0
      for (let c = 0; c < W; c++) mean[c] = mean[c]! + wr * v[base + c]!
    }
    for (let r = s * rows; r < (s + 1) * rows; r++) {
      const wr = w[wOffset + r]!
      if (wr === 0) continue
      const base = r * stride + col0
      for (let c = 0; c < W; c++) {
        const d = v[base + c]! - mean[c]!
        q[c] = q[c]! + wr * d * d
      }
    }
    for (let c = 0; c < W; c++) {
      out[s * 2 * W + c] = mean[c]!
      out[s * 2 * W + W + c] = q[c]!
    }
  }
}

/** y = γ·x̂ + β + bias over u [R, C] (none: u + bias). */
export function normApply(u: Float32Array, R: number, C: number, n: NormArgs, bias: Float32Array | null, out: Float32Array): void {
  const cols = new Columns(C)
  for (let r = 0; r < R; r++) {
    const base = r * C
    if (n.mode === 'none') {
      for (let c = 0; c < C; c++) out[base + c] = u[base + c]! + (bias ? bias[c]! : 0)
      continue
    }
    if (n.mode === 'row') cols.fromRow(u, C, 0, r, n.groups, n.eps)
    else if (r % n.rowsPerSegment === 0) cols.fromStats(n.stats!, n.statsRow + r / n.rowsPerSegment, n.eps)
    const gamma = n.gamma!
    const beta = n.beta!
    for (let c = 0; c < C; c++) out[base + c] = gamma[c]! * (u[base + c]! - cols.mean[c]!) * cols.inv[c]! + beta[c]! + (bias ? bias[c]! : 0)
  }
}

/**
 * The normalizer's backward over R rows of u [·, C] from row uRow0 (w's rows alike), given dy
 * (columns [dyCol0, dyCol0 + C) of a [R, dyStride] matrix): du [R, C] and dy·x̂ [R, C] (for dγ).
 * bn: du = inv·(γdy − w·(Σ γdy + x̂·Σ γdy·x̂)), sums over the segment's rows;
 * row: du = inv·(γdy − mean_g(γdy) − x̂·mean_g(γdy·x̂)) over the row's group.
 */
export function normGrad(dy: Float32Array, dyStride: number, dyCol0: number, u: Float32Array, uRow0: number, R: number, C: number, n: NormArgs, w: Float32Array | null, du: Float32Array, dyXhat: Float32Array): void {
  if (n.mode === 'none') {
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) du[r * C + c] = dy[r * dyStride + dyCol0 + c]!
    return
  }
  const gamma = n.gamma!
  const cols = new Columns(C)
  if (n.mode === 'bn') {
    const s1 = new Float64Array(C)
    const s2 = new Float64Array(C)
    for (let r0 = 0; r0 < R; r0 += n.rowsPerSegment) {
      cols.fromStats(n.stats!, n.statsRow + r0 / n.rowsPerSegment, n.eps)
      s1.fill(0)
      s2.fill(0)
      for (let r = r0; r < r0 + n.rowsPerSegment; r++) {
        const ub = (uRow0 + r) * C
        const db = r * dyStride + dyCol0
        for (let c = 0; c < C; c++) {
          const xhat = (u[ub + c]! - cols.mean[c]!) * cols.inv[c]!
          const g = dy[db + c]!
          const dxhat = gamma[c]! * g
          s1[c] = s1[c]! + dxhat
          s2[c] = s2[c]! + dxhat * xhat
          dyXhat[r * C + c] = g * xhat
        }
      }
      for (let r = r0; r < r0 + n.rowsPerSegment; r++) {
        const wr = w![uRow0 + r]!
        const ub = (uRow0 + r) * C
        const db = r * dyStride + dyCol0
        for (let c = 0; c < C; c++) {
          const xhat = (u[ub + c]! - cols.mean[c]!) * cols.inv[c]!
          du[r * C + c] = cols.inv[c]! * (gamma[c]! * dy[db + c]! - wr * (s1[c]! + xhat * s2[c]!))
        }
      }
    }
    return
  }
  const size = C / n.groups
  for (let r = 0; r < R; r++) {
    cols.fromRow(u, C, 0, uRow0 + r, n.groups, n.eps)
    const ub = (uRow0 + r) * C
    const db = r * dyStride + dyCol0
    for (let g = 0; g < n.groups; g++) {
      let m1 = 0
      let m2 = 0
      for (let c = g * size; c < (g + 1) * size; c++) {
        const xhat = (u[ub + c]! - cols.mean[c]!) * cols.inv[c]!
        const dxhat = gamma[c]! * dy[db + c]!
        m1 += dxhat
        m2 += dxhat * xhat
      }
      m1 /= size
      m2 /= size
      for (let c = g * size; c < (g + 1) * size; c++) {
        const xhat = (u[ub + c]! - cols.mean[c]!) * cols.inv[c]!
        const gy = dy[db + c]!
        du[r * C + c] = cols.inv[c]! * (gamma[c]! * gy - m1 - xhat * m2)
        dyXhat[r * C + c] = gy * xhat
      }
    }
  }
}

/**
 * LSTM gates of one step: z = xz[rowOffset + n] + N_h(v)[n] (xz already holds N_x(x·Wx) + b).
 * out A [N, 5H]: σ(i), σ(f), tanh(g), σ(o), then c_new = σ(f)·c_prev + σ(i)·tanh(g).
 */
export function lstmGates(xz: Float32Array, rowOffset: number, v: Float32Array, N: number, H: number, nh: NormArgs, cPrev: Float32Array, out: Float32Array): void {
  const C = 4 * H
  const cols = new Columns(C)
  if (nh.mode === 'bn') cols.fromStats(nh.stats!, nh.statsRow, nh.eps)
  const z = new Float64Array(C)
  for (let n = 0; n < N; n++) {
    const vb = n * C
    const xb = (rowOffset + n) * C
    if (nh.mode === 'none') for (let c = 0; c < C; c++) z[c] = xz[xb + c]! + v[vb + c]!
    else {
      if (nh.mode === 'row') cols.fromRow(v, C, 0, n, nh.groups, nh.eps)
      const gamma = nh.gamma!
      const beta = nh.beta!
      for (let c = 0; c < C; c++) z[c] = xz[xb + c]! + gamma[c]! * (v[vb + c]! - cols.mean[c]!) * cols.inv[c]! + beta[c]!
    }
    const o = n * 5 * H
    for (let k = 0; k < H; k++) {
      const i = sigmoid(z[k]!)
      const f = sigmoid(z[H + k]!)
      const g = Math.tanh(z[2 * H + k]!)
      out[o + k] = i
      out[o + H + k] = f
      out[o + 2 * H + k] = g
      out[o + 3 * H + k] = sigmoid(z[3 * H + k]!)
      out[o + 4 * H + k] = f * cPrev[n * H + k]! + i * g
    }
  }
}

/** The cell norm's per-column mean and 1/σ for A's row `row` (bn: from the stats, already set). */
function cellColumns(cols: Columns, A: Float32Array, H: number, row: number, nc: NormArgs): void {
  if (nc.mode === 'row') cols.fromRow(A, 5 * H, 4 * H, row, nc.groups, nc.eps)
}

/** h = σ(o)·tanh(N_c(c_new)) and c = c_new where keep[rowOffset + n], else the previous state. */
export function lstmState(A: Float32Array, N: number, H: number, nc: NormArgs, hPrev: Float32Array, cPrev: Float32Array, keep: Float32Array, rowOffset: number, hOut: Float32Array, cOut: Float32Array): void {
  const cols = new Columns(H)
  if (nc.mode === 'bn') cols.fromStats(nc.stats!, nc.statsRow, nc.eps)
  for (let n = 0; n < N; n++) {
    const hb = n * H
    if (!(keep[rowOffset + n]! > 0)) {
      for (let k = 0; k < H; k++) {
        hOut[hb + k] = hPrev[hb + k]!
        cOut[hb + k] = cPrev[hb + k]!
      }
      continue
    }
    const a = n * 5 * H
    cellColumns(cols, A, H, n, nc)
    for (let k = 0; k < H; k++) {
      const c = A[a + 4 * H + k]!
      const y = nc.mode === 'none' ? c : nc.gamma![k]! * (c - cols.mean[k]!) * cols.inv[k]! + nc.beta![k]!
      hOut[hb + k] = A[a + 3 * H + k]! * Math.tanh(y)
      cOut[hb + k] = c
    }
  }
}

/** Width of the packed gradient of one LSTM step (see lstmCellGrad), in units of H. */
export const LSTM_GRAD_WIDTH = 8

/**
 * Backward through one LSTM step t. A, cPrev, keep, w and dhOut are stacked over time (read from
 * rowOffset = t·N), the cell statistics too (row nc.statsRow = t). The gradient into h_t is dhRec
 * (from step t+1's recurrent matMul, or the loss at the last step) + prev's h passthrough +
 * dhOut (per-step outputs); into c_t, prev's c carry. out P [N, 8H]: dz (i, f, g, o
 * pre-activations, 4H) | dc_prev | dh passthrough (padded samples) | dy_c | dy_c·ĉ (for β_c, γ_c).
 */
export function lstmCellGrad(
  dhRec: Float32Array,
  prev: Float32Array | null,
  dhOut: Float32Array | null,
  A: Float32Array,
  cPrev: Float32Array,
  N: number,
  H: number,
  nc: NormArgs,
  keep: Float32Array,
  w: Float32Array,
  rowOffset: number,
  out: Float32Array,
): void {
  const P = LSTM_GRAD_WIDTH * H
  const NH = N * H
  // Per (n, k): the gradient into h, ĉ, tanh(y_c), dy_c, and the norm's 1/σ (row mode varies by row).
  const dh = new Float64Array(NH)
  const xhat = new Float64Array(NH)
  const tanhY = new Float64Array(NH)
  const dyc = new Float64Array(NH)
  const inv = new Float64Array(NH)
  const cols = new Columns(H)
  if (nc.mode === 'bn') cols.fromStats(nc.stats!, nc.statsRow, nc.eps)
  for (let n = 0; n < N; n++) {
    const row = rowOffset + n
    const hb = n * H
    for (let k = 0; k < H; k++) dh[hb + k] = dhRec[hb + k]! + (prev ? prev[n * P + 5 * H + k]! : 0) + (dhOut ? dhOut[row * H + k]! : 0)
    if (!(keep[row]! > 0)) continue
    cellColumns(cols, A, H, row, nc)
    const a = row * 5 * H
    for (let k = 0; k < H; k++) {
      const c = A[a + 4 * H + k]!
      let x = c
      let y = c
      if (nc.mode !== 'none') {
        x = (c - cols.mean[k]!) * cols.inv[k]!
        y = nc.gamma![k]! * x + nc.beta![k]!
        inv[hb + k] = cols.inv[k]!
      }
      const th = Math.tanh(y)
      xhat[hb + k] = x
      tanhY[hb + k] = th
      dyc[hb + k] = dh[hb + k]! * A[a + 3 * H + k]! * (1 - th * th)
    }
  }
  // dc_new: the cell norm's backward of dy_c (none: dy_c itself), into xhat's place to save memory.
  const dcNew = new Float64Array(NH)
  if (nc.mode === 'bn') {
    const gamma = nc.gamma!
    for (let k = 0; k < H; k++) {
      let s1 = 0
      let s2 = 0
      for (let n = 0; n < N; n++) {
        const d = gamma[k]! * dyc[n * H + k]!
        s1 += d
        s2 += d * xhat[n * H + k]!
      }
      for (let n = 0; n < N; n++) {
        const j = n * H + k
        dcNew[j] = cols.inv[k]! * (gamma[k]! * dyc[j]! - w[rowOffset + n]! * (s1 + xhat[j]! * s2))
      }
    }
  } else if (nc.mode === 'row') {
    const gamma = nc.gamma!
    const size = H / nc.groups
    for (let n = 0; n < N; n++) {
      if (!(keep[rowOffset + n]! > 0)) continue
      for (let g = 0; g < nc.groups; g++) {
        let m1 = 0
        let m2 = 0
        for (let k = g * size; k < (g + 1) * size; k++) {
          const d = gamma[k]! * dyc[n * H + k]!
          m1 += d
          m2 += d * xhat[n * H + k]!
        }
        m1 /= size
        m2 /= size
        for (let k = g * size; k < (g + 1) * size; k++) {
          const j = n * H + k
          dcNew[j] = inv[j]! * (gamma[k]! * dyc[j]! - m1 - xhat[j]! * m2)
        }
      }
    }
  } else dcNew.set(dyc)

  for (let n = 0; n < N; n++) {
    const row = rowOffset + n
    const valid = keep[row]! > 0
    const a = row * 5 * H
    const o = n * P
    for (let k = 0; k < H; k++) {
      const j = n * H + k
      const dcCarry = prev ? prev[n * P + 4 * H + k]! : 0
      if (!valid) {
        out[o + k] = 0
        out[o + H + k] = 0
        out[o + 2 * H + k] = 0
        out[o + 3 * H + k] = 0
        out[o + 4 * H + k] = dcCarry
        out[o + 5 * H + k] = dh[j]!
        out[o + 6 * H + k] = 0
        out[o + 7 * H + k] = 0
        continue
      }
      const i = A[a + k]!
      const f = A[a + H + k]!
      const g = A[a + 2 * H + k]!
      const og = A[a + 3 * H + k]!
      const dc = dcNew[j]! + dcCarry
      out[o + k] = dc * g * i * (1 - i)
      out[o + H + k] = dc * cPrev[row * H + k]! * f * (1 - f)
      out[o + 2 * H + k] = dc * i * (1 - g * g)
      out[o + 3 * H + k] = dh[j]! * tanhY[j]! * og * (1 - og)
      out[o + 4 * H + k] = dc * f
      out[o + 5 * H + k] = 0
      out[o + 6 * H + k] = dyc[j]!
      out[o + 7 * H + k] = dyc[j]! * xhat[j]!
    }
  }
}

// ---- RNN and GRU ---------------------------------------------------------------------------------

/** N_h(v) of row n, every column, into `u` (bn: `cols` already hold the statistics). */
function normalizedRow(v: Float32Array, n: number, C: number, nh: NormArgs, cols: Columns, u: Float64Array): void {
  const vb = n * C
  if (nh.mode === 'none') {
    for (let c = 0; c < C; c++) u[c] = v[vb + c]!
    return
  }
  if (nh.mode === 'row') cols.fromRow(v, C, 0, n, nh.groups, nh.eps)
  for (let c = 0; c < C; c++) u[c] = nh.gamma![c]! * (v[vb + c]! - cols.mean[c]!) * cols.inv[c]! + nh.beta![c]!
}

/** Elman RNN step: h = tanh(xz + N_h(v)) where keep[rowOffset + n], else h_prev. */
export function rnnStep(xz: Float32Array, rowOffset: number, v: Float32Array, N: number, H: number, nh: NormArgs, hPrev: Float32Array, keep: Float32Array, out: Float32Array): void {
  const cols = new Columns(H)
  if (nh.mode === 'bn') cols.fromStats(nh.stats!, nh.statsRow, nh.eps)
  const z = new Float64Array(H)
  for (let n = 0; n < N; n++) {
    if (!(keep[rowOffset + n]! > 0)) {
      for (let k = 0; k < H; k++) out[n * H + k] = hPrev[n * H + k]!
      continue
    }
    normalizedRow(v, n, H, nh, cols, z)
    for (let k = 0; k < H; k++) out[n * H + k] = Math.tanh(xz[(rowOffset + n) * H + k]! + z[k]!)
  }
}

/** Width of an RNN step's packed gradient, in units of H: dz | dh passthrough. */
export const RNN_GRAD_WIDTH = 2

/** Backward through one RNN step t (hNext stacked: the step's output h). out [N, 2H]: dz | dh to h_prev for padded samples. */
export function rnnCellGrad(dhRec: Float32Array, prev: Float32Array | null, dhOut: Float32Array | null, hNext: Float32Array, N: number, H: number, keep: Float32Array, rowOffset: number, out: Float32Array): void {
  const P = RNN_GRAD_WIDTH * H
  for (let n = 0; n < N; n++) {
    const row = rowOffset + n
    const valid = keep[row]! > 0
    for (let k = 0; k < H; k++) {
      const dh = dhRec[n * H + k]! + (prev ? prev[n * P + H + k]! : 0) + (dhOut ? dhOut[row * H + k]! : 0)
      const h = hNext[row * H + k]!
      out[n * P + k] = valid ? dh * (1 - h * h) : 0
      out[n * P + H + k] = valid ? 0 : dh
    }
  }
}

/**
 * GRU gates of one step (PyTorch's form, cells/gru.ts): a = xz (N_x(x·Wx) + b), u = N_h(v);
 * out A [N, 4H]: r = σ(a_r + u_r), z = σ(a_z + u_z), n = tanh(a_n + r·u_n), and u_n.
 */
export function gruGates(xz: Float32Array, rowOffset: number, v: Float32Array, N: number, H: number, nh: NormArgs, out: Float32Array): void {
  const C = 3 * H
  const cols = new Columns(C)
  if (nh.mode === 'bn') cols.fromStats(nh.stats!, nh.statsRow, nh.eps)
  const u = new Float64Array(C)
  for (let n = 0; n < N; n++) {
    normalizedRow(v, n, C, nh, cols, u)
    const xb = (rowOffset + n) * C
    const o = n * 4 * H
    for (let k = 0; k < H; k++) {
      const r = sigmoid(xz[xb + k]! + u[k]!)
      const z = sigmoid(xz[xb + H + k]! + u[H + k]!)
      out[o + k] = r
      out[o + H + k] = z
      out[o + 2 * H + k] = Math.tanh(xz[xb + 2 * H + k]! + r * u[2 * H + k]!)
      out[o + 3 * H + k] = u[2 * H + k]!
    }
  }
}

/** GRU state: h = (1 − z)·n + z·h_prev where keep[rowOffset + n], else h_prev. */
export function gruState(A: Float32Array, N: number, H: number, hPrev: Float32Array, keep: Float32Array, rowOffset: number, out: Float32Array): void {
  for (let n = 0; n < N; n++) {
    const valid = keep[rowOffset + n]! > 0
    for (let k = 0; k < H; k++) {
      const hp = hPrev[n * H + k]!
      if (!valid) {
        out[n * H + k] = hp
        continue
      }
      const z = A[n * 4 * H + H + k]!
      const nn = A[n * 4 * H + 2 * H + k]!
      out[n * H + k] = (1 - z) * nn + z * hp
    }
  }
}

/** Width of a GRU step's packed gradient, in units of H: d(input term) 3H | d(recurrent term) 3H | dh to h_prev. */
export const GRU_GRAD_WIDTH = 7

/**
 * Backward through one GRU step t (A and hPrev stacked, read from rowOffset). out [N, 7H]:
 * gradients of the normalized input term a (r, z, n), of the normalized recurrent term u (r, z,
 * n), and the direct gradient into h_prev (z·dh; padded samples: dh).
 */
export function gruCellGrad(dhRec: Float32Array, prev: Float32Array | null, dhOut: Float32Array | null, A: Float32Array, hPrev: Float32Array, N: number, H: number, keep: Float32Array, rowOffset: number, out: Float32Array): void {
  const P = GRU_GRAD_WIDTH * H
  for (let n = 0; n < N; n++) {
    const row = rowOffset + n
    const valid = keep[row]! > 0
    const a = row * 4 * H
    const o = n * P
    for (let k = 0; k < H; k++) {
      const dh = dhRec[n * H + k]! + (prev ? prev[n * P + 6 * H + k]! : 0) + (dhOut ? dhOut[row * H + k]! : 0)
      if (!valid) {
        for (let q = 0; q < 6; q++) out[o + q * H + k] = 0
        out[o + 6 * H + k] = dh
        continue
      }
      const r = A[a + k]!
      const z = A[a + H + k]!
      const nn = A[a + 2 * H + k]!
      const un = A[a + 3 * H + k]!
      const dnPre = dh * (1 - z) * (1 - nn * nn)
      const dzPre = dh * (hPrev[row * H + k]! - nn) * z * (1 - z)
      const drPre = dnPre * un * r * (1 - r)
      out[o + k] = drPre
      out[o + H + k] = dzPre
      out[o + 2 * H + k] = dnPre
      out[o + 3 * H + k] = drPre
      out[o + 4 * H + k] = dzPre
      out[o + 5 * H + k] = dnPre * r
      out[o + 6 * H + k] = dh * z
    }
  }
}

// ---- after the loop ------------------------------------------------------------------------------

/**
 * aᵀ·b over columns [col0, col0 + W) of b [R, stride], a [R, M] (null: ones, M = 1: the column
 * sums). out [M, W]. For narrow a only (the input width, the bias): a matMul library packs all
 * of b first, which for [1, 6400]·[6400, 1024] costs ~100× the arithmetic.
 */
export function columnProduct(a: Float32Array | null, M: number, b: Float32Array, R: number, stride: number, col0: number, W: number, out: Float32Array): void {
  const acc = new Float64Array(M * W)
  for (let r = 0; r < R; r++) {
    const bb = r * stride + col0
    for (let m = 0; m < M; m++) {
      const x = a ? a[r * M + m]! : 1
      if (x === 0) continue
      const ob = m * W
      for (let c = 0; c < W; c++) acc[ob + c] = acc[ob + c]! + x * b[bb + c]!
    }
  }
  for (let i = 0; i < M * W; i++) out[i] = acc[i]!
}
