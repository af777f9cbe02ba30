// The products and reductions the recurrence op runs outside its cell kernels, each on the
// cheapest path the backend has: the recurrent matMul by Wh, column sums and aᵀ·b, column slices,
// the statistics' split into means and variances, and γ/β as the loop's kernels read them.
import type { TermName } from '../../../kinds'
import type { Moments } from '../../core/moments'
import { tf, type Tensor, type Tensor2D } from '../../core/tf'
import { columnProductOp, columnsOp, isHostBackend, stackOp, stepMatMulOp, type NormInputs } from '../kernels/ops'
import type { Params } from './context'

/** Splits [S, 2W] (means, then variances) into moments. */
export function split(stats: Tensor2D, W: number): Moments {
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
export function columnProduct(a: Tensor2D | undefined, b: Tensor2D, col0 = 0, width = b.shape[1]): Tensor2D {
  if (isHostBackend() && (!a || a.shape[1] <= NARROW)) return columnProductOp(a, b, col0, width)
  const cols = columns(b, col0, width)
  if (!a) return tf.matMul(tf.ones([1, b.shape[0]]), cols) as Tensor2D
  return isHostBackend()
    ? (tf.matMul(tf.transpose(a) as Tensor2D, cols) as Tensor2D)
    : (tf.matMul(a, cols, true, false) as Tensor2D)
}

/** The sum of each column of x's columns [col0, col0 + width) as [width]. */
export function columnSum(x: Tensor2D, col0 = 0, width = x.shape[1]): Tensor {
  return tf.reshape(columnProduct(undefined, x, col0, width), [width])
}

/** Columns [col0, col0 + width) of a (a itself when that is all of it). */
export function columns(a: Tensor2D, col0: number, width: number): Tensor2D {
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

export interface RecurrentMatMul {
  /** h·Wh */
  forward(h: Tensor2D): Tensor2D
  /** a[:, col0 : col0 + width]·Whᵀ */
  backward(a: Tensor2D, col0?: number, width?: number): Tensor2D
}

/** The loop's matMuls by Wh [H, C] for N samples, chosen once per pass (see UNPACKED_MATMUL_MAX). */
export function recurrentMatMul(Wh: Tensor2D, N: number, needsBackward: boolean): RecurrentMatMul {
  const [H, C] = Wh.shape
  if (isHostBackend()) {
    // cpu and wasm: Whᵀ once (wasm's transposed matMul is ~10× slower than transpose + matMul).
    const WhT = needsBackward ? (tf.transpose(Wh) as Tensor2D) : Wh
    return {
      forward: (h) => tf.matMul(h, Wh) as Tensor2D,
      backward: (a, col0 = 0, width = a.shape[1]) => tf.matMul(columns(a, col0, width), WhT) as Tensor2D,
    }
  }
  if (N * H * C <= unpackedMatMulMax) {
    const unpacked = stackOp([Wh]) // the optimizer leaves Wh packed: unpacked once, not at every step
    return {
      forward: (h) => stepMatMulOp(h, unpacked, { col0: 0, width: H, transposeB: false }),
      backward: (a, col0 = 0, width = a.shape[1]) => stepMatMulOp(a, unpacked, { col0, width, transposeB: true }),
    }
  }
  return {
    forward: (h) => tf.matMul(h, Wh) as Tensor2D,
    backward: (a, col0 = 0, width = a.shape[1]) => tf.matMul(columns(a, col0, width), Wh, false, true) as Tensor2D,
  }
}

/**
 * The γ and β the kernels read, by term. On a GPU, each term's pair copied once per pass into one
 * [2, C] tensor: one binding (WebGPU binds at most 8–10 buffers a shader), and on WebGL unpacked —
 * the optimizer's packed updates leave them packed, and every recurrence program would unpack each
 * one it reads at every time step (seven programs a step for a BN-LSTM). On cpu and wasm as they are.
 */
export function loopParams(p: Params): (term: TermName) => NormInputs {
  if (isHostBackend()) return (term) => ({ gamma: p[`gamma_${term}`], beta: p[`beta_${term}`] })
  const packed: Partial<Record<TermName, Tensor>> = {}
  for (const term of ['x', 'h', 'c'] as const) {
    const gamma = p[`gamma_${term}`]
    const beta = p[`beta_${term}`]
    if (gamma && beta)
      packed[term] = stackOp([tf.reshape(gamma, [1, -1]) as Tensor2D, tf.reshape(beta, [1, -1]) as Tensor2D])
  }
  return (term) => (packed[term] ? { gammaBeta: packed[term] } : {})
}

/** A normalizer's inputs in a kernel: γ/β as the loop reads them, and its statistics when it has them. */
export type NormInputsOf = (term: TermName, stats?: Tensor2D) => NormInputs

export function normInputsOf(p: Params): NormInputsOf {
  const gammaBeta = loopParams(p)
  return (term, stats) => ({ ...gammaBeta(term), ...(stats ? { stats } : {}) })
}
