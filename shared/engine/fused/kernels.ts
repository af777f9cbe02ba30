// The fused recurrent kernels: names, inputs and attributes, the op wrappers the sequence op calls
// (each one tfjs kernel, counted by tf.profile), and their cpu and wasm implementations (math.ts
// over the backend's own memory: the cpu backend's arrays, the wasm backend's heap, no copies).
// The WebGL versions are shaders (webgl.ts). None has a registered gradient: they run inside
// the sequence op (recurrent-sequence.ts), whose backward is written out with them.
import { tf, type Tensor, type Tensor2D } from '../tf'
import { columnProduct, gruCellGrad, gruGates, gruState, lstmCellGrad, lstmGates, lstmState, moments, normApply, normGrad, rnnCellGrad, rnnStep, GRU_GRAD_WIDTH, LSTM_GRAD_WIDTH, RNN_GRAD_WIDTH, type NormArgs, type NormMode } from './math'

export const KERNELS = {
  moments: 'NormLabMoments',
  normApply: 'NormLabNormApply',
  normGrad: 'NormLabNormGrad',
  lstmGates: 'NormLabLstmGates',
  lstmState: 'NormLabLstmState',
  lstmCellGrad: 'NormLabLstmCellGrad',
  stack: 'NormLabStack',
  rnnStep: 'NormLabRnnStep',
  rnnCellGrad: 'NormLabRnnCellGrad',
  gruGates: 'NormLabGruGates',
  gruState: 'NormLabGruState',
  gruCellGrad: 'NormLabGruCellGrad',
  columnProduct: 'NormLabColumnProduct',
  stepMatMul: 'NormLabStepMatMul',
} as const

export interface NormAttrs {
  mode: NormMode
  groups: number
  eps: number
  /** bn: rows per segment of the stats input. */
  rowsPerSegment: number
  /** bn: the stats row of the first segment (default 0). */
  statsRow?: number
}

type Inputs = Record<string, Tensor | undefined>

function run(name: string, inputs: Inputs, attrs: object): Tensor | Tensor[] {
  const present = Object.fromEntries(Object.entries(inputs).filter(([, t]) => t !== undefined)) as Record<string, Tensor>
  return tf.engine().runKernel(name, present, attrs as never) as Tensor | Tensor[]
}

/** Weighted column moments of v's columns [col0, col0 + width) per segment: [S, 2·width] (means, then variances). */
export function fusedMoments(v: Tensor2D, w: Tensor2D, attrs: { segments: number; col0: number; width: number; wOffset: number }): Tensor2D {
  return run(KERNELS.moments, { v, w }, attrs) as Tensor2D
}

/** γ·x̂ + β + bias (none: u + bias). */
export function fusedNormApply(u: Tensor2D, p: { gamma?: Tensor; beta?: Tensor; bias?: Tensor; stats?: Tensor2D }, attrs: NormAttrs): Tensor2D {
  return run(KERNELS.normApply, { u, ...p }, attrs) as Tensor2D
}

/**
 * The norm's backward: [du, dy·x̂] for dy's rows. dy is columns [dyCol0, dyCol0 + C) of a wider
 * matrix; u and w are read from row `rowOffset` (stacked over time).
 */
export function fusedNormGrad(dy: Tensor2D, u: Tensor2D, p: { gamma?: Tensor; w?: Tensor2D; stats?: Tensor2D }, attrs: NormAttrs & { dyCol0: number; rowOffset: number }): [Tensor2D, Tensor2D] {
  return run(KERNELS.normGrad, { dy, u, ...p }, attrs) as [Tensor2D, Tensor2D]
}

/**
 * Equally shaped [R, C] tensors stacked along rows into [k·R, C]. tfjs's Concat on WebGL packs
 * every unpacked input first (one dispatch each): for T per-step tensors that is T dispatches.
 * One part: a copy (on WebGL an unpacked one, which the fused programs read without unpacking).
 */
export function fusedStack(parts: readonly Tensor2D[]): Tensor2D {
  return run(KERNELS.stack, Object.fromEntries(parts.map((t, i) => [`x${i}`, t])), { count: parts.length }) as Tensor2D
}

/**
 * One step's recurrent matMul a[:, col0 : col0 + width]·b (transposeB: ·bᵀ) on WebGL, as one
 * unpacked program: tfjs's packed matMul would pack its inputs and the fused programs unpack its
 * output, up to four dispatches a step for one. cpu and wasm use the backend's matMul.
 */
export function fusedStepMatMul(a: Tensor2D, b: Tensor2D, attrs: { col0: number; width: number; transposeB: boolean }): Tensor2D {
  return run(KERNELS.stepMatMul, { a, b }, attrs) as Tensor2D
}

export interface StepAttrs {
  mode: NormMode
  groups: number
  eps: number
  /** Where step t's rows start in the stacked inputs: t·N. */
  rowOffset: number
  /** bn: step t's row in a stacked stats input (0 for a step's own stats). */
  statsRow: number
}

export function fusedLstmGates(xz: Tensor2D, v: Tensor2D, cPrev: Tensor2D, p: { gamma?: Tensor; beta?: Tensor; stats?: Tensor2D }, attrs: StepAttrs): Tensor2D {
  return run(KERNELS.lstmGates, { xz, v, cPrev, ...p }, attrs) as Tensor2D
}

export function fusedLstmState(A: Tensor2D, hPrev: Tensor2D, cPrev: Tensor2D, keep: Tensor2D, p: { gamma?: Tensor; beta?: Tensor; stats?: Tensor2D }, attrs: StepAttrs): [Tensor2D, Tensor2D] {
  return run(KERNELS.lstmState, { A, hPrev, cPrev, keep, ...p }, attrs) as [Tensor2D, Tensor2D]
}

export function fusedLstmCellGrad(
  t: { dhRec: Tensor2D; prev?: Tensor2D; dhOut?: Tensor2D; A: Tensor2D; cPrev: Tensor2D; keep: Tensor2D; w: Tensor2D },
  p: { gamma?: Tensor; beta?: Tensor; stats?: Tensor2D },
  attrs: StepAttrs,
): Tensor2D {
  return run(KERNELS.lstmCellGrad, { ...t, ...p }, attrs) as Tensor2D
}

export function fusedRnnStep(xz: Tensor2D, v: Tensor2D, hPrev: Tensor2D, keep: Tensor2D, p: { gamma?: Tensor; beta?: Tensor; stats?: Tensor2D }, attrs: StepAttrs): Tensor2D {
  return run(KERNELS.rnnStep, { xz, v, hPrev, keep, ...p }, attrs) as Tensor2D
}

export function fusedRnnCellGrad(t: { dhRec: Tensor2D; prev?: Tensor2D; dhOut?: Tensor2D; hNext: Tensor2D; keep: Tensor2D }, attrs: { rowOffset: number }): Tensor2D {
  return run(KERNELS.rnnCellGrad, t, attrs) as Tensor2D
}

export function fusedGruGates(xz: Tensor2D, v: Tensor2D, p: { gamma?: Tensor; beta?: Tensor; stats?: Tensor2D }, attrs: StepAttrs): Tensor2D {
  return run(KERNELS.gruGates, { xz, v, ...p }, attrs) as Tensor2D
}

export function fusedGruState(A: Tensor2D, hPrev: Tensor2D, keep: Tensor2D, attrs: { rowOffset: number }): Tensor2D {
  return run(KERNELS.gruState, { A, hPrev, keep }, attrs) as Tensor2D
}

export function fusedGruCellGrad(t: { dhRec: Tensor2D; prev?: Tensor2D; dhOut?: Tensor2D; A: Tensor2D; hPrev: Tensor2D; keep: Tensor2D }, attrs: { rowOffset: number }): Tensor2D {
  return run(KERNELS.gruCellGrad, t, attrs) as Tensor2D
}

/**
 * aᵀ·b[:, col0 : col0 + width] as [M, width] (no a: the column sums, [1, width]). cpu and wasm
 * only, for narrow a (see math.ts); WebGL runs a matMul instead (recurrent-sequence.ts).
 */
export function fusedColumnProduct(a: Tensor2D | undefined, b: Tensor2D, col0: number, width: number): Tensor2D {
  return run(KERNELS.columnProduct, { b, a }, { col0, width }) as Tensor2D
}

/** Whether the backend in use runs the JS kernels (cpu, wasm). */
export const hasJsKernels = (): boolean => tf.getKernel(KERNELS.columnProduct, tf.getBackend()) !== undefined

// ---- cpu and wasm: math.ts over the backend's memory ------------------------------------------

/** How a JS kernel reads inputs and makes outputs on one backend. */
interface Memory {
  /** Outputs first (allocating on the wasm heap may move it), then inputs. */
  output(shape: number[]): { info: tf.TensorInfo; data: Float32Array }
  input(t: tf.TensorInfo): Float32Array
  done(outputs: { info: tf.TensorInfo; data: Float32Array }[]): tf.TensorInfo[]
}

type CpuLike = { data: { get(id: object): { values?: unknown } }; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo }
type WasmLike = { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo; typedArrayFromHeap(t: tf.TensorInfo): Float32Array }

function memoryOf(backendName: 'cpu' | 'wasm', backend: unknown): Memory {
  if (backendName === 'cpu') {
    const cpu = backend as CpuLike
    const pending: Float32Array[] = []
    return {
      output(shape) {
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1))
        pending.push(data)
        return { info: { dataId: {}, shape, dtype: 'float32' }, data }
      },
      input: (t) => cpu.data.get(t.dataId).values as Float32Array,
      done: (outputs) => outputs.map((o) => cpu.makeTensorInfo(o.info.shape, 'float32', o.data)),
    }
  }
  const wasm = backend as WasmLike
  const infos: tf.TensorInfo[] = []
  return {
    output(shape) {
      const info = wasm.makeOutput(shape, 'float32')
      infos.push(info)
      // Views are taken in done() and input(): after every allocation.
      return { info, data: null as unknown as Float32Array }
    },
    input: (t) => wasm.typedArrayFromHeap(t),
    done: (outputs) => outputs.map((o) => o.info),
  }
}

type Compute = (ins: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, mem: Memory) => { info: tf.TensorInfo; data: Float32Array }[]

/** After allocating outputs on wasm, their views must be taken (the heap may have grown). */
function view(mem: Memory, o: { info: tf.TensorInfo; data: Float32Array }): Float32Array {
  return o.data ?? mem.input(o.info)
}

function normArgs(ins: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, mem: Memory): NormArgs {
  return {
    mode: attrs.mode as NormMode,
    groups: (attrs.groups as number) || 1,
    eps: attrs.eps as number,
    stats: ins.stats ? mem.input(ins.stats) : null,
    statsRow: (attrs.statsRow as number) || 0,
    rowsPerSegment: (attrs.rowsPerSegment as number) || 1,
    gamma: ins.gamma ? mem.input(ins.gamma) : null,
    beta: ins.beta ? mem.input(ins.beta) : null,
  }
}

const COMPUTE: Record<string, Compute> = {
  [KERNELS.moments]: (ins, attrs, mem) => {
    const [R, stride] = ins.v!.shape as [number, number]
    const S = attrs.segments as number
    const W = attrs.width as number
    const out = mem.output([S, 2 * W])
    moments(mem.input(ins.v!), stride, mem.input(ins.w!), attrs.wOffset as number, R, S, attrs.col0 as number, W, view(mem, out))
    return [out]
  },
  [KERNELS.normApply]: (ins, attrs, mem) => {
    const [R, C] = ins.u!.shape as [number, number]
    const out = mem.output([R, C])
    normApply(mem.input(ins.u!), R, C, normArgs(ins, attrs, mem), ins.bias ? mem.input(ins.bias) : null, view(mem, out))
    return [out]
  },
  [KERNELS.normGrad]: (ins, attrs, mem) => {
    const R = ins.dy!.shape[0]!
    const C = ins.u!.shape[1]!
    const du = mem.output([R, C])
    const dyXhat = mem.output([R, C])
    normGrad(mem.input(ins.dy!), ins.dy!.shape[1]!, attrs.dyCol0 as number, mem.input(ins.u!), attrs.rowOffset as number, R, C, normArgs(ins, attrs, mem), ins.w ? mem.input(ins.w) : null, view(mem, du), view(mem, dyXhat))
    return [du, dyXhat]
  },
  [KERNELS.lstmGates]: (ins, attrs, mem) => {
    const [N, C] = ins.v!.shape as [number, number]
    const H = C / 4
    const out = mem.output([N, 5 * H])
    lstmGates(mem.input(ins.xz!), attrs.rowOffset as number, mem.input(ins.v!), N, H, normArgs(ins, attrs, mem), mem.input(ins.cPrev!), view(mem, out))
    return [out]
  },
  [KERNELS.lstmState]: (ins, attrs, mem) => {
    const [N, H] = ins.hPrev!.shape as [number, number]
    const h = mem.output([N, H])
    const c = mem.output([N, H])
    lstmState(mem.input(ins.A!), N, H, normArgs(ins, attrs, mem), mem.input(ins.hPrev!), mem.input(ins.cPrev!), mem.input(ins.keep!), attrs.rowOffset as number, view(mem, h), view(mem, c))
    return [h, c]
  },
  [KERNELS.lstmCellGrad]: (ins, attrs, mem) => {
    const [N, H] = ins.dhRec!.shape as [number, number]
    const out = mem.output([N, LSTM_GRAD_WIDTH * H])
    lstmCellGrad(
      mem.input(ins.dhRec!),
      ins.prev ? mem.input(ins.prev) : null,
      ins.dhOut ? mem.input(ins.dhOut) : null,
      mem.input(ins.A!),
      mem.input(ins.cPrev!),
      N,
      H,
      normArgs(ins, attrs, mem),
      mem.input(ins.keep!),
      mem.input(ins.w!),
      attrs.rowOffset as number,
      view(mem, out),
    )
    return [out]
  },
}

COMPUTE[KERNELS.rnnStep] = (ins, attrs, mem) => {
  const [N, H] = ins.hPrev!.shape as [number, number]
  const out = mem.output([N, H])
  rnnStep(mem.input(ins.xz!), attrs.rowOffset as number, mem.input(ins.v!), N, H, normArgs(ins, attrs, mem), mem.input(ins.hPrev!), mem.input(ins.keep!), view(mem, out))
  return [out]
}
COMPUTE[KERNELS.rnnCellGrad] = (ins, attrs, mem) => {
  const [N, H] = ins.dhRec!.shape as [number, number]
  const out = mem.output([N, RNN_GRAD_WIDTH * H])
  rnnCellGrad(mem.input(ins.dhRec!), ins.prev ? mem.input(ins.prev) : null, ins.dhOut ? mem.input(ins.dhOut) : null, mem.input(ins.hNext!), N, H, mem.input(ins.keep!), attrs.rowOffset as number, view(mem, out))
  return [out]
}
COMPUTE[KERNELS.gruGates] = (ins, attrs, mem) => {
  const [N, C] = ins.v!.shape as [number, number]
  const H = C / 3
  const out = mem.output([N, 4 * H])
  gruGates(mem.input(ins.xz!), attrs.rowOffset as number, mem.input(ins.v!), N, H, normArgs(ins, attrs, mem), view(mem, out))
  return [out]
}
COMPUTE[KERNELS.gruState] = (ins, attrs, mem) => {
  const [N, H] = ins.hPrev!.shape as [number, number]
  const out = mem.output([N, H])
  gruState(mem.input(ins.A!), N, H, mem.input(ins.hPrev!), mem.input(ins.keep!), attrs.rowOffset as number, view(mem, out))
  return [out]
}
COMPUTE[KERNELS.gruCellGrad] = (ins, attrs, mem) => {
  const [N, H] = ins.dhRec!.shape as [number, number]
  const out = mem.output([N, GRU_GRAD_WIDTH * H])
  gruCellGrad(mem.input(ins.dhRec!), ins.prev ? mem.input(ins.prev) : null, ins.dhOut ? mem.input(ins.dhOut) : null, mem.input(ins.A!), mem.input(ins.hPrev!), N, H, mem.input(ins.keep!), attrs.rowOffset as number, view(mem, out))
  return [out]
}
COMPUTE[KERNELS.columnProduct] = (ins, attrs, mem) => {
  const [R, stride] = ins.b!.shape as [number, number]
  const M = ins.a ? ins.a.shape[1]! : 1
  const W = attrs.width as number
  const out = mem.output([M, W])
  columnProduct(ins.a ? mem.input(ins.a) : null, M, mem.input(ins.b!), R, stride, attrs.col0 as number, W, view(mem, out))
  return [out]
}
COMPUTE[KERNELS.stack] = (ins, attrs, mem) => {
  const count = attrs.count as number
  const [R, C] = ins.x0!.shape as [number, number]
  const out = mem.output([count * R, C])
  const data = view(mem, out)
  for (let i = 0; i < count; i++) data.set(mem.input(ins[`x${i}`]!).subarray(0, R * C), i * R * C)
  return [out]
}

const MULTI_OUTPUT = new Set<string>([KERNELS.normGrad, KERNELS.lstmState])

let jsRegistered = false

/** Registers the JS kernels for the cpu and wasm backends (idempotent). */
export function registerJsKernels(): void {
  if (jsRegistered) return
  jsRegistered = true
  for (const backendName of ['cpu', 'wasm'] as const) {
    for (const [kernelName, compute] of Object.entries(COMPUTE)) {
      if (tf.getKernel(kernelName, backendName)) continue
      tf.registerKernel({
        kernelName,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const mem = memoryOf(backendName, backend)
          const outputs = mem.done(compute(inputs as Record<string, tf.TensorInfo>, attrs as Record<string, unknown>, mem))
          return MULTI_OUTPUT.has(kernelName) ? outputs : outputs[0]!
        },
      })
    }
  }
}
