// The recurrence's kernels as ops: each one tfjs kernel (counted by tf.profile), with no gradient
// of its own — they run inside the sequence op, whose backward is written out with them.
import { tf, type Tensor, type Tensor2D } from '../../core/tf'
import { KERNELS, type CellBackwardAttrs, type CellForwardAttrs, type NormAttrs } from './names'

type Inputs = Record<string, Tensor | undefined>

function run(name: string, inputs: Inputs, attrs: object): Tensor | Tensor[] {
  const present = Object.fromEntries(Object.entries(inputs).filter(([, t]) => t !== undefined)) as Record<
    string,
    Tensor
  >
  return tf.engine().runKernel(name, present, attrs as never) as Tensor | Tensor[]
}

/** γ, β (and a bias) a normalizing kernel reads, and its batch statistics. */
export interface NormInputs {
  gamma?: Tensor
  beta?: Tensor
  /** On a GPU: γ and β as the rows of one [2, C] tensor, one binding instead of two (gpu/normalization.ts). */
  gammaBeta?: Tensor
  stats?: Tensor2D
}

/**
 * Weighted column moments of v's columns [col0, col0 + width) per segment: [S, 2·width], means
 * then variances (center false: zeros, then mean squares).
 */
export function momentsOp(
  v: Tensor2D,
  w: Tensor2D,
  attrs: { segments: number; col0: number; width: number; wOffset: number; center: boolean },
): Tensor2D {
  return run(KERNELS.moments, { v, w }, attrs) as Tensor2D
}

/** γ·x̂ + β + bias (no statistics: u + bias). */
export function normApplyOp(u: Tensor2D, p: NormInputs & { bias?: Tensor }, attrs: NormAttrs): Tensor2D {
  return run(KERNELS.normApply, { u, ...p }, attrs) as Tensor2D
}

/**
 * The normalizer's backward: [du, dy·x̂] for dy's rows. dy is columns [dyCol0, dyCol0 + C) of a
 * wider matrix; u and w are read from row `rowOffset` (stacked over time).
 */
export function normGradOp(
  dy: Tensor2D,
  u: Tensor2D,
  p: NormInputs & { w?: Tensor2D },
  attrs: NormAttrs & { dyCol0: number; rowOffset: number },
): [Tensor2D, Tensor2D] {
  return run(KERNELS.normGrad, { dy, u, ...p }, attrs) as [Tensor2D, Tensor2D]
}

/**
 * Equally shaped [R, C] tensors stacked along rows into [k·R, C]. tfjs's Concat on WebGL packs
 * every unpacked input first (one dispatch each): for T per-step tensors that is T dispatches.
 * One part: a copy (on WebGL an unpacked one, which the recurrence programs read without unpacking).
 */
export function stackOp(parts: readonly Tensor2D[]): Tensor2D {
  return run(KERNELS.stack, Object.fromEntries(parts.map((t, i) => [`x${i}`, t])), { count: parts.length }) as Tensor2D
}

/**
 * One step's recurrent matMul a[:, col0 : col0 + width]·b (transposeB: ·bᵀ) on WebGL, as one
 * unpacked program: tfjs's packed matMul would pack its inputs and the recurrence programs unpack its
 * output, up to four dispatches a step for one. cpu and wasm use the backend's matMul.
 */
export function stepMatMulOp(
  a: Tensor2D,
  b: Tensor2D,
  attrs: { col0: number; width: number; transposeB: boolean },
): Tensor2D {
  return run(KERNELS.stepMatMul, { a, b }, attrs) as Tensor2D
}

/**
 * aᵀ·b[:, col0 : col0 + width] as [M, width] (no a: the column sums, [1, width]). cpu and wasm
 * only, for narrow a (a matMul library packs all of b first); WebGL runs a matMul instead.
 */
export function columnProductOp(a: Tensor2D | undefined, b: Tensor2D, col0: number, width: number): Tensor2D {
  return run(KERNELS.columnProduct, { b, a }, { col0, width }) as Tensor2D
}

/**
 * Adjacent column blocks of x [R, C] from col0, widths[i] wide each: [R, widths[i]] (cpu and wasm
 * only; GPUs slice). tfjs-backend-wasm's Slice reads its whole input out of the heap into a new
 * array before copying the part: per-step BN's statistics split into means and variances every
 * step, and a no-norm cell's backward slices dV out of its gradient at every time step.
 */
export function columnsOp(x: Tensor2D, col0: number, widths: readonly number[]): Tensor2D[] {
  return run(KERNELS.columns, { x }, { col0, widths }) as Tensor2D[]
}

/**
 * A cell's forward at one step (see CellForwardAttrs). Inputs: xz (stacked N_x(x·Wx) + b), v
 * (this step's h·Wh), hPrev, cPrev, keep (stacked validity), A (the 'state' stage's input), and
 * the inline normalizer's γ, β, stats.
 */
export function cellForwardOp(
  t: { xz?: Tensor2D; v?: Tensor2D; A?: Tensor2D; hPrev: Tensor2D; cPrev?: Tensor2D; keep?: Tensor2D },
  p: NormInputs,
  attrs: CellForwardAttrs,
): Tensor2D[] {
  const out = run(KERNELS.cellForward, { ...t, ...p }, attrs)
  return Array.isArray(out) ? (out as Tensor2D[]) : [out as Tensor2D]
}

/**
 * A cell's backward at one step: its packed gradient P [N, width·H] (layout.ts). dhRec is the
 * gradient into h from step t+1's recurrent matMul (or the loss); prev is step t+1's P (its carry
 * blocks); dhOut the per-step outputs' gradient; A, hPrev, cPrev, keep, w stacked over time.
 */
export function cellBackwardOp(
  t: {
    dhRec: Tensor2D
    prev?: Tensor2D
    dhOut?: Tensor2D
    A: Tensor2D
    hPrev: Tensor2D
    cPrev?: Tensor2D
    keep: Tensor2D
    w?: Tensor2D
  },
  p: NormInputs,
  attrs: CellBackwardAttrs,
): Tensor2D {
  return run(KERNELS.cellBackward, { ...t, ...p }, attrs) as Tensor2D
}

/**
 * The whole forward time loop as one kernel (WebGPU): one flat output holding every stacked
 * tensor (webgpu/sequence.ts forwardLayout). Inputs xz [T·N, C], keep [T·N, 1], Wh [H, C], the
 * packed γ/β of the recurrent and inner terms, and at evaluation their population rows.
 */
export function sequenceForwardOp(
  t: { xz: Tensor2D; keep: Tensor2D; Wh: Tensor2D; gbH?: Tensor; gbC?: Tensor; popH?: Tensor2D; popC?: Tensor2D },
  attrs: object,
): Tensor {
  return run(KERNELS.sequenceForward, t, attrs) as Tensor
}

/** The whole backward time loop as one kernel (WebGPU): one flat output (webgpu/sequence.ts backwardLayout). */
export function sequenceBackwardOp(
  t: { fwd: Tensor; keep: Tensor2D; Wh: Tensor2D; dy: Tensor2D; gbH?: Tensor; gbC?: Tensor },
  attrs: object,
): Tensor {
  return run(KERNELS.sequenceBackward, t, attrs) as Tensor
}

/** Whether the backend in use runs the whole time loop as one kernel (WebGPU). */
export const hasSequenceKernels = (): boolean => tf.getKernel(KERNELS.sequenceForward, tf.getBackend()) !== undefined

/** Whether the backend in use keeps tensors in host memory and runs the recurrence kernels there: cpu (JavaScript) and wasm (SIMD kernels on its heap), not a GPU. */
export const isHostBackend = (): boolean => tf.getKernel(KERNELS.columnProduct, tf.getBackend()) !== undefined
