// The time loop forward: a step's cell (and its recurrent and inner terms' statistics) one after
// another, h and c carried; a step no sample reaches passes the state through. On WebGPU the
// whole loop is one kernel (webgpu/sequence.ts), its stacked tensors read out of one output.
import type { TermName } from '../../../kinds'
import { tf, type Tensor, type Tensor2D } from '../../core/tf'
import { cellForwardOp, hasSequenceKernels, momentsOp, sequenceForwardOp, stackOp } from '../kernels/ops'
import { forwardLayout, type SequenceAttrs } from '../kernels/sequence-layout'
import { atStep, identityNorm, perStepBatch, populationOf, type Params, type SequenceContext } from './context'
import { recurrentMatMul, type NormInputsOf } from './matmuls'

/** Every step's tensors stacked over time ([T·N, ·], stats [T, ·]): what backward reads at row t·N, what recording reads at once. */
export interface Stacked {
  Hprev: Tensor2D
  Vall: Tensor2D
  Aall: Tensor2D
  Cprev?: Tensor2D
  statsHall?: Tensor2D
  statsCall?: Tensor2D
}

/** What the time loop leaves: the last h, every step's h stacked, and (training) the stacked tensors backward reads. */
export interface LoopResult {
  h: Tensor2D
  hs: () => Tensor2D
  stacked: () => Stacked
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

/** What the one-dispatch loop is told of the cell and the norms inside it. */
export function sequenceAttrs(ctx: SequenceContext): SequenceAttrs {
  const hNorm = ctx.norms.h.attrs
  const innerNorm = ctx.innerTerm ? ctx.norms[ctx.innerTerm].attrs : identityNorm(ctx)
  return { cell: ctx.def.kind, hNorm, innerNorm, wholeBatch: hNorm.stats === 'batch' || innerNorm.stats === 'batch' }
}

/**
 * Whether the time loop runs as one dispatch each way: on WebGPU, unless per-step BN puts the
 * whole batch in one workgroup and the loop's matMuls exceed ONE_WORKGROUP_MAX multiply-adds (a
 * dispatch that long could trip a desktop's GPU watchdog); those models loop over per-step kernels.
 */
export const oneDispatchLoop = (ctx: SequenceContext): boolean =>
  hasSequenceKernels() && (!sequenceAttrs(ctx).wholeBatch || ctx.N * ctx.C * ctx.H * ctx.T <= oneWorkgroupMax)

/** The forward time loop, by step or as one dispatch. */
export function forwardLoop(
  ctx: SequenceContext,
  p: Params,
  XZ: Tensor2D,
  normInputs: NormInputsOf,
  needsBackward: boolean,
): LoopResult {
  return oneDispatchLoop(ctx)
    ? oneDispatchForward(ctx, p, XZ, normInputs)
    : forwardByStep(ctx, p, XZ, normInputs, needsBackward)
}

/** A per-step term's statistics at step t: the batch's (training, or past the population's rows at evaluation) or the population's row t. */
function stepStats(
  ctx: SequenceContext,
  term: TermName,
  t: number,
  fromBatch: () => Tensor2D,
): { stats?: Tensor2D; row: number } {
  if (ctx.norms[term].attrs.stats !== 'batch') return { row: 0 }
  const population = populationOf(ctx, term)
  if (!ctx.train && population && t < population.shape[0]!) return { stats: population, row: t }
  return { stats: fromBatch(), row: 0 }
}

/** One time step with a valid sample: V = h·Wh, the cell's forward (two kernels with an inner term, its statistics between). */
function stepForward(
  ctx: SequenceContext,
  t: number,
  XZ: Tensor2D,
  V: Tensor2D,
  state: { hPrev: Tensor2D; cPrev?: Tensor2D },
  normInputs: NormInputsOf,
): { step: StepTensors; h: Tensor2D; c?: Tensor2D } {
  const { N, H, def, layout, norms, innerTerm, wStep, keep, train } = ctx
  const cell = def.kind as never
  const sh = stepStats(ctx, 'h', t, () =>
    momentsOp(V, wStep, { segments: 1, col0: 0, width: ctx.C, wOffset: t * N, center: norms.h.attrs.center }),
  )
  const step: StepTensors = { ...state, V, ...(sh.stats && train ? { statsH: sh.stats } : {}) }
  if (innerTerm) {
    const [A] = cellForwardOp({ xz: XZ, v: V, ...state }, normInputs('h', sh.stats), {
      cell,
      stage: 'gates',
      norm: atStep(ctx, norms.h.attrs, sh.row),
      rowOffset: t * N,
    })
    const sc = stepStats(ctx, innerTerm, t, () =>
      momentsOp(A!, wStep, {
        segments: 1,
        col0: layout.innerColumn! * H,
        width: H,
        wOffset: t * N,
        center: norms[innerTerm].attrs.center,
      }),
    )
    const next = cellForwardOp({ A, ...state, keep }, normInputs(innerTerm, sc.stats), {
      cell,
      stage: 'state',
      norm: atStep(ctx, norms[innerTerm].attrs, sc.row),
      rowOffset: t * N,
    })
    Object.assign(step, { A, ...(sc.stats && train ? { statsC: sc.stats } : {}) })
    return { step, h: next[0]!, c: next[1] }
  }
  const out = cellForwardOp({ xz: XZ, v: V, ...state, keep }, normInputs('h', sh.stats), {
    cell,
    stage: 'step',
    norm: atStep(ctx, norms.h.attrs, sh.row),
    rowOffset: t * N,
  })
  if (!layout.stateIsActivation) step.A = out[0]
  return { step, h: out[out.length - 1]! }
}

/** The loop step by step: a few kernels a time step. */
function forwardByStep(
  ctx: SequenceContext,
  p: Params,
  XZ: Tensor2D,
  normInputs: NormInputsOf,
  needsBackward: boolean,
): LoopResult {
  const { N, H, C, T, def, layout, innerTerm, counts, aWidth } = ctx
  const Wh = recurrentMatMul(p.Wh as Tensor2D, N, needsBackward)
  let h = tf.zeros([N, H]) as Tensor2D
  let c = def.state.includes('c') ? (tf.zeros([N, H]) as Tensor2D) : undefined
  const zeros = (W: number) => tf.zeros([N, W]) as Tensor2D
  const zeroStats = (W: number) => tf.zeros([1, 2 * W]) as Tensor2D
  const steps: StepTensors[] = []
  const hs: Tensor2D[] = []
  for (let t = 0; t < T; t++) {
    if (counts[t] === 0) {
      // No valid sample: the state passes through (backward fills the step with zeros).
      steps.push({
        hPrev: h,
        ...(c ? { cPrev: c } : {}),
        V: zeros(C),
        ...(layout.stateIsActivation ? {} : { A: zeros(aWidth) }),
      })
      hs.push(h)
      continue
    }
    const next = stepForward(ctx, t, XZ, Wh.forward(h), { hPrev: h, ...(c ? { cPrev: c } : {}) }, normInputs)
    steps.push(next.step)
    h = next.h
    if (innerTerm) c = next.c
    hs.push(h)
  }
  // Few tensors to save: every step's stacked over time.
  const stack = (pick: (s: StepTensors) => Tensor2D | undefined, fill: () => Tensor2D) =>
    stackOp(steps.map((s) => pick(s) ?? fill()))
  return {
    h,
    hs: () => stackOp(hs),
    stacked: () => ({
      Hprev: stack(
        (s) => s.hPrev,
        () => zeros(H),
      ),
      Vall: stack(
        (s) => s.V,
        () => zeros(C),
      ),
      // What the cell's backward reads as its activations: A, or its outputs where the new h is the activation.
      Aall: layout.stateIsActivation
        ? stackOp(hs)
        : stack(
            (s) => s.A,
            () => zeros(aWidth),
          ),
      Cprev: c
        ? stack(
            (s) => s.cPrev,
            () => zeros(H),
          )
        : undefined,
      statsHall: perStepBatch(ctx, 'h')
        ? stack(
            (s) => s.statsH,
            () => zeroStats(C),
          )
        : undefined,
      statsCall:
        innerTerm && perStepBatch(ctx, innerTerm)
          ? stack(
              (s) => s.statsC,
              () => zeroStats(H),
            )
          : undefined,
    }),
  }
}

/** The one-dispatch time loop (WebGPU): every stacked tensor read out of its one output. */
function oneDispatchForward(ctx: SequenceContext, p: Params, XZ: Tensor2D, normInputs: NormInputsOf): LoopResult {
  const { N, H, C, T, aWidth, innerTerm, norms, train } = ctx
  const attrs = sequenceAttrs(ctx)
  const pop = (term: TermName) => (!train && norms[term].attrs.stats === 'batch' ? populationOf(ctx, term) : undefined)
  const popC = innerTerm ? pop(innerTerm) : undefined
  const flat = sequenceForwardOp(
    {
      xz: XZ,
      keep: ctx.keep,
      Wh: p.Wh as Tensor2D,
      gbH: normInputs('h').gammaBeta,
      gbC: innerTerm ? normInputs(innerTerm).gammaBeta : undefined,
      popH: pop('h'),
      popC,
    },
    { ...attrs, T, popRowsH: pop('h')?.shape[0] ?? 0, popRowsC: popC?.shape[0] ?? 0 },
  )
  const L = forwardLayout(attrs, T, N, H)
  const section = (at: number, rows: number, cols: number) =>
    tf.reshape(tf.slice(flat, [at], [rows * cols]), [rows, cols]) as Tensor2D
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
