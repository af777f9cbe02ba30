// Reading a training step's values back once a step, without a new buffer each time.
import { tf, type Tensor } from './core/tf'
import { wasmKernelsOf } from './recurrence/wasm/register'

let scratch = new Float32Array(0)

/**
 * A float32 tensor's values for reading at once: the array is reused by the next call, so its
 * caller must be done with it before then (readStep packs and sums it synchronously). On wasm
 * the values are copied out of the backend's heap into that kept array; tfjs's read copies them
 * into a new ArrayBuffer every time, and a fresh 230 KB buffer a recording step (an LSTM h64 T50's
 * statistics) cost 0.7 ms in Chromium, two thirds of what recording every step cost there. Other
 * backends: their own read.
 */
export async function readFloatsOnce(t: Tensor): Promise<Float32Array> {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return (await t.data()) as Float32Array
  const inst = wasmKernelsOf(tf.backend())
  if (scratch.length < t.size) scratch = new Float32Array(Math.max(t.size, 2 * scratch.length))
  const out = scratch.subarray(0, t.size)
  out.set(new Float32Array(inst.memory.buffer, inst.ptr(t), t.size))
  return out
}
