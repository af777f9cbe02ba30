// The recurrence's kernels on the wasm backend: the SIMD module compiled from wasm/assembly (the
// skeleton) and the cells' formulas (kernels.generated.ts), instantiated once per backend over
// the backend's own memory — inputs are read and outputs written where tfjs keeps them, no copies.
// The cpu backend runs the JavaScript generated from the same formulas (js/register.ts).
import type { tf } from '../../core/tf'
import { CELL_DEFINITIONS, type CellKind } from '../../../kinds'
import { registerKernelSet, type KernelCompute } from '../kernels/register'
import { KERNELS, type CellBackwardAttrs, type CellForwardAttrs, type NormAttrs } from '../kernels/names'
import { cellShape } from '../kernels/layout'
import { WASM_KERNELS_BASE64 } from './kernels.generated'
import { fromBase64 } from '../../../contract/packed'

type Info = tf.TensorInfo
type Ins = Record<string, Info | undefined>

/** The part of the WebAssembly API used here (shared/ is typed without the DOM's or Node's globals). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
  compile(bytes: Uint8Array): Promise<object>
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

/** What the kernels use of tfjs-backend-wasm (BackendWasm and its Emscripten module). */
interface WasmBackendLike {
  wasm: {
    asm?: { memory?: WasmMemory }
    wasmMemory?: WasmMemory
    _malloc(bytes: number): number
    _free(ptr: number): void
  }
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined }
  makeOutput(shape: number[], dtype: 'float32'): Info
}

/** The module's exports (wasm/assembly/index.ts); pointers are byte offsets into the backend's memory. */
export interface WasmKernelExports {
  setNorm(
    mode: number,
    center: number,
    groups: number,
    eps: number,
    rowsPerSegment: number,
    statsRow: number,
    stats: number,
    gamma: number,
    beta: number,
  ): void
  moments(
    v: number,
    stride: number,
    w: number,
    wOffset: number,
    R: number,
    S: number,
    col0: number,
    W: number,
    center: number,
    out: number,
  ): void
  normApply(u: number, R: number, C: number, bias: number, out: number, scratch: number): void
  normGrad(
    dy: number,
    dyStride: number,
    dyCol0: number,
    u: number,
    uRow0: number,
    R: number,
    C: number,
    w: number,
    du: number,
    dyXhat: number,
    scratch: number,
  ): void
  columnProduct(a: number, M: number, b: number, R: number, stride: number, col0: number, W: number, out: number): void
  cellForward(
    cell: number,
    stage: number,
    N: number,
    H: number,
    rowOffset: number,
    G: number,
    aWidth: number,
    innerCol: number,
    xz: number,
    v: number,
    A: number,
    hPrev: number,
    cPrev: number,
    keep: number,
    outA: number,
    outH: number,
    outC: number,
    scratch: number,
  ): void
  cellBackward(
    cell: number,
    N: number,
    H: number,
    rowOffset: number,
    aWidth: number,
    innerCol: number,
    width: number,
    carryH: number,
    carryC: number,
    innerDy: number,
    innerDyXhat: number,
    K: number,
    dhRec: number,
    prev: number,
    dhOut: number,
    A: number,
    hPrev: number,
    cPrev: number,
    keep: number,
    w: number,
    P: number,
    scratch: number,
  ): void
  exp4Into(from: number, to: number, n: number): void
  sigmoid4Into(from: number, to: number, n: number): void
  tanh4Into(from: number, to: number, n: number): void
}

let compiled: object | null = null

/**
 * Compiles the module ahead of its first kernel: where the wasm backend starts (a browser's main
 * thread refuses to compile a module over 4 KB synchronously; a worker and Node do not).
 */
export async function prepareWasmKernels(): Promise<void> {
  compiled ??= await WebAssemblyApi.compile(fromBase64(WASM_KERNELS_BASE64))
}

function wasmModule(): object {
  compiled ??= new WebAssemblyApi.Module(fromBase64(WASM_KERNELS_BASE64))
  return compiled
}

/**
 * The backend's memory: its module's exported memory (the single-threaded builds). The threaded
 * build shares an imported memory between workers, which this module is not compiled for; the
 * app never runs it (its CSP refuses the helper workers: renderer/src/training/backends.ts).
 */
function memoryOf(b: WasmBackendLike): WasmMemory {
  const memory = b.wasm.asm?.memory ?? b.wasm.wasmMemory
  if (!memory) throw new Error('the wasm backend exposes no memory: the recurrence kernels cannot run on it')
  const Shared = (globalThis as unknown as { SharedArrayBuffer?: new () => unknown }).SharedArrayBuffer
  if (Shared && memory.buffer instanceof Shared)
    throw new Error(
      "the wasm backend runs threaded (shared memory); the recurrence kernels need its single-threaded build: tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false) before it starts",
    )
  return memory
}

interface Instance {
  k: WasmKernelExports
  memory: WasmMemory
  backend: WasmBackendLike
  /** A tensor's byte offset in the backend's memory (an absent input: 0). */
  ptr(t: Info | undefined): number
  /** A new float32 tensor on the backend's heap. */
  output(shape: number[]): Info
  /** Tells the module the normalizer a kernel applies, with its statistics, γ and β. */
  setNorm(n: NormAttrs, ins: Ins): void
  /** Scratch for `floats` values: an arena on the backend's heap, grown as kernels need (never shrunk). */
  scratch(floats: number): number
}

/** The module's codes for where a normalizer's statistics come from (assembly/norm.ts). */
const MODE: Record<NormAttrs['stats'], number> = { none: 0, row: 1, batch: 2 }

const INSTANCES = new WeakMap<object, Instance>()

/** The kernels over a wasm backend's memory (instantiated on first use). */
export function wasmKernelsOf(backend: unknown): Instance {
  const b = backend as WasmBackendLike
  let inst = INSTANCES.get(b)
  if (!inst) {
    const memory = memoryOf(b)
    const k = new WebAssemblyApi.Instance(wasmModule(), { env: { memory } }).exports as unknown as WasmKernelExports
    const arena = { ptr: 0, bytes: 0 }
    const ptr = (t: Info | undefined) => (t ? b.dataIdMap.get(t.dataId)!.memoryOffset : 0)
    inst = {
      k,
      memory,
      backend: b,
      ptr,
      output: (shape) => b.makeOutput(shape, 'float32'),
      setNorm: (n, ins) =>
        k.setNorm(
          MODE[n.stats],
          n.center ? 1 : 0,
          n.groups || 1,
          n.eps,
          n.rowsPerSegment || 1,
          n.statsRow || 0,
          ptr(ins.stats),
          ptr(ins.gamma),
          ptr(ins.beta),
        ),
      scratch: (floats) => {
        const bytes = Math.max(16, floats * 4)
        if (arena.bytes < bytes) {
          if (arena.ptr) b.wasm._free(arena.ptr)
          arena.bytes = Math.max(bytes, 2 * arena.bytes)
          arena.ptr = b.wasm._malloc(arena.bytes)
        }
        return arena.ptr
      },
    }
    INSTANCES.set(b, inst)
  }
  return inst
}

const STAGE: Record<CellForwardAttrs['stage'], number> = { gates: 0, state: 1, step: 2 }
const CELL_INDEX = new Map<CellKind, number>(CELL_DEFINITIONS.map((d, i) => [d.kind as CellKind, i]))

type Compute = (ins: Ins, attrs: Record<string, unknown>, inst: Instance) => Info[]

const COMPUTE: Record<string, Compute> = {
  [KERNELS.moments]: (ins, a, inst) => {
    const { ptr, output } = inst
    const [R, stride] = ins.v!.shape as [number, number]
    const W = a.width as number
    const S = a.segments as number
    const out = output([S, 2 * W])
    inst.k.moments(
      ptr(ins.v),
      stride,
      ptr(ins.w),
      a.wOffset as number,
      R,
      S,
      a.col0 as number,
      W,
      a.center ? 1 : 0,
      ptr(out),
    )
    return [out]
  },
  [KERNELS.normApply]: (ins, a, inst) => {
    const { ptr, output, setNorm } = inst
    const [R, C] = ins.u!.shape as [number, number]
    const out = output([R, C])
    const s = inst.scratch(2 * C)
    setNorm(a as unknown as NormAttrs, ins)
    inst.k.normApply(ptr(ins.u), R, C, ptr(ins.bias), ptr(out), s)
    return [out]
  },
  [KERNELS.normGrad]: (ins, a, inst) => {
    const { ptr, output, setNorm } = inst
    const R = ins.dy!.shape[0]!
    const C = ins.u!.shape[1]!
    const du = output([R, C])
    const dyXhat = output([R, C])
    const s = inst.scratch(C)
    setNorm(a as unknown as NormAttrs, ins)
    inst.k.normGrad(
      ptr(ins.dy),
      ins.dy!.shape[1]!,
      a.dyCol0 as number,
      ptr(ins.u),
      a.rowOffset as number,
      R,
      C,
      ptr(ins.w),
      ptr(du),
      ptr(dyXhat),
      s,
    )
    return [du, dyXhat]
  },
  [KERNELS.cellForward]: (ins, attrs, inst) => {
    const { ptr, output, setNorm } = inst
    const a = attrs as unknown as CellForwardAttrs
    const cell = cellShape(a.cell)
    const [N, H] = ins.hPrev!.shape as [number, number]
    const keepA = a.stage === 'gates' || (a.stage === 'step' && !cell.layout.stateIsActivation)
    const A = keepA ? output([N, cell.aWidth * H]) : undefined
    const h = a.stage === 'gates' ? undefined : output([N, H])
    const c = a.stage === 'state' && cell.hasC ? output([N, H]) : undefined
    const s = inst.scratch(3 * cell.layout.G * H + (cell.aWidth + 1) * H)
    setNorm(a.norm, ins)
    inst.k.cellForward(
      CELL_INDEX.get(a.cell)!,
      STAGE[a.stage],
      N,
      H,
      a.rowOffset,
      cell.layout.G,
      cell.aWidth,
      cell.layout.innerColumn ?? -1,
      ptr(ins.xz),
      ptr(ins.v),
      ptr(ins.A),
      ptr(ins.hPrev),
      ptr(ins.cPrev),
      ptr(ins.keep),
      ptr(A),
      ptr(h),
      ptr(c),
      s,
    )
    return [A, h, c].filter((o): o is Info => o !== undefined)
  },
  [KERNELS.cellBackward]: (ins, attrs, inst) => {
    const { ptr, output, setNorm } = inst
    const a = attrs as unknown as CellBackwardAttrs
    const cell = cellShape(a.cell)
    const { layout } = cell
    const [N, H] = ins.dhRec!.shape as [number, number]
    const P = output([N, layout.width * H])
    const K = layout.kept.length
    const s = inst.scratch((7 + K) * N * H + 2 * H)
    setNorm(a.norm, ins)
    inst.k.cellBackward(
      CELL_INDEX.get(a.cell)!,
      N,
      H,
      a.rowOffset,
      cell.aWidth,
      layout.innerColumn ?? -1,
      layout.width,
      layout.carry.h!.col,
      layout.carry.c?.col ?? -1,
      layout.innerDy?.col ?? -1,
      layout.innerDyXhat?.col ?? -1,
      K,
      ptr(ins.dhRec),
      ptr(ins.prev),
      ptr(ins.dhOut),
      ptr(ins.A),
      ptr(ins.hPrev),
      ptr(ins.cPrev),
      ptr(ins.keep),
      ptr(ins.w),
      ptr(P),
      s,
    )
    return [P]
  },
  [KERNELS.columnProduct]: (ins, a, inst) => {
    const { ptr, output } = inst
    const [R, stride] = ins.b!.shape as [number, number]
    const M = ins.a ? ins.a.shape[1]! : 1
    const W = a.width as number
    const out = output([M, W])
    inst.k.columnProduct(ptr(ins.a), M, ptr(ins.b), R, stride, a.col0 as number, W, ptr(out))
    return [out]
  },
  [KERNELS.columns]: (ins, a, inst) => {
    const { ptr, output } = inst
    const [R, C] = ins.x!.shape as [number, number]
    const widths = a.widths as number[]
    const outs = widths.map((W) => output([R, W]))
    // Row by row within the heap, no copy of x first (what tfjs-backend-wasm's Slice makes); the
    // view made after the allocations (the heap may have grown).
    const heap = new Float32Array(inst.memory.buffer)
    const from = ptr(ins.x) / 4
    let col = a.col0 as number
    widths.forEach((W, i) => {
      const o = ptr(outs[i]) / 4
      for (let r = 0; r < R; r++) heap.copyWithin(o + r * W, from + r * C + col, from + r * C + col + W)
      col += W
    })
    return outs
  },
  [KERNELS.stack]: (ins, a, inst) => {
    const { ptr, output } = inst
    const count = a.count as number
    const [R, C] = ins.x0!.shape as [number, number]
    const out = output([count * R, C])
    // Views after the allocation (the heap may have grown).
    const heap = new Float32Array(inst.memory.buffer)
    const o = ptr(out) / 4
    for (let i = 0; i < count; i++) {
      const from = ptr(ins[`x${i}`]) / 4
      heap.copyWithin(o + i * R * C, from, from + R * C)
    }
    return [out]
  },
}

let registered = false

/** Registers the wasm SIMD kernels for the wasm backend (idempotent). */
export function registerWasmKernels(): void {
  if (registered) return
  registered = true
  registerKernelSet(
    'wasm',
    Object.fromEntries(
      Object.entries(COMPUTE).map(([name, compute]) => [
        name,
        (inputs, attrs, backend) => compute(inputs as Ins, attrs, wasmKernelsOf(backend)),
      ]),
    ) as Record<string, KernelCompute>,
  )
}
