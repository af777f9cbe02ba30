// Which training steps run through the fused recurrent op (recurrent-sequence.ts): every cell, in
// training mode, on a backend whose kernels are registered (cpu and wasm here; webgl once
// webgl.ts has registered its shaders). Evaluation runs the step-by-step model.
// The switch exists for benchmarks (before/after on one machine) and tests (both paths agree).
import type { CellKind } from '../../kinds'
import type { ModelSpec } from '../spec'
import { tf } from '../tf'
import { KERNELS, registerJsKernels } from './kernels'

/** The kernel that shows a cell's fused kernels exist on a backend (a cell without any trains step by step). */
const PROBE: Partial<Record<CellKind, string>> = { lstm: KERNELS.lstmGates, gru: KERNELS.gruGates, rnn: KERNELS.rnnStep }

registerJsKernels()

let enabled = true

/** Turns the fused path on or off (benchmarks compare both; default on). */
export function setFusedRecurrence(on: boolean): void {
  enabled = on
}

export function fusedRecurrenceEnabled(): boolean {
  return enabled
}

/** Whether a training forward pass of this model runs through the fused op on the active backend. */
export function usesFusedTraining(spec: ModelSpec): boolean {
  const probe = PROBE[spec.cell]
  return enabled && probe !== undefined && tf.getKernel(probe, tf.getBackend()) !== undefined
}

export { fusedRecurrenceTrain, setUnpackedMatMulMax } from './recurrent-sequence'
