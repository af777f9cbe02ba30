// tfjs-backend-webgpu 4.22 sums any number of tensors in one shader, one storage buffer each: a
// gradient summed from more than the device's bindings (8 by default; a training step's tape
// sums 11) makes an invalid pipeline, and the sum silently comes out as zeros. Here AddN sums
// at most ADD_N_FAN_IN tensors per program, as a tree.
import { tf } from '../core/tf'

const ADD_N_FAN_IN = 6

/** Wraps the webgpu backend's AddN kernel so that no program reads more than ADD_N_FAN_IN tensors (idempotent). */
export function installBoundedAddN(): void {
  const original = tf.getKernel('AddN', 'webgpu')
  if (!original || (original.kernelFunc as { bounded?: boolean }).bounded) return
  const sum = (inputs: tf.TensorInfo[], backend: object, attrs: object): tf.TensorInfo => {
    if (inputs.length <= ADD_N_FAN_IN)
      return original.kernelFunc({
        inputs: inputs as never,
        backend: backend as never,
        attrs: attrs as never,
      }) as tf.TensorInfo
    const parts: tf.TensorInfo[] = []
    for (let i = 0; i < inputs.length; i += ADD_N_FAN_IN)
      parts.push(sum(inputs.slice(i, i + ADD_N_FAN_IN), backend, attrs))
    const out = sum(parts, backend, attrs)
    for (const p of parts) (backend as { disposeData(id: object): void }).disposeData(p.dataId)
    return out
  }
  const kernelFunc = Object.assign(
    (args: { inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[]; backend: object; attrs: object }) =>
      sum(Object.values(args.inputs), args.backend, args.attrs),
    { bounded: true },
  )
  tf.unregisterKernel('AddN', 'webgpu')
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: kernelFunc as never })
}
