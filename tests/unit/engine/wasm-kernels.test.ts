// The wasm backend's SIMD kernels: the binary on disk is what the AssemblyScript skeleton and the
// cells' formulas compile to today; the fast exp, sigmoid and tanh stay within their stated error
// bounds over the whole range the cells feed them (tanh relative to the value near 0); and the wasm backend really runs this module
// (the op agrees with the step-by-step reference on it: recurrence.test.ts, golden.test.ts).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateWasmCellRows } from '../../../shared/engine/emit/assemblyscript'
import { WASM_KERNELS_BASE64 } from '../../../shared/engine/recurrence/wasm/kernels.generated'
import { fromBase64 as decodeBase64 } from '../../../shared/contract/packed'
import { wasmKernelsOf, type WasmKernelExports } from '../../../shared/engine/recurrence/wasm/register'
import '../../../shared/engine/recurrence'
import { cellForwardOp, columnsOp } from '../../../shared/engine/recurrence/kernels/ops'
import { tf } from '../../../shared/engine/core/tf'
import { compileWasmKernels, wasmKernelsModule } from '../../../scripts/wasm-kernels'
import { WASM_CELL_ROWS, WASM_KERNELS, WASM_NORM_FUNCTIONS } from '../../../scripts/generated-files'
import { generateNormFunctionsWasm } from '../../../shared/engine/emit/normalization'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { ROOT } from '../../helpers/temp'

/** The WebAssembly API as this test uses it (Node's types declare the namespace without its values). */
interface Wasm {
  Module: { new (bytes: Uint8Array): object; imports(m: object): { module: string; name: string; kind: string }[] }
  Instance: new (m: object, imports: object) => { exports: unknown }
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer }
}
const WebAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly

describe('generated wasm kernels', () => {
  it('the AssemblyScript of every cell and the compiled module on disk are what `npm run generate` writes', async () => {
    expect(readFileSync(join(ROOT, WASM_CELL_ROWS), 'utf8'), 'run `npm run generate`').toBe(generateWasmCellRows())
    expect(readFileSync(join(ROOT, WASM_NORM_FUNCTIONS), 'utf8'), 'run `npm run generate`').toBe(
      generateNormFunctionsWasm(),
    )
    expect(readFileSync(join(ROOT, WASM_KERNELS), 'utf8'), 'run `npm run generate`').toBe(
      wasmKernelsModule(await compileWasmKernels(ROOT)),
    )
  }, 60_000)

  it('imports only the backend memory and writes nothing into it on instantiation (no data segments)', () => {
    const bytes = decodeBase64(WASM_KERNELS_BASE64)
    const module = new WebAssembly.Module(bytes)
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }])
    const sections: number[] = []
    for (let i = 8; i < bytes.length;) {
      const id = bytes[i++]!
      let size = 0
      for (let shift = 0; ; shift += 7) {
        const b = bytes[i++]!
        size |= (b & 127) << shift
        if (!(b & 128)) break
      }
      sections.push(id)
      i += size
    }
    expect(sections).not.toContain(11) // data
  })
})

describe('fast exp, sigmoid and tanh', () => {
  let k: WasmKernelExports
  let heap: Float32Array
  const n = 200_001
  const xs = Float32Array.from({ length: n }, (_, i) => -40 + (80 * i) / (n - 1))
  beforeAll(() => {
    const memory = new WebAssembly.Memory({ initial: 64 })
    k = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(WASM_KERNELS_BASE64)), { env: { memory } })
      .exports as unknown as WasmKernelExports
    heap = new Float32Array(memory.buffer)
  })
  const run = (f: 'exp4Into' | 'sigmoid4Into' | 'tanh4Into', input: Float32Array) => {
    heap.set(input, 0)
    k[f](0, input.length * 4, input.length)
    return heap.slice(input.length, 2 * input.length)
  }

  it('exp: relative error under 4e-7 on [−40, 40] (float32 rounding alone is 6e-8)', () => {
    const got = run('exp4Into', xs)
    let worst = 0
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - Math.exp(xs[i]!)) / Math.exp(xs[i]!))
    expect(worst).toBeLessThan(4e-7)
  })

  it('sigmoid: relative error under 4e-7; tanh: absolute error under 3e-7, exactly ±1 far out, odd', () => {
    const s = run('sigmoid4Into', xs)
    const t = run('tanh4Into', xs)
    let ws = 0
    let wt = 0
    for (let i = 0; i < n; i++) {
      const x = xs[i]!
      const exact = 1 / (1 + Math.exp(-x))
      ws = Math.max(ws, Math.abs(s[i]! - exact) / exact)
      wt = Math.max(wt, Math.abs(t[i]! - Math.tanh(x)))
    }
    expect(ws).toBeLessThan(4e-7)
    expect(wt).toBeLessThan(3e-7)
    const far = run('tanh4Into', Float32Array.from([-100, -30, 30, 100, 0.5, -0.5, 1e-3, -1e-3, 0]))
    expect([...far.slice(0, 4)]).toEqual([-1, -1, 1, 1])
    expect(far[4]).toBe(-far[5]!)
    expect(far[6]).toBe(-far[7]!)
    expect(far[8]).toBe(0)
  })

  it('tanh near 0: relative error under 3e-7 (1 − 2/(e^{2x} + 1) alone is 1e-7/|x| there)', () => {
    // Small values are where an LSTM's cell norm reads tanh's outputs (γ_c starts at 0.1) and a
    // batch norm over few samples amplifies their error: exact relative to the value, not only absolutely.
    const small = Float32Array.from({ length: 20_001 }, (_, i) => (i - 10_000) * 6.25e-5 * (i % 7 === 0 ? 1e-3 : 1))
    const t = run('tanh4Into', small)
    let worst = 0
    for (let i = 0; i < small.length; i++)
      if (small[i] !== 0)
        worst = Math.max(worst, Math.abs(t[i]! - Math.tanh(small[i]!)) / Math.abs(Math.tanh(small[i]!)))
    expect(worst).toBeLessThan(3e-7)
  })

  it('a partial last vector (1–3 values) is computed and nothing past it is written', () => {
    for (const len of [1, 2, 3, 5, 7]) {
      heap.fill(123, 0, 64)
      heap.set(
        Float32Array.from({ length: len }, (_, i) => i / 4),
        0,
      )
      k.tanh4Into(0, 32 * 4, len)
      for (let i = 0; i < len; i++) expect(Math.abs(heap[32 + i]! - Math.tanh(i / 4))).toBeLessThan(3e-7)
      expect(heap[32 + len]).toBe(123)
    }
  })
})

describe('the wasm backend', () => {
  it('runs the recurrence kernels through this module over its own memory', async () => {
    await useNodeBackend('wasm')
    const N = 3
    const H = 5
    const [h] = tf.tidy(() =>
      cellForwardOp(
        { xz: tf.zeros([N, H]), v: tf.ones([N, H]), hPrev: tf.zeros([N, H]), keep: tf.ones([N, 1]) },
        {},
        { cell: 'rnn', stage: 'step', norm: { stats: 'none', center: true, groups: 1, eps: 1e-5 }, rowOffset: 0 },
      ).map((t) => tf.keep(t)),
    )
    const inst = wasmKernelsOf(tf.backend())
    // The kernel ran on the backend's memory: the output lies where tfjs keeps it.
    const values = await h!.data()
    for (const v of values) expect(Math.abs(v - Math.tanh(1))).toBeLessThan(3e-7)
    expect(inst.memory).toBe((tf.backend() as unknown as { wasm: { asm: { memory: unknown } } }).wasm.asm.memory)
    h!.dispose()
  })

  it.each(['wasm', 'cpu'])('%s: the column blocks kernel copies what tf.slice does, and only that', async (backend) => {
    await useNodeBackend(backend)
    for (const [R, C, col0, widths] of [
      [50, 512, 0, [256, 256]],
      [7, 13, 3, [5, 1, 4]],
      [1, 9, 8, [1]],
      [32, 320, 64, [64]],
    ] as [number, number, number, number[]][]) {
      const x = tf.randomNormal([R, C], 0, 1, 'float32', R * C) as tf.Tensor2D
      const before = tf.memory().numTensors
      const parts = columnsOp(x, col0, widths)
      expect(parts.length).toBe(widths.length)
      expect(tf.memory().numTensors - before).toBe(widths.length)
      let col = col0
      for (const [i, part] of parts.entries()) {
        expect(part.shape).toEqual([R, widths[i]])
        expect(Array.from(await part.data())).toEqual(
          tf.tidy(() => Array.from(tf.slice(x, [0, col], [R, widths[i]!]).dataSync())),
        )
        col += widths[i]!
      }
      tf.dispose([x, ...parts])
    }
  })
})
