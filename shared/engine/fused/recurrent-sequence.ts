// The whole recurrence of a training step (LSTM, GRU or Elman RNN) as one differentiable op, with
// its backward through time written out. tfjs would differentiate the step-by-step model op by
// op: ~190 kernels per time step for a BN-LSTM, each a dispatch (on WebGL ~16 µs) and tape
// bookkeeping. Here:
//
//   before the loop   U = X·Wx for all steps (one matMul); the input term's statistics and
//                     N_x(U) + b for all steps (two kernels)
//   each time step    V = h·Wh; [BN: its statistics]; the cell's gates (one kernel); [LSTM with
//                     BN: the cell state's statistics]; the new state with masking (one kernel)
//   backward, each    one kernel back through the cell (gates, the cell norm, masking, carries);
//                     [the recurrent term's norm backward]; dV·Whᵀ
//   after the loop    dWh, dWx, the γ/β and bias gradients: a few matMuls and column sums
//
// The kernels (kernels.ts, math.ts, webgl.ts) compute exactly the model's formulas (model.ts,
// norms/, cells/); the PyTorch reference cases run through this path in training mode, and
// agreement.ts compares it with the step-by-step model, on every backend. Evaluation keeps the
// step-by-step model.
import { cellTerms, type CellKind, type TermName } from '../../kinds'
import type { BatchLayout, Moments, PopulationUpdate } from '../norms'
import type { ModelSpec } from '../spec'
import { tf, type Tensor, type Tensor2D, type Tensor3D } from '../tf'
import {
  fusedGruCellGrad,
  fusedGruGates,
  fusedGruState,
  fusedLstmCellGrad,
  fusedLstmGates,
  fusedLstmState,
  fusedMoments,
  fusedNormApply,
  fusedNormGrad,
  fusedColumnProduct,
  fusedRnnCellGrad,
  fusedRnnStep,
  fusedStack,
  fusedStepMatMul,
  hasJsKernels,
  type NormAttrs,
} from './kernels'
import { GRU_GRAD_WIDTH, LSTM_GRAD_WIDTH, RNN_GRAD_WIDTH, type NormMode } from './math'

type Params = Record<string, Tensor>
type Save = (tensors: Tensor[]) => void

export interface FusedOptions {
  record: boolean
  sequenceOutput: boolean
}

export interface FusedResult {
  hLast: Tensor2D
  hidden: Tensor3D | null
  /** Per-time-step pre-normalization statistics [T, C] per term (when recording). */
  recorded: Partial<Record<TermName, Moments>>
  populationUpdates: PopulationUpdate[]
}

/**
 * Where a cell's packed step gradient keeps what (columns in units of H): the gradient of the
 * normalized input term (xCol) and recurrent term (uCol), each G·H wide, and of h_{t-1} past the
 * recurrent matMul (passCol: padded samples' passthrough, the GRU's z·dh).
 */
interface Layout {
  G: number
  width: number
  xCol: number
  uCol: number
  passCol: number
}

const LAYOUTS: Record<CellKind, Layout> = {
  // dz (i, f, g, o) serves both terms | dc carry | dh passthrough | dy_c | dy_c·ĉ
  lstm: { G: 4, width: LSTM_GRAD_WIDTH, xCol: 0, uCol: 0, passCol: 5 },
  // d(input term) r, z, n | d(recurrent term) r, z, r·n | dh to h_prev
  gru: { G: 3, width: GRU_GRAD_WIDTH, xCol: 0, uCol: 3, passCol: 6 },
  // dz | dh passthrough
  rnn: { G: 1, width: RNN_GRAD_WIDTH, xCol: 0, uCol: 0, passCol: 1 },
}

/** The norm mode of each term: BN per step everywhere, sequence-wise BN on the input term only, LN/GN per row. */
function modesOf(spec: ModelSpec): Record<TermName, NormMode> {
  switch (spec.norm) {
    case 'bn_step':
      return { x: 'bn', h: 'bn', c: 'bn' }
    case 'bn_seq':
      return { x: 'bn', h: 'none', c: 'none' }
    case 'ln':
    case 'gn':
      return { x: 'row', h: 'row', c: 'row' }
    default:
      return { x: 'none', h: 'none', c: 'none' }
  }
}

/** The masks of a batch, stacked over time ([T·N, 1], row t·N + n): valid, w = valid / count_t, and w over every valid (n, t). */
function stackedWeights(batch: BatchLayout) {
  const { N, T, lengths, counts } = batch
  const keep = new Float32Array(T * N)
  const wStep = new Float32Array(T * N)
  const wSeq = new Float32Array(T * N)
  const total = counts.reduce((a, b) => a + b, 0)
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      if (t >= lengths[n]!) continue
      keep[t * N + n] = 1
      wStep[t * N + n] = 1 / counts[t]!
      wSeq[t * N + n] = 1 / total
    }
  return { keep: tf.tensor2d(keep, [T * N, 1]), wStep: tf.tensor2d(wStep, [T * N, 1]), wSeq: tf.tensor2d(wSeq, [T * N, 1]), total }
}

/** Splits [S, 2W] (means, then variances) into moments. */
function split(stats: Tensor2D, W: number): Moments {
  const [mean, variance] = tf.split(stats, [W, W], 1)
  return { mean: mean!, variance: variance! }
}

/** The largest a-width the JS column product takes; wider ones go to the backend's matMul. */
const NARROW = 16

/**
 * aᵀ·b[:, col0 : col0 + width] (no a: the column sums) as [M, width]. On cpu and wasm a JS kernel
 * for narrow a (wasm's matMul packs b first: a [1, 6400]·[6400, 1024] column sum took ~120 ms,
 * 25× the loop); otherwise a matMul: WebGL reads the transposed operand for free, wasm runs a
 * transposed matMul ~10× slower than transpose + matMul.
 */
function columnProduct(a: Tensor2D | undefined, b: Tensor2D, col0 = 0, width = b.shape[1]): Tensor2D {
  if (hasJsKernels() && (!a || a.shape[1] <= NARROW)) return fusedColumnProduct(a, b, col0, width)
  const cols = columns(b, col0, width)
  if (!a) return tf.matMul(tf.ones([1, b.shape[0]]), cols) as Tensor2D
  return tf.getBackend() === 'webgl' ? (tf.matMul(a, cols, true, false) as Tensor2D) : (tf.matMul(tf.transpose(a) as Tensor2D, cols) as Tensor2D)
}

/** Columns [col0, col0 + width) of a (a itself when that is all of it). */
function columns(a: Tensor2D, col0: number, width: number): Tensor2D {
  return col0 === 0 && width === a.shape[1] ? a : (tf.slice(a, [0, col0], [a.shape[0], width]) as Tensor2D)
}

/**
 * Up to this many multiply-adds, WebGL runs a step's recurrent matMul as one unpacked program
 * (NormLabStepMatMul) instead of tfjs's packed matMul, which would pack its inputs and the fused
 * programs unpack its output: three dispatches more, a step. The unpacked program reads 8× the
 * texels, so past this size (LSTM h128 b64: 4.2M) a small GPU would pay more in reads than it
 * saves in dispatches, and SwiftShader measured 2× slower.
 */
const UNPACKED_MATMUL_MAX = 1 << 20
let unpackedMatMulMax = UNPACKED_MATMUL_MAX

/** For tests: the unpacked step matMul's size limit (0: tfjs's packed matMul always); returns the previous limit. */
export function setUnpackedMatMulMax(limit: number): number {
  const was = unpackedMatMulMax
  unpackedMatMulMax = limit
  return was
}

interface RecurrentMatMul {
  /** h·Wh */
  forward(h: Tensor2D): Tensor2D
  /** a[:, col0 : col0 + width]·Whᵀ */
  backward(a: Tensor2D, col0?: number, width?: number): Tensor2D
}

/** The loop's matMuls by Wh [H, C] for N samples, chosen once per pass (see UNPACKED_MATMUL_MAX). */
function recurrentMatMul(Wh: Tensor2D, N: number): RecurrentMatMul {
  const [H, C] = Wh.shape
  if (hasJsKernels()) {
    // cpu and wasm: Whᵀ once (wasm's transposed matMul is ~10× slower than transpose + matMul).
    const WhT = tf.transpose(Wh) as Tensor2D
    return { forward: (h) => tf.matMul(h, Wh) as Tensor2D, backward: (a, col0 = 0, width = a.shape[1]) => tf.matMul(columns(a, col0, width), WhT) as Tensor2D }
  }
  if (N * H * C <= unpackedMatMulMax) {
    const unpacked = fusedStack([Wh]) // the optimizer leaves Wh packed: unpacked once, not at every step
    return {
      forward: (h) => fusedStepMatMul(h, unpacked, { col0: 0, width: H, transposeB: false }),
      backward: (a, col0 = 0, width = a.shape[1]) => fusedStepMatMul(a, unpacked, { col0, width, transposeB: true }),
    }
  }
  return { forward: (h) => tf.matMul(h, Wh) as Tensor2D, backward: (a, col0 = 0, width = a.shape[1]) => tf.matMul(columns(a, col0, width), Wh, false, true) as Tensor2D }
}

/**
 * The γ and β the time loop reads. On WebGL, copied once into unpacked textures: the optimizer's
 * packed updates leave them packed, and every fused program would unpack each one it reads at
 * every time step (seven programs a step for a BN-LSTM). Elsewhere they are as they are.
 */
function loopParams(p: Params): Params {
  if (hasJsKernels()) return p
  const unpacked = (t: Tensor) => tf.reshape(fusedStack([tf.reshape(t, [1, -1]) as Tensor2D]), t.shape)
  return Object.fromEntries(Object.entries(p).map(([name, t]) => [name, IN_LOOP.has(name) ? unpacked(t) : t]))
}

/** The γ and β read at every time step (the others once per sequence). */
const IN_LOOP = new Set(['gamma_h', 'beta_h', 'gamma_c', 'beta_c'])

/** The sum of each column of x's columns [col0, col0 + width) as [width]. */
function columnSum(x: Tensor2D, col0 = 0, width = x.shape[1]): Tensor {
  return tf.reshape(columnProduct(undefined, x, col0, width), [width])
}

interface StepTensors {
  hPrev: Tensor2D
  cPrev?: Tensor2D
  V: Tensor2D
  /** The cell's activations: LSTM [N, 5H], GRU [N, 4H]; the RNN keeps its output h instead. */
  A?: Tensor2D
  statsH?: Tensor2D
  statsC?: Tensor2D
}

export function fusedRecurrenceTrain(spec: ModelSpec, params: Params, xs: readonly Tensor2D[], batch: BatchLayout, options: FusedOptions): FusedResult {
  const { N, T, counts } = batch
  const H = spec.hidden
  const cell = spec.cell
  const layout = LAYOUTS[cell]
  const C = layout.G * H
  const aWidth = cell === 'lstm' ? 5 * H : cell === 'gru' ? 4 * H : H
  const terms = cellTerms(cell)
  const modes = modesOf(spec)
  const groups = spec.norm === 'gn' ? spec.groups : 1
  const eps = spec.eps
  const termAttrs = (term: TermName): NormAttrs => ({ mode: modes[term], groups, eps, rowsPerSegment: term === 'x' ? (spec.norm === 'bn_seq' ? T * N : N) : N })
  const stepAttrs = (term: TermName, t: number, statsRow: number) => ({ mode: modes[term], groups, eps, rowOffset: t * N, statsRow })
  const { keep, wStep, wSeq, total } = stackedWeights(batch)
  const wX = spec.norm === 'bn_seq' ? wSeq : wStep
  const X = fusedStack(xs)

  // The op's inputs: the weights and whichever γ/β the norm has.
  const names = ['Wx', 'Wh', 'b', ...terms.flatMap((term) => (params[`gamma_${term}`] ? [`gamma_${term}`, `beta_${term}`] : []))]
  const side: { recorded: Partial<Record<TermName, Moments>>; updates: PopulationUpdate[] } = { recorded: {}, updates: [] }

  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as Save
    const p = Object.fromEntries(names.map((name, i) => [name, args[i] as Tensor])) as Params
    // What the loops read (WebGL: unpacked copies); made again for backward, which runs later.
    let loop = loopParams(p)
    const affine = (term: TermName) => ({ gamma: loop[`gamma_${term}`], beta: loop[`beta_${term}`] })

    const U = tf.matMul(X, p.Wx as Tensor2D) as Tensor2D
    const statsX = modes.x === 'bn' ? fusedMoments(U, wX, { segments: spec.norm === 'bn_seq' ? 1 : T, col0: 0, width: C, wOffset: 0 }) : undefined
    const XZ = fusedNormApply(U, { ...affine('x'), bias: loop.b, stats: statsX }, termAttrs('x'))

    const Wh = recurrentMatMul(p.Wh as Tensor2D, N)
    let h = tf.zeros([N, H]) as Tensor2D
    let c = cell === 'lstm' ? (tf.zeros([N, H]) as Tensor2D) : undefined
    const zeros = (W: number) => tf.zeros([N, W]) as Tensor2D
    const zeroStats = (W: number) => tf.zeros([1, 2 * W]) as Tensor2D
    const steps: StepTensors[] = []
    const hs: Tensor2D[] = []
    for (let t = 0; t < T; t++) {
      if (counts[t] === 0) {
        // No valid sample: the state passes through (backward fills the step with zeros).
        steps.push({ hPrev: h, ...(c ? { cPrev: c } : {}), V: zeros(C), ...(cell !== 'rnn' ? { A: zeros(aWidth) } : {}) })
        hs.push(h)
        continue
      }
      const V = Wh.forward(h)
      const statsH = modes.h === 'bn' ? fusedMoments(V, wStep, { segments: 1, col0: 0, width: C, wOffset: t * N }) : undefined
      const normH = { ...affine('h'), stats: statsH }
      const step: StepTensors = { hPrev: h, V, ...(statsH ? { statsH } : {}) }
      if (cell === 'lstm') {
        const A = fusedLstmGates(XZ, V, c!, normH, stepAttrs('h', t, 0))
        const statsC = modes.c === 'bn' ? fusedMoments(A, wStep, { segments: 1, col0: 4 * H, width: H, wOffset: t * N }) : undefined
        const [hNext, cNext] = fusedLstmState(A, h, c!, keep, { ...affine('c'), stats: statsC }, stepAttrs('c', t, 0))
        Object.assign(step, { cPrev: c, A, ...(statsC ? { statsC } : {}) })
        h = hNext!
        c = cNext!
      } else if (cell === 'gru') {
        const A = fusedGruGates(XZ, V, normH, stepAttrs('h', t, 0))
        step.A = A
        h = fusedGruState(A, h, keep, { rowOffset: t * N })
      } else {
        h = fusedRnnStep(XZ, V, h, keep, normH, stepAttrs('h', t, 0))
      }
      steps.push(step)
      hs.push(h)
    }

    // Every step's tensors stacked over time ([T·N, ·], stats [T, ·]): what backward reads at
    // row t·N, what recording reads at once, and few tensors to save.
    const stack = (pick: (s: StepTensors) => Tensor2D | undefined, fill: () => Tensor2D) => fusedStack(steps.map((s) => pick(s) ?? fill()))
    const Hprev = stack((s) => s.hPrev, () => zeros(H))
    const Vall = stack((s) => s.V, () => zeros(C))
    // What the cell's backward reads: LSTM A and c_prev, GRU A, RNN its outputs.
    const Aall = cell === 'rnn' ? fusedStack(hs) : stack((s) => s.A, () => zeros(aWidth))
    const Cprev = cell === 'lstm' ? stack((s) => s.cPrev, () => zeros(H)) : undefined
    const statsHall = modes.h === 'bn' ? stack((s) => s.statsH, () => zeroStats(C)) : undefined
    const statsCall = cell === 'lstm' && modes.c === 'bn' ? stack((s) => s.statsC, () => zeroStats(H)) : undefined

    // Statistics out of the op (kept past its scope): per-step BN's population update and, when
    // recording, every term's weighted moments over the valid samples.
    const momentsOf = (v: Tensor2D, col0: number, W: number) => split(fusedMoments(v, wStep, { segments: T, col0, width: W, wOffset: 0 }), W)
    const keepMoments = (m: Moments): Moments => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) })
    if (options.record || spec.norm === 'bn_step') {
      const all: Partial<Record<TermName, () => Moments>> = {
        x: () => (spec.norm === 'bn_step' ? split(statsX!, C) : momentsOf(U, 0, C)),
        h: () => (statsHall ? split(statsHall, C) : momentsOf(Vall, 0, C)),
        c: () => (statsCall ? split(statsCall, H) : momentsOf(Aall, 4 * H, H)),
      }
      for (const term of terms) {
        const kept = keepMoments(all[term]!())
        if (options.record) side.recorded[term] = kept
        if (spec.norm === 'bn_step') side.updates.push({ term, moments: options.record ? { mean: tf.keep(tf.clone(kept.mean)), variance: tf.keep(tf.clone(kept.variance)) } : kept, counts: [...counts] })
      }
    }
    if (spec.norm === 'bn_seq') side.updates.push({ term: 'x', moments: keepMoments(split(statsX!, C)), counts: [total] })

    const dummy = zeroStats(1)
    save([X, keep, wStep, wX, U, statsX ?? dummy, Hprev, Cprev ?? dummy, Vall, Aall, statsHall ?? dummy, statsCall ?? dummy])

    const value = options.sequenceOutput ? (tf.transpose(tf.reshape(fusedStack(hs), [T, N, H]), [1, 0, 2]) as Tensor3D) : h

    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
      const [sX, sKeep, sWStep, sWX, sU, sStatsX, sHprev, sCprev, sV, sA, sStatsH, sStatsC] = saved as Tensor2D[]
      const P = layout.width * H
      const dhOut = options.sequenceOutput ? (tf.reshape(tf.transpose(dy, [1, 0, 2]), [T * N, H]) as Tensor2D) : undefined
      let dhRec = options.sequenceOutput ? (tf.zeros([N, H]) as Tensor2D) : (dy as Tensor2D)
      let prev: Tensor2D | undefined
      loop = loopParams(p)
      const Wh = recurrentMatMul(p.Wh as Tensor2D, N)
      const Ps: Tensor2D[] = new Array(T)
      const dV: Tensor2D[] = new Array(T)
      const dUv: Tensor2D[] = []
      for (let t = T - 1; t >= 0; t--) {
        if (counts[t] === 0) {
          // The state passed through: its gradient too (plus this step's output's).
          if (dhOut) dhRec = tf.add(dhRec, tf.slice(dhOut, [t * N, 0], [N, H])) as Tensor2D
          Ps[t] = tf.zeros([N, P]) as Tensor2D
          dV[t] = tf.zeros([N, C]) as Tensor2D
          continue
        }
        const carry = { dhRec, ...(prev ? { prev } : {}), ...(dhOut ? { dhOut } : {}), keep: sKeep! }
        let Pt: Tensor2D
        if (cell === 'lstm') Pt = fusedLstmCellGrad({ ...carry, A: sA!, cPrev: sCprev!, w: sWStep! }, { ...affine('c'), ...(modes.c === 'bn' ? { stats: sStatsC! } : {}) }, stepAttrs('c', t, t))
        else if (cell === 'gru') Pt = fusedGruCellGrad({ ...carry, A: sA!, hPrev: sHprev! }, { rowOffset: t * N })
        else Pt = fusedRnnCellGrad({ ...carry, hNext: sA! }, { rowOffset: t * N })
        if (modes.h !== 'none') {
          const [du, dyXhat] = fusedNormGrad(Pt, sV!, { gamma: loop.gamma_h, w: sWStep!, ...(modes.h === 'bn' ? { stats: sStatsH! } : {}) }, { ...termAttrs('h'), dyCol0: layout.uCol * H, rowOffset: t * N, statsRow: t })
          dV[t] = du
          dUv.push(dyXhat)
          dhRec = Wh.backward(du)
        } else dhRec = Wh.backward(Pt, layout.uCol * H, C) // dV is P's recurrent columns
        Ps[t] = Pt
        prev = Pt
      }
      const Pall = fusedStack(Ps)
      const sums = columnSum(Pall)
      const piece = (col: number, width: number) => tf.slice(sums, [col * H], [width])
      const dX = piece(layout.xCol, C)
      const dWh = modes.h !== 'none' ? columnProduct(sHprev!, fusedStack(dV)) : columnProduct(sHprev!, Pall, layout.uCol * H, C)
      let dU: Tensor2D | undefined
      let dGammaX: Tensor | undefined
      if (modes.x !== 'none') {
        const [du, dyXhat] = fusedNormGrad(Pall, sU!, { gamma: loop.gamma_x, w: sWX!, ...(modes.x === 'bn' ? { stats: sStatsX! } : {}) }, { ...termAttrs('x'), dyCol0: layout.xCol * H, rowOffset: 0 })
        dU = du
        dGammaX = columnSum(dyXhat)
      }
      // No input norm: dU is P's input columns, read in place.
      const grads: Record<string, Tensor> = { Wx: dU ? columnProduct(sX!, dU) : columnProduct(sX!, Pall, layout.xCol * H, C), Wh: dWh, b: dX }
      if (p.gamma_x) Object.assign(grads, { gamma_x: dGammaX!, beta_x: dX })
      if (p.gamma_h) Object.assign(grads, { gamma_h: columnSum(fusedStack(dUv)), beta_h: piece(layout.uCol, C) })
      if (p.gamma_c) Object.assign(grads, { gamma_c: piece(7, H), beta_c: piece(6, H) })
      return names.map((name) => grads[name]!)
    }
    return { value, gradFunc }
  }) as never) as unknown as (...inputs: Tensor[]) => Tensor

  // X and the masks belong to the caller's scope (the training step's), like every other tensor of it.
  const value = op(...names.map((name) => params[name]!))
  const hLast = options.sequenceOutput ? (tf.reshape(tf.slice(value, [0, T - 1, 0], [N, 1, H]), [N, H]) as Tensor2D) : (value as Tensor2D)
  return { hLast, hidden: options.sequenceOutput ? (value as Tensor3D) : null, recorded: side.recorded, populationUpdates: side.updates }
}
