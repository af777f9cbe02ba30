// The recurrence's kernels on the cpu backend: normalization.ts and cell-kernels.ts over the
// backend's own arrays (no copies). The wasm backend runs the SIMD kernels generated from the
// same formulas (wasm/register.ts).
import type { tf } from '../../core/tf'
import type { CellKind } from '../../../kinds'
import { registerKernelSet, type KernelCompute } from '../kernels/register'
import { KERNELS, type CellBackwardAttrs, type CellForwardAttrs, type NormAttrs } from '../kernels/names'
import { backward, cellOf, forwardGates, forwardState, forwardStep } from './cell-kernels'
import { moments, normApply, normArgs, normGrad, type NormArgs } from './normalization'

type Info = tf.TensorInfo
type Out = { info: Info; data: Float32Array }

/** How a JS kernel reads inputs and makes outputs on the cpu backend. */
interface Memory {
  output(shape: number[]): Out
  input(t: Info): Float32Array
  done(outputs: Out[]): Info[]
}

type CpuLike = {
  data: { get(id: object): { values?: unknown } }
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): Info
}

function memoryOf(backend: unknown): Memory {
  const cpu = backend as CpuLike
  return {
    output(shape) {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1))
      return { info: { dataId: {}, shape, dtype: 'float32' }, data }
    },
    input: (t) => cpu.data.get(t.dataId).values as Float32Array,
    done: (outputs) => outputs.map((o) => cpu.makeTensorInfo(o.info.shape, 'float32', o.data)),
  }
}

const view = (_mem: Memory, o: Out): Float32Array => o.data

type Ins = Record<string, Info>
type Compute = (ins: Ins, attrs: Record<string, unknown>, mem: Memory) => Out[]

const opt = (mem: Memory, t: Info | undefined) => (t ? mem.input(t) : null)

function normOf(ins: Ins, attrs: NormAttrs, mem: Memory): NormArgs {
  return normArgs(attrs, {
    ...(ins.stats ? { stats: mem.input(ins.stats) } : {}),
    ...(ins.gamma ? { gamma: mem.input(ins.gamma) } : {}),
    ...(ins.beta ? { beta: mem.input(ins.beta) } : {}),
  })
}

const COMPUTE: Record<string, Compute> = {
  [KERNELS.moments]: (ins, a, mem) => {
    const [R, stride] = ins.v!.shape as [number, number]
    const W = a.width as number
    const out = mem.output([a.segments as number, 2 * W])
    moments(
      mem.input(ins.v!),
      stride,
      mem.input(ins.w!),
      a.wOffset as number,
      R,
      a.segments as number,
      a.col0 as number,
      W,
      a.center as boolean,
      view(mem, out),
    )
    return [out]
  },
  [KERNELS.normApply]: (ins, a, mem) => {
    const [R, C] = ins.u!.shape as [number, number]
    const out = mem.output([R, C])
    normApply(mem.input(ins.u!), R, C, normOf(ins, a as unknown as NormAttrs, mem), opt(mem, ins.bias), view(mem, out))
    return [out]
  },
  [KERNELS.normGrad]: (ins, a, mem) => {
    const R = ins.dy!.shape[0]!
    const C = ins.u!.shape[1]!
    const du = mem.output([R, C])
    const dyXhat = mem.output([R, C])
    normGrad(
      mem.input(ins.dy!),
      ins.dy!.shape[1]!,
      a.dyCol0 as number,
      mem.input(ins.u!),
      a.rowOffset as number,
      R,
      C,
      normOf(ins, a as unknown as NormAttrs, mem),
      opt(mem, ins.w),
      view(mem, du),
      view(mem, dyXhat),
    )
    return [du, dyXhat]
  },
  [KERNELS.cellForward]: (ins, attrs, mem) => {
    const a = attrs as unknown as CellForwardAttrs
    const cell = cellOf(a.cell as CellKind)
    const [N, H] = ins.hPrev!.shape as [number, number]
    const keepA = a.stage === 'gates' || (a.stage === 'step' && !cell.layout.stateIsActivation)
    const outs: Out[] = []
    const A = keepA ? mem.output([N, cell.aWidth * H]) : null
    if (A) outs.push(A)
    const h = a.stage === 'gates' ? null : mem.output([N, H])
    const c = a.stage === 'state' && cell.hasC ? mem.output([N, H]) : null
    for (const o of [h, c]) if (o) outs.push(o)
    const t = {
      xz: opt(mem, ins.xz),
      v: opt(mem, ins.v),
      A: opt(mem, ins.A),
      hPrev: mem.input(ins.hPrev!),
      cPrev: opt(mem, ins.cPrev),
      keep: opt(mem, ins.keep),
    }
    const n = normOf(ins, a.norm, mem)
    if (a.stage === 'gates') forwardGates(cell, N, H, a.rowOffset, t, n, view(mem, A!))
    else if (a.stage === 'state') forwardState(cell, N, H, a.rowOffset, t, n, view(mem, h!), c ? view(mem, c) : null)
    else forwardStep(cell, N, H, a.rowOffset, t, n, A ? view(mem, A) : null, view(mem, h!))
    return outs
  },
  [KERNELS.cellBackward]: (ins, attrs, mem) => {
    const a = attrs as unknown as CellBackwardAttrs
    const cell = cellOf(a.cell as CellKind)
    const [N, H] = ins.dhRec!.shape as [number, number]
    const out = mem.output([N, cell.layout.width * H])
    const t = {
      dhRec: mem.input(ins.dhRec!),
      prev: opt(mem, ins.prev),
      dhOut: opt(mem, ins.dhOut),
      A: mem.input(ins.A!),
      hPrev: mem.input(ins.hPrev!),
      cPrev: opt(mem, ins.cPrev),
      keep: mem.input(ins.keep!),
      w: opt(mem, ins.w),
    }
    backward(cell, N, H, a.rowOffset, t, normOf(ins, a.norm, mem), view(mem, out))
    return [out]
  },
  [KERNELS.columnProduct]: (ins, a, mem) => {
    const [R, stride] = ins.b!.shape as [number, number]
    const M = ins.a ? ins.a.shape[1]! : 1
    const W = a.width as number
    const out = mem.output([M, W])
    columnProduct(opt(mem, ins.a), M, mem.input(ins.b!), R, stride, a.col0 as number, W, view(mem, out))
    return [out]
  },
  [KERNELS.columns]: (ins, a, mem) => {
    const [R, C] = ins.x!.shape as [number, number]
    const x = mem.input(ins.x!)
    let col = a.col0 as number
    return (a.widths as number[]).map((W) => {
      const out = mem.output([R, W])
      const data = view(mem, out)
      for (let r = 0; r < R; r++) data.set(x.subarray(r * C + col, r * C + col + W), r * W)
      col += W
      return out
    })
  },
  [KERNELS.stack]: (ins, a, mem) => {
    const count = a.count as number
    const [R, C] = ins.x0!.shape as [number, number]
    const out = mem.output([count * R, C])
    const data = view(mem, out)
    for (let i = 0; i < count; i++) data.set(mem.input(ins[`x${i}`]!).subarray(0, R * C), i * R * C)
    return [out]
  },
}

/**
 * aᵀ·b over columns [col0, col0 + W) of b [R, stride], a [R, M] (null: ones, M = 1: the column
 * sums). out [M, W]. For narrow a only (the input width, the bias): a matMul library packs all
 * of b first, which for [1, 6400]·[6400, 1024] costs ~100× the arithmetic.
 */
export function columnProduct(
  a: Float32Array | null,
  M: number,
  b: Float32Array,
  R: number,
  stride: number,
  col0: number,
  W: number,
  out: Float32Array,
): void {
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

let registered = false

/** Registers the JS kernels for the cpu backend (idempotent). */
export function registerJsKernels(): void {
  if (registered) return
  registered = true
  registerKernelSet(
    'cpu',
    Object.fromEntries(
      Object.entries(COMPUTE).map(([name, compute]) => [
        name,
        (inputs, attrs, backend) => {
          const mem = memoryOf(backend)
          return mem.done(compute(inputs as Ins, attrs, mem))
        },
      ]),
    ) as Record<string, KernelCompute>,
  )
}
