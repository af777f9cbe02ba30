// The recurrence's kernels on a GPU, written once (this folder) for every GPU backend: WebGL
// registers them with GLSL, WebGPU with WGSL.
import { tf } from '../../core/tf'
import { KERNELS } from '../kernels/names'
import { cellBackwardKernel, cellForwardKernel } from './cell-programs'
import { stackKernel, stepMatMulKernel } from './data-movement'
import { momentsKernel, normApplyKernel, normGradKernel } from './normalization'
import type { Attrs, Gpu, Info } from './program'

type GpuKernel = (gpu: Gpu, ins: Record<string, Info>, a: Attrs) => Info | Info[]

const GPU_KERNELS: Record<string, GpuKernel> = {
  [KERNELS.moments]: momentsKernel,
  [KERNELS.normApply]: normApplyKernel,
  [KERNELS.normGrad]: normGradKernel,
  [KERNELS.stack]: stackKernel,
  [KERNELS.stepMatMul]: stepMatMulKernel,
  [KERNELS.cellForward]: cellForwardKernel,
  [KERNELS.cellBackward]: cellBackwardKernel,
}

/** Registers the recurrence's kernels for a GPU backend (idempotent); `gpuOf` wraps the backend a kernel is called with. */
export function registerGpuKernels(backendName: string, gpuOf: (backend: unknown) => Gpu): void {
  for (const [kernelName, kernel] of Object.entries(GPU_KERNELS)) {
    if (tf.getKernel(kernelName, backendName)) continue
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const out = kernel(gpuOf(backend), inputs as Record<string, Info>, attrs as Attrs)
        // A cell's forward always answers with a list (its outputs vary with the stage and the cell).
        return kernelName === KERNELS.cellForward && !Array.isArray(out) ? [out] : out
      },
    })
  }
}
