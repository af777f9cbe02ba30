// The recurrence's kernels on WebGPU: the GPU kernels (gpu/) in WGSL, each program a compute
// shader with one invocation per output element, through tfjs-backend-webgpu (which binds the
// inputs as storage buffers and writes getName(row, column) accessors for them). The step is a
// pair of uniforms after tfjs's own.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu'
import { registerGpuKernels } from '../gpu/kernels'
import { installBoundedAddN } from '../../webgpu/add-n'
import { registerFusedAdamWebgpu } from '../../webgpu/fused-adam-kernel'
import { registerWebgpuBackend, STORAGE_BUFFERS_NEEDED } from '../../webgpu/backend'
import { WGSL } from '../gpu/lang'
import type { Gpu, ProgramSpec } from '../gpu/program'
import { KERNELS } from '../kernels/names'
import { registerKernelSet } from '../kernels/register'
import type { SequenceBackwardAttrs, SequenceForwardAttrs } from '../kernels/sequence-layout'
import { sequenceBackward, sequenceForward } from './sequence'

const WORKGROUP = 64
const ENTRY = 'fn main(index: i32) {'

class Program implements WebGPUProgram {
  readonly variableNames: string[]
  readonly outputShape: number[]
  readonly dispatchLayout: { x: number[] }
  dispatch: [number, number, number]
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1]
  readonly size = true
  readonly uniforms = 'rowOffset : i32, statsRow : i32,'
  // tfjs caches a compiled pipeline by this key (plus shapes' ranks): sizes are compiled into the
  // source, so the source is the key.
  shaderKey: string
  private readonly code: string
  constructor(spec: ProgramSpec) {
    this.variableNames = spec.names
    this.outputShape = spec.shape
    // WebGPU derives a pipeline's bindings from what its entry point reaches: an input read only
    // by a helper this program does not call would lose its binding, so main names every input.
    this.code = spec.code.replace(ENTRY, `${ENTRY}\n    ${spec.names.map((n) => `_ = &${n};`).join(' ')}`)
    this.shaderKey = `normlab:${spec.code}`
    this.dispatchLayout = { x: spec.shape.map((_, i) => i) }
    const size = spec.shape.reduce((a, b) => a * b, 1)
    this.dispatch = [Math.ceil(size / WORKGROUP), 1, 1]
  }
  getUserCode(): string {
    return this.code
  }
}

const webgpuGpu = (backend: WebGPUBackend): Gpu => ({
  lang: WGSL,
  maxInputs: STORAGE_BUFFERS_NEEDED - 1,
  run: (spec, inputs, step) => {
    return backend.runWebGPUProgram(new Program(spec), inputs, 'float32', [
      { type: 'int32', data: [step.rowOffset] },
      { type: 'int32', data: [step.statsRow] },
    ])
  },
  dispose: (t) => backend.disposeData(t.dataId),
})

/** Registers the webgpu backend (backend.ts) and the recurrence's kernels for it (idempotent). Call where the webgpu backend is imported. */
export function registerWebgpuKernels(): void {
  registerWebgpuBackend()
  installBoundedAddN()
  registerFusedAdamWebgpu()
  registerGpuKernels('webgpu', (backend) => webgpuGpu(backend as WebGPUBackend))
  registerKernelSet('webgpu', {
    [KERNELS.sequenceForward]: (ins, attrs, backend) => {
      const [N, H] = [ins.keep!.shape[0]! / (attrs as unknown as SequenceForwardAttrs).T, ins.Wh!.shape[0]!]
      return [sequenceForward(backend as WebGPUBackend, ins, attrs as unknown as SequenceForwardAttrs, N, H)] as never
    },
    [KERNELS.sequenceBackward]: (ins, attrs, backend) => {
      const [N, H] = [ins.keep!.shape[0]! / (attrs as unknown as SequenceBackwardAttrs).T, ins.Wh!.shape[0]!]
      return [sequenceBackward(backend as WebGPUBackend, ins, attrs as unknown as SequenceBackwardAttrs, N, H)] as never
    },
  })
}
