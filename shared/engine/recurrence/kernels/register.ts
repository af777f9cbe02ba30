// Registering a backend's set of the recurrence's kernels: the same for the cpu (js/), wasm
// (wasm/) and GPU (gpu/) kernels, which differ only in how they compute their outputs.
import { tf } from '../../core/tf'
import { KERNELS } from './names'

/** Kernels that answer with a list of outputs; the others answer with their one output. */
const MULTI_OUTPUT = new Set<string>([KERNELS.normGrad, KERNELS.cellForward, KERNELS.columns])

/** One kernel's outputs, in order, from its inputs, attributes and the backend it runs on. */
export type KernelCompute = (
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
  backend: unknown,
) => tf.TensorInfo[]

/** Registers each kernel for the backend, unless one is registered already. */
export function registerKernelSet(backendName: string, kernels: Record<string, KernelCompute>): void {
  for (const [kernelName, compute] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, backendName)) continue
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const outputs = compute(inputs as Record<string, tf.TensorInfo>, attrs as Record<string, unknown>, backend)
        return MULTI_OUTPUT.has(kernelName) ? outputs : outputs[0]!
      },
    })
  }
}
