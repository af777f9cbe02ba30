// The recurrence's kernels on a GPU, written once (this folder) for every GPU backend: WebGL
// registers them with GLSL, WebGPU with WGSL.
import { KERNELS } from '../kernels/names'
import { registerKernelSet, type KernelCompute } from '../kernels/register'
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
  registerKernelSet(
    backendName,
    Object.fromEntries(
      Object.entries(GPU_KERNELS).map(([name, kernel]) => [
        name,
        (inputs, attrs, backend) => {
          const out = kernel(gpuOf(backend), inputs, attrs as Attrs)
          return Array.isArray(out) ? out : [out]
        },
      ]),
    ) as Record<string, KernelCompute>,
  )
}
