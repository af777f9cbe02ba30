// The whole recurrence (any cell, any norm) as one op with its backward through time written
// out, for training and evaluation alike. tfjs would differentiate the step-by-step model op by
// op: ~190 kernels per time step for a BN-LSTM, each a dispatch (on WebGL ~16 µs) and tape
// bookkeeping. Here:
//
//   before the loop   U = X·Wx for all steps (one matMul); the input term's statistics and
//                     N_x(U) + b for all steps (two kernels)
//   each time step    V = h·Wh; [batch norms: its statistics]; the cell's forward (one kernel,
//                     two for a cell with an inner term: [its statistics] between them)
//   backward, each    the cell's backward (one kernel); [the recurrent term's norm backward]; dV·Whᵀ
//   after the loop    dWh, dWx, the γ/β and bias gradients: a few matMuls and column sums
//
// On WebGPU the time loop is one kernel each way (webgpu/sequence.ts): a workgroup loops over the
// steps on the GPU, and the op reads the stacked tensors out of its one output.
//
// Everything here is the same for every cell and norm: the cell's formulas live in its
// definition (shared/kinds/cells), the norm's in its (shared/kinds/norms), the layout of a step's
// packed gradient in kernels/layout.ts. Evaluation runs the same forward with population
// statistics. The step-by-step model (reference/) is the readable reference the property tests
// compare this with, on every backend.
import { cellDefinition, type TermName } from '../../kinds'
import type { Moments } from '../core/moments'
import type { ModelSpec } from '../core/spec'
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor3D } from '../core/tf'
import { cellLayout } from './kernels/layout'
import type { NormAttrs } from './kernels/names'
import { cellBackwardOp, cellForwardOp, columnProductOp, columnsOp, momentsOp, normApplyOp, normGradOp, sequenceBackwardOp, sequenceForwardOp, stackOp, stepMatMulOp, isHostBackend, hasSequenceKernels, type NormInputs } from './kernels/ops'
import { backwardLayout, forwardLayout, type SequenceAttrs } from './kernels/sequence-layout'
import { termNorm } from './term-norms'
import { sampleOrder } from './sample-order'

type Params = Record<string, Tensor>
type Save = (tensors: Tensor[]) => void

/** Batch statistics a training step folds into the population: rows [R, C] and the valid samples behind each row. */
import type { PopulationUpdate } from '../core/population'
export type { PopulationUpdate }

export interface SequenceBatch {
  N: number
  T: number
  lengths: readonly number[]
  counts: readonly number[]
}

export interface SequenceOptions {
  mode: 'train' | 'eval'
  record: boolean
  /** train: keep each term's pre-normalization values of this batch (the explorable's snapshot). */
  snapshot?: boolean
  sequenceOutput: boolean
  /**
   * eval, batch norms: the population statistics of each normalized term as rows [R, 2C] (means,
   * then variances) for steps 0..R-1; R < T past the trained length under the "batch" policy,
   * where a step uses the batch's own statistics.
   */
  population?: Partial<Record<TermName, Tensor2D>>
}

export interface SequenceResult {
  hLast: Tensor2D
  hidden: Tensor3D | null
  /** Per-time-step pre-normalization statistics [T, C] per term (training, when recording). */
  recorded: Partial<Record<TermName, Moments>>
  populationUpdates: PopulationUpdate[]
  /** train with snapshot: each term's pre-normalization values [T·N, C] (row t·N + n), kept past the op (the caller disposes them). */
  snapshot: Partial<Record<TermName, Tensor2D>>
}

/** The masks of a batch, stacked over time ([T·N, 1], row t·N + n): valid, w = valid / count_t, and w over every valid (n, t). */
function stackedWeights(batch: SequenceBatch) {
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
  const [mean, variance] = isHostBackend() ? columnsOp(stats, 0, [W, W]) : tf.split(stats, [W, W], 1)
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
  if (isHostBackend() && (!a || a.shape[1] <= NARROW)) return columnProductOp(a, b, col0, width)
  const cols = columns(b, col0, width)
  if (!a) return tf.matMul(tf.ones([1, b.shape[0]]), cols) as Tensor2D
  return isHostBackend() ? (tf.matMul(tf.transpose(a) as Tensor2D, cols) as Tensor2D) : (tf.matMul(a, cols, true, false) as Tensor2D)
}

/** Columns [col0, col0 + width) of a (a itself when that is all of it). */
function columns(a: Tensor2D, col0: number, width: number): Tensor2D {
  if (col0 === 0 && width === a.shape[1]) return a
  return isHostBackend() ? columnsOp(a, col0, [width])[0]! : (tf.slice(a, [0, col0], [a.shape[0], width]) as Tensor2D)
}

/**
 * Up to this many multiply-adds, WebGL runs a step's recurrent matMul as one unpacked program
 * (NormLabStepMatMul) instead of tfjs's packed matMul, which would pack its inputs and the recurrence
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

/**
 * The most multiply-adds of h·Wh over a sequence that one workgroup runs in one dispatch (2³⁰:
 * ~4M a thread of 256, milliseconds on a GPU; LSTM h128 T100 b64 is 0.4·2³⁰).
 */
const ONE_WORKGROUP_MAX = 2 ** 30
let oneWorkgroupMax = ONE_WORKGROUP_MAX

/** For tests: the one-workgroup loop's limit (0: per-step kernels under per-step BN on WebGPU); returns the previous limit. */
export function setOneWorkgroupMax(limit: number): number {
  const was = oneWorkgroupMax
  oneWorkgroupMax = limit
  return was
}

interface RecurrentMatMul {
  /** h·Wh */
  forward(h: Tensor2D): Tensor2D
  /** a[:, col0 : col0 + width]·Whᵀ */
  backward(a: Tensor2D, col0?: number, width?: number): Tensor2D
}

/** The loop's matMuls by Wh [H, C] for N samples, chosen once per pass (see UNPACKED_MATMUL_MAX). */
function recurrentMatMul(Wh: Tensor2D, N: number, needsBackward: boolean): RecurrentMatMul {
  const [H, C] = Wh.shape
  if (isHostBackend()) {
    // cpu and wasm: Whᵀ once (wasm's transposed matMul is ~10× slower than transpose + matMul).
    const WhT = needsBackward ? (tf.transpose(Wh) as Tensor2D) : Wh
    return { forward: (h) => tf.matMul(h, Wh) as Tensor2D, backward: (a, col0 = 0, width = a.shape[1]) => tf.matMul(columns(a, col0, width), WhT) as Tensor2D }
  }
  if (N * H * C <= unpackedMatMulMax) {
    const unpacked = stackOp([Wh]) // the optimizer leaves Wh packed: unpacked once, not at every step
    return {
      forward: (h) => stepMatMulOp(h, unpacked, { col0: 0, width: H, transposeB: false }),
      backward: (a, col0 = 0, width = a.shape[1]) => stepMatMulOp(a, unpacked, { col0, width, transposeB: true }),
    }
  }
  return { forward: (h) => tf.matMul(h, Wh) as Tensor2D, backward: (a, col0 = 0, width = a.shape[1]) => tf.matMul(columns(a, col0, width), Wh, false, true) as Tensor2D }
}

/**
 * The γ and β the kernels read, by term. On a GPU, each term's pair copied once per pass into one
 * [2, C] tensor: one binding (WebGPU binds at most 8–10 buffers a shader), and on WebGL unpacked —
 * the optimizer's packed updates leave them packed, and every recurrence program would unpack each
 * one it reads at every time step (seven programs a step for a BN-LSTM). On cpu and wasm as they are.
 */
function loopParams(p: Params): (term: TermName) => NormInputs {
  if (isHostBackend()) return (term) => ({ gamma: p[`gamma_${term}`], beta: p[`beta_${term}`] })
  const packed: Partial<Record<TermName, Tensor>> = {}
  for (const term of ['x', 'h', 'c'] as const) {
    const gamma = p[`gamma_${term}`]
    const beta = p[`beta_${term}`]
    if (gamma && beta) packed[term] = stackOp([tf.reshape(gamma, [1, -1]) as Tensor2D, tf.reshape(beta, [1, -1]) as Tensor2D])
  }
  return (term) => (packed[term] ? { gammaBeta: packed[term] } : {})
}

/** The sum of each column of x's columns [col0, col0 + width) as [width]. */
function columnSum(x: Tensor2D, col0 = 0, width = x.shape[1]): Tensor {
  return tf.reshape(columnProduct(undefined, x, col0, width), [width])
}

/** What the time loop leaves: the last h, every step's h stacked, and (training) the stacked tensors backward reads. */
interface LoopResult {
  h: Tensor2D
  hs: () => Tensor2D
  stacked: () => { Hprev: Tensor2D; Vall: Tensor2D; Aall: Tensor2D; Cprev?: Tensor2D; statsHall?: Tensor2D; statsCall?: Tensor2D }
  /** The one-dispatch loop's output (WebGPU), which its backward reads. */
  flat?: Tensor
}

interface StepTensors {
  hPrev: Tensor2D
  cPrev?: Tensor2D
  V: Tensor2D
  A?: Tensor2D
  statsH?: Tensor2D
  statsC?: Tensor2D
}

export function recurrenceSequence(spec: ModelSpec, params: Params, xs: readonly Tensor2D[], batch: SequenceBatch, options: SequenceOptions): SequenceResult {
  const { N, T, counts } = batch
  const H = spec.hidden
  const def = cellDefinition(spec.cell)
  const layout = cellLayout(def)
  const C = layout.G * H
  const aWidth = layout.activations.length * H
  const terms = def.terms
  const innerTerm = def.inner?.term
  const norms = Object.fromEntries(terms.map((term) => [term, termNorm(spec, term)])) as Record<TermName, ReturnType<typeof termNorm>>
  const train = options.mode === 'train'
  const perStepBatch = (term: TermName) => norms[term].segments === 'step'
  const { keep, wStep, wSeq, total } = stackedWeights(batch)
  // InstanceNorm: the input term's statistics per sample, over the sample-major rows (sample-order.ts).
  const bySample = norms.x.segments === 'sample' ? sampleOrder(N, T, batch.lengths) : null
  const wX = bySample ? bySample.weights : norms.x.segments === 'sequence' ? wSeq : wStep
  const X = stackOp(xs)
  /** A term's normalizer inside a step's kernel: batch statistics from row `statsRow` of its stats input. */
  const atStep = (attrs: NormAttrs, statsRow: number): NormAttrs => ({ ...attrs, rowsPerSegment: N, statsRow: attrs.stats === 'batch' ? statsRow : 0 })

  // The op's inputs: the weights and whichever γ/β the norm has.
  const names = ['Wx', 'Wh', 'b', ...terms.flatMap((term) => (params[`gamma_${term}`] ? [`gamma_${term}`, `beta_${term}`] : []))]
  const side: { recorded: Partial<Record<TermName, Moments>>; updates: PopulationUpdate[]; snapshot: Partial<Record<TermName, Tensor2D>> } = { recorded: {}, updates: [], snapshot: {} }
  /** Evaluation: the population rows of a term, and how many steps they cover. */
  const population = (term: TermName) => options.population?.[term]
  const populationSteps = (term: TermName) => population(term)?.shape[0] ?? 0

  const forward = (p: Params, save: Save | null): Tensor => {
    // What the kernels read of γ and β (on a GPU: packed copies); made again for backward, which runs later.
    const gammaBeta = loopParams(p)
    const normInputs = (term: TermName, stats?: Tensor2D): NormInputs => ({ ...gammaBeta(term), ...(stats ? { stats } : {}) })

    const U = tf.matMul(X, p.Wx as Tensor2D) as Tensor2D
    let statsX: Tensor2D | undefined
    let XZ: Tensor2D
    if (bySample) {
      // Each sample's own statistics, in training and evaluation alike (no population).
      const Us = tf.gather(U, bySample.toSample) as Tensor2D
      statsX = momentsOp(Us, wX, { segments: N, col0: 0, width: C, wOffset: 0, center: norms.x.attrs.center })
      XZ = tf.gather(normApplyOp(Us, { ...normInputs('x', statsX), bias: p.b }, { ...norms.x.attrs, rowsPerSegment: T, statsRow: 0 }), bySample.toTime) as Tensor2D
    } else if (norms.x.attrs.stats === 'batch') {
      const segments = norms.x.segments === 'sequence' ? 1 : T
      const fromBatch = () => momentsOp(U, wX, { segments, col0: 0, width: C, wOffset: 0, center: norms.x.attrs.center })
      if (train) statsX = fromBatch()
      else {
        const rows = population('x')!
        statsX = rows.shape[0]! >= segments ? rows : (tf.concat([rows, tf.slice(fromBatch(), [rows.shape[0]!, 0], [segments - rows.shape[0]!, 2 * C])], 0) as Tensor2D)
      }
    }
    XZ ??= normApplyOp(U, { ...normInputs('x', statsX), bias: p.b }, { ...norms.x.attrs, rowsPerSegment: norms.x.segments === 'sequence' ? T * N : N, statsRow: 0 })

    if (sequenceLoopFits()) return afterLoop(sequenceLoop(p, XZ, normInputs), U, statsX, save)
    const Wh = recurrentMatMul(p.Wh as Tensor2D, N, save !== null)
    let h = tf.zeros([N, H]) as Tensor2D
    let c = def.state.includes('c') ? (tf.zeros([N, H]) as Tensor2D) : undefined
    const zeros = (W: number) => tf.zeros([N, W]) as Tensor2D
    const zeroStats = (W: number) => tf.zeros([1, 2 * W]) as Tensor2D
    /** A per-step term's statistics at step t: the batch's (training, or past the population's rows at evaluation) or the population's row t. */
    const stepStats = (term: TermName, t: number, fromBatch: () => Tensor2D): { stats?: Tensor2D; row: number } => {
      if (norms[term].attrs.stats !== 'batch') return { row: 0 }
      if (!train && t < populationSteps(term)) return { stats: population(term)!, row: t }
      return { stats: fromBatch(), row: 0 }
    }
    const steps: StepTensors[] = []
    const hs: Tensor2D[] = []
    for (let t = 0; t < T; t++) {
      if (counts[t] === 0) {
        // No valid sample: the state passes through (backward fills the step with zeros).
        steps.push({ hPrev: h, ...(c ? { cPrev: c } : {}), V: zeros(C), ...(layout.stateIsActivation ? {} : { A: zeros(aWidth) }) })
        hs.push(h)
        continue
      }
      const V = Wh.forward(h)
      const sh = stepStats('h', t, () => momentsOp(V, wStep, { segments: 1, col0: 0, width: C, wOffset: t * N, center: norms.h.attrs.center }))
      const step: StepTensors = { hPrev: h, V, ...(sh.stats && train ? { statsH: sh.stats } : {}) }
      const state = { hPrev: h, ...(c ? { cPrev: c } : {}) }
      if (innerTerm) {
        const [A] = cellForwardOp({ xz: XZ, v: V, ...state }, normInputs('h', sh.stats), { cell: def.kind as never, stage: 'gates', norm: atStep(norms.h.attrs, sh.row), rowOffset: t * N })
        const sc = stepStats(innerTerm, t, () => momentsOp(A!, wStep, { segments: 1, col0: layout.innerColumn! * H, width: H, wOffset: t * N, center: norms[innerTerm].attrs.center }))
        const next = cellForwardOp({ A, ...state, keep }, normInputs(innerTerm, sc.stats), { cell: def.kind as never, stage: 'state', norm: atStep(norms[innerTerm].attrs, sc.row), rowOffset: t * N })
        Object.assign(step, { A, ...(sc.stats && train ? { statsC: sc.stats } : {}) })
        h = next[0]!
        c = next[1]
      } else {
        const out = cellForwardOp({ xz: XZ, v: V, ...state, keep }, normInputs('h', sh.stats), { cell: def.kind as never, stage: 'step', norm: atStep(norms.h.attrs, sh.row), rowOffset: t * N })
        if (!layout.stateIsActivation) step.A = out[0]
        h = out[out.length - 1]!
      }
      if (c) step.cPrev = state.cPrev
      steps.push(step)
      hs.push(h)
    }
    // Every step's tensors stacked over time ([T·N, ·], stats [T, ·]): what backward reads at
    // row t·N, what recording reads at once, and few tensors to save.
    const stack = (pick: (s: StepTensors) => Tensor2D | undefined, fill: () => Tensor2D) => stackOp(steps.map((s) => pick(s) ?? fill()))
    return afterLoop(
      {
        h,
        hs: () => stackOp(hs),
        stacked: () => ({
          Hprev: stack((s) => s.hPrev, () => zeros(H)),
          Vall: stack((s) => s.V, () => zeros(C)),
          // What the cell's backward reads as its activations: A, or its outputs where the new h is the activation.
          Aall: layout.stateIsActivation ? stackOp(hs) : stack((s) => s.A, () => zeros(aWidth)),
          Cprev: c ? stack((s) => s.cPrev, () => zeros(H)) : undefined,
          statsHall: perStepBatch('h') ? stack((s) => s.statsH, () => zeroStats(C)) : undefined,
          statsCall: innerTerm && perStepBatch(innerTerm) ? stack((s) => s.statsC, () => zeroStats(H)) : undefined,
        }),
      },
      U,
      statsX,
      save,
    )
  }

  /** The output, and when training the statistics out of the op and what backward reads. */
  const afterLoop = (loop: LoopResult, U: Tensor2D, statsX: Tensor2D | undefined, save: Save | null): Tensor => {
    const value = options.sequenceOutput ? (tf.transpose(tf.reshape(loop.hs(), [T, N, H]), [1, 0, 2]) as Tensor3D) : loop.h
    if (!save) return value
    const { Hprev, Vall, Aall, Cprev, statsHall, statsCall } = loop.stacked()
    const zeroStats = (W: number) => tf.zeros([1, 2 * W]) as Tensor2D

    // Statistics out of the op (kept past its scope): per-step BN's population update and, when
    // recording, every term's weighted moments over the valid samples.
    const momentsOf = (v: Tensor2D, col0: number, W: number) => split(momentsOp(v, wStep, { segments: T, col0, width: W, wOffset: 0, center: true }), W)
    const keepMoments = (m: Moments): Moments => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) })
    /** A term's batch statistics equal its recorded moments (per step, centered): reuse them. */
    const sameAsRecorded = (term: TermName) => perStepBatch(term) && norms[term].attrs.center
    const all: Record<TermName, () => Moments> = {
      x: () => (sameAsRecorded('x') ? split(statsX!, C) : momentsOf(U, 0, C)),
      h: () => (statsHall && sameAsRecorded('h') ? split(statsHall, C) : momentsOf(Vall, 0, C)),
      c: () => (statsCall && sameAsRecorded('c') ? split(statsCall, H) : momentsOf(Aall, layout.innerColumn! * H, H)),
    }
    const stepUpdates = terms.filter(perStepBatch)
    if (options.record) for (const term of terms) side.recorded[term] = keepMoments(all[term]())
    if (options.snapshot) {
      const values: Record<TermName, () => Tensor2D> = { x: () => U, h: () => Vall, c: () => columns(Aall, layout.innerColumn! * H, H) }
      for (const term of terms) side.snapshot[term] = tf.keep(term === 'c' ? values.c() : tf.clone(values[term]()))
    }
    for (const term of stepUpdates) {
      const stats = term === 'x' ? statsX! : term === 'h' ? statsHall! : statsCall!
      side.updates.push({ term, moments: keepMoments(split(stats, term === 'c' ? H : C)), counts: [...counts] })
    }
    if (norms.x.segments === 'sequence') side.updates.push({ term: 'x', moments: keepMoments(split(statsX!, C)), counts: [total] })

    const dummy = zeroStats(1)
    save([X, keep, wStep, wX, U, statsX ?? dummy, Hprev, Cprev ?? dummy, Vall, Aall, statsHall ?? dummy, statsCall ?? dummy, loop.flat ?? dummy, ...(bySample ? [bySample.toSample, bySample.toTime] : [])])
    return value
  }

  /** The one-dispatch time loop (WebGPU): every stacked tensor read out of its one output. */
  const sequenceLoop = (p: Params, XZ: Tensor2D, normInputs: (term: TermName, stats?: Tensor2D) => NormInputs): LoopResult => {
    const attrs = sequenceAttrs()
    const pop = (term: TermName) => (!train && norms[term].attrs.stats === 'batch' ? population(term) : undefined)
    const popC = innerTerm ? pop(innerTerm) : undefined
    const flat = sequenceForwardOp(
      {
        xz: XZ,
        keep,
        Wh: p.Wh as Tensor2D,
        gbH: normInputs('h').gammaBeta,
        gbC: innerTerm ? normInputs(innerTerm).gammaBeta : undefined,
        popH: pop('h'),
        popC,
      },
      { ...attrs, T, popRowsH: pop('h')?.shape[0] ?? 0, popRowsC: popC?.shape[0] ?? 0 },
    )
    const L = forwardLayout(attrs, T, N, H)
    const section = (at: number, rows: number, cols: number) => tf.reshape(tf.slice(flat, [at], [rows * cols]), [rows, cols]) as Tensor2D
    return {
      h: section(L.h + T * N * H, N, H),
      hs: () => section(L.h + N * H, T * N, H),
      stacked: () => ({
        Hprev: section(L.h, T * N, H),
        Vall: section(L.V, T * N, C),
        Aall: L.A >= 0 ? section(L.A, T * N, aWidth) : section(L.h + N * H, T * N, H),
        Cprev: L.c >= 0 ? section(L.c, T * N, H) : undefined,
        statsHall: L.statsH >= 0 ? section(L.statsH, T, 2 * C) : undefined,
        statsCall: L.statsC >= 0 ? section(L.statsC, T, 2 * H) : undefined,
      }),
      flat,
    }
  }

  /**
   * Whether the time loop runs as one dispatch each way: on WebGPU, unless per-step BN puts the
   * whole batch in one workgroup and the loop's matMuls exceed ONE_WORKGROUP_MAX multiply-adds (a
   * dispatch that long could trip a desktop's GPU watchdog); those models loop over per-step kernels.
   */
  const sequenceLoopFits = (): boolean => hasSequenceKernels() && (!sequenceAttrs().wholeBatch || N * C * H * T <= oneWorkgroupMax)

  /** What the one-dispatch loop is told of the cell and the norms inside it. */
  const sequenceAttrs = (): SequenceAttrs => {
    const identity = { stats: 'none' as const, center: true, groups: 1, eps: spec.eps }
    const hNorm = norms.h.attrs
    const innerNorm = innerTerm ? norms[innerTerm].attrs : identity
    return { cell: def.kind, hNorm, innerNorm, wholeBatch: hNorm.stats === 'batch' || innerNorm.stats === 'batch' }
  }

  const backward = (p: Params, dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [sX, sKeep, sWStep, sWX, sU, sStatsX, sHprev, sCprev, sV, sA, sStatsH, sStatsC, sFlat, sToSample, sToTime] = saved as Tensor2D[]
    const P = layout.width * H
    const dhOut = options.sequenceOutput ? (tf.reshape(tf.transpose(dy, [1, 0, 2]), [T * N, H]) as Tensor2D) : undefined
    const gammaBeta = loopParams(p)
    const hNorm = norms.h.attrs
    const { Pall, dVall, dUvAll } = sequenceLoopFits() ? sequenceBackwardLoop() : loopByStep()

    // WebGPU: the whole loop one kernel, its stacked gradients read out of its one output.
    function sequenceBackwardLoop() {
      const attrs = sequenceAttrs()
      const flat = sequenceBackwardOp(
        { fwd: sFlat!, keep: sKeep!, Wh: p.Wh as Tensor2D, dy: dhOut ?? (dy as Tensor2D), gbH: gammaBeta('h').gammaBeta, gbC: innerTerm ? gammaBeta(innerTerm).gammaBeta : undefined },
        { ...attrs, T, sequenceOutput: options.sequenceOutput },
      )
      const L = backwardLayout(attrs, T, N, H)
      const section = (at: number, cols: number) => tf.reshape(tf.slice(flat, [at], [T * N * cols]), [T * N, cols]) as Tensor2D
      return { Pall: section(L.P, P), dVall: L.dV >= 0 ? section(L.dV, C) : undefined, dUvAll: L.dyXhat >= 0 ? section(L.dyXhat, C) : undefined }
    }

    // Step by step: the cell's backward, the recurrent norm's backward and dV·Whᵀ, each a kernel a step.
    function loopByStep() {
      let dhRec = options.sequenceOutput ? (tf.zeros([N, H]) as Tensor2D) : (dy as Tensor2D)
      let prev: Tensor2D | undefined
      const Wh = recurrentMatMul(p.Wh as Tensor2D, N, true)
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
        const innerNorm = innerTerm ? norms[innerTerm].attrs : { stats: 'none' as const, center: true, groups: 1, eps: spec.eps }
        const Pt = cellBackwardOp(
          { dhRec, ...(prev ? { prev } : {}), ...(dhOut ? { dhOut } : {}), A: sA!, hPrev: sHprev!, ...(def.state.includes('c') ? { cPrev: sCprev! } : {}), keep: sKeep!, ...(innerNorm.stats === 'batch' ? { w: sWStep! } : {}) },
          innerTerm ? { ...gammaBeta(innerTerm), ...(innerNorm.stats === 'batch' ? { stats: sStatsC! } : {}) } : {},
          { cell: def.kind as never, norm: atStep(innerNorm, t), rowOffset: t * N },
        )
        if (hNorm.stats !== 'none') {
          const [du, dyXhat] = normGradOp(Pt, sV!, { ...gammaBeta('h'), ...(hNorm.stats === 'batch' ? { stats: sStatsH!, w: sWStep! } : {}) }, { ...hNorm, rowsPerSegment: N, dyCol0: layout.du.col * H, rowOffset: t * N, statsRow: t })
          dV[t] = du
          dUv.push(dyXhat)
          dhRec = Wh.backward(du)
        } else dhRec = Wh.backward(Pt, layout.du.col * H, C) // dV is P's recurrent columns
        Ps[t] = Pt
        prev = Pt
      }
      return { Pall: stackOp(Ps), dVall: hNorm.stats !== 'none' ? stackOp(dV) : undefined, dUvAll: hNorm.stats !== 'none' ? stackOp(dUv) : undefined }
    }
    const sums = columnSum(Pall)
    const piece = (col: number, width: number) => tf.slice(sums, [col * H], [width])
    const dX = piece(layout.dx.col, C)
    const dWh = dVall ? columnProduct(sHprev!, dVall) : columnProduct(sHprev!, Pall, layout.du.col * H, C)
    let dU: Tensor2D | undefined
    let dGammaX: Tensor | undefined
    const xNorm = norms.x.attrs
    if (bySample) {
      // On the sample-major rows, as forward normalized them; the input gradient goes back to time-major.
      const toSample = sToSample as unknown as Tensor1D
      const [du, dyXhat] = normGradOp(tf.gather(Pall, toSample) as Tensor2D, tf.gather(sU!, toSample) as Tensor2D, { ...gammaBeta('x'), stats: sStatsX!, w: sWX! }, { ...xNorm, rowsPerSegment: T, dyCol0: layout.dx.col * H, rowOffset: 0, statsRow: 0 })
      dU = tf.gather(du, sToTime as unknown as Tensor1D) as Tensor2D
      dGammaX = columnSum(dyXhat)
    } else if (xNorm.stats !== 'none') {
      const rowsPerSegment = norms.x.segments === 'sequence' ? T * N : N
      const [du, dyXhat] = normGradOp(Pall, sU!, { ...gammaBeta('x'), ...(xNorm.stats === 'batch' ? { stats: sStatsX!, w: sWX! } : {}) }, { ...xNorm, rowsPerSegment, dyCol0: layout.dx.col * H, rowOffset: 0, statsRow: 0 })
      dU = du
      dGammaX = columnSum(dyXhat)
    }
    // No input norm: dU is P's input columns, read in place.
    const grads: Record<string, Tensor> = { Wx: dU ? columnProduct(sX!, dU) : columnProduct(sX!, Pall, layout.dx.col * H, C), Wh: dWh, b: dX }
    if (p.gamma_x) Object.assign(grads, { gamma_x: dGammaX!, beta_x: dX })
    if (p.gamma_h) Object.assign(grads, { gamma_h: columnSum(dUvAll!), beta_h: piece(layout.du.col, C) })
    if (innerTerm && p[`gamma_${innerTerm}`]) Object.assign(grads, { [`gamma_${innerTerm}`]: piece(layout.innerDyXhat!.col, H), [`beta_${innerTerm}`]: piece(layout.innerDy!.col, H) })
    return names.map((name) => grads[name]!)
  }

  if (!train) {
    const p = Object.fromEntries(names.map((name) => [name, params[name]!])) as Params
    const value = forward(p, null)
    return outputs(value)
  }
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as Save
    const p = Object.fromEntries(names.map((name, i) => [name, args[i] as Tensor])) as Params
    const value = forward(p, save)
    return { value, gradFunc: (dy: Tensor, saved: Tensor[]) => backward(p, dy, saved) }
  }) as never) as unknown as (...inputs: Tensor[]) => Tensor
  // X and the masks belong to the caller's scope (the training step's), like every other tensor of it.
  return outputs(op(...names.map((name) => params[name]!)))

  function outputs(value: Tensor): SequenceResult {
    const hLast = options.sequenceOutput ? (tf.reshape(tf.slice(value, [0, T - 1, 0], [N, 1, H]), [N, H]) as Tensor2D) : (value as Tensor2D)
    return { hLast, hidden: options.sequenceOutput ? (value as Tensor3D) : null, recorded: side.recorded, populationUpdates: side.updates, snapshot: side.snapshot }
  }
}
