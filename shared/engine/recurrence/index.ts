// Which forward passes run through the recurrence op (op.ts): training and evaluation of every
// cell and norm, on a backend whose kernels are registered (cpu: JavaScript, wasm: SIMD here; webgl once
// webgl/register.ts has run). The switch exists for benchmarks (the step-by-step reference as
// "before") and the tests that hold the op to that reference.
import { tf } from '../core/tf'
import { KERNELS } from './kernels/names'
import { registerJsKernels } from './js/register'
import { registerWasmKernels } from './wasm/register'

registerJsKernels()
registerWasmKernels()

let enabled = true

/** Turns the recurrence op on or off (off: the step-by-step reference model; default on). */
export function setRecurrenceOp(on: boolean): void {
  enabled = on
}

export function recurrenceOpEnabled(): boolean {
  return enabled
}

/** Whether forward passes run through the op on the active backend. */
export function usesRecurrenceOp(): boolean {
  return enabled && tf.getKernel(KERNELS.cellBackward, tf.getBackend()) !== undefined
}

export {
  recurrenceSequence,
  setOneWorkgroupMax,
  setUnpackedMatMulMax,
  type PopulationUpdate,
  type SequenceOptions,
  type SequenceResult,
} from './op'
export { isHostBackend } from './kernels/ops'
