// The whole recurrence (any cell, any norm) as one op with its backward through time written
// out, for training and evaluation alike. tfjs would differentiate the step-by-step model op by
// op: ~190 kernels per time step for a BN-LSTM, each a dispatch (on WebGL ~16 µs) and tape
// bookkeeping. Here:
//
//   before the loop   U = X·Wx for all steps (one matMul); the input term's statistics and
//                     N_x(U) + b for all steps (two kernels)
//   each time step    V = h·Wh; [batch norms: its statistics]; the cell's forward (one kernel,
//                     two for a cell with an inner term: [its statistics] between them)
//   backward, each    the cell's backward (one kernel); [the recurrent term's norm backward]; dV·Whᵀ
//   after the loop    dWh, dWx, the γ/β and bias gradients: a few matMuls and column sums
//
// On WebGPU the time loop is one kernel each way (webgpu/sequence.ts): a workgroup loops over the
// steps on the GPU, and the op reads the stacked tensors out of its one output.
//
// Everything here is the same for every cell and norm: the cell's formulas live in its
// definition (shared/kinds/cells), the norm's in its (shared/kinds/norms), the layout of a step's
// packed gradient in kernels/layout.ts. Evaluation runs the same forward with population
// statistics. The step-by-step model (reference/) is the readable reference the property tests
// compare this with, on every backend.
//
// The phases, one file each in sequence/: what a pass knows (context.ts: layout, norms, masks —
// masking's one owner), the input term (input-term.ts), the time loop forward (forward-loop.ts),
// what a training pass sends out beside its value (side-outputs.ts), what it saves (saved.ts),
// the time loop backward (backward-loop.ts); this file joins them and the parameters' gradients.
import { tf, type Tensor, type Tensor2D, type Tensor3D } from '../core/tf'
import type { ModelSpec } from '../core/spec'
import { backwardLoop } from './sequence/backward-loop'
import { sequenceContext, type Params, type SequenceContext } from './sequence/context'
import { forwardLoop } from './sequence/forward-loop'
import { inputTermBackward, inputTermForward } from './sequence/input-term'
import { columnProduct, columnSum, normInputsOf } from './sequence/matmuls'
import { fromSaved, toSave } from './sequence/saved'
import { sideOutputs } from './sequence/side-outputs'
import type { SequenceBatch, SequenceOptions, SequenceResult, SideOutputs } from './sequence/types'

export type { PopulationUpdate, SequenceBatch, SequenceOptions, SequenceResult } from './sequence/types'
export { setUnpackedMatMulMax } from './sequence/matmuls'
export { setOneWorkgroupMax } from './sequence/forward-loop'

type Save = (tensors: Tensor[]) => void

export function recurrenceSequence(
  spec: ModelSpec,
  params: Params,
  xs: readonly Tensor2D[],
  batch: SequenceBatch,
  options: SequenceOptions,
): SequenceResult {
  const ctx = sequenceContext(spec, params, xs, batch, options)
  const side: SideOutputs = { recorded: {}, updates: [], snapshot: {} }
  const pick = (values: readonly Tensor[]) =>
    Object.fromEntries(ctx.names.map((name, i) => [name, values[i]!])) as Params
  if (!ctx.train) return outputs(ctx, forward(ctx, pick(ctx.names.map((name) => params[name]!)), null, side), side)
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as Save
    const p = pick(args as Tensor[])
    const value = forward(ctx, p, save, side)
    return { value, gradFunc: (dy: Tensor, saved: Tensor[]) => backward(ctx, p, dy, saved) }
  }) as never) as unknown as (...inputs: Tensor[]) => Tensor
  // X and the masks belong to the caller's scope (the training step's), like every other tensor of it.
  return outputs(ctx, op(...ctx.names.map((name) => params[name]!)), side)
}

/** The forward pass: the input term, the loop, and when training (save given) the side outputs and what backward reads. */
function forward(ctx: SequenceContext, p: Params, save: Save | null, side: SideOutputs): Tensor {
  const { N, T, H } = ctx
  // What the kernels read of γ and β (on a GPU: packed copies); made again for backward, which runs later.
  const normInputs = normInputsOf(p)
  const { U, statsX, XZ } = inputTermForward(ctx, p, normInputs)
  const loop = forwardLoop(ctx, p, XZ, normInputs, save !== null)
  const value = ctx.options.sequenceOutput
    ? (tf.transpose(tf.reshape(loop.hs(), [T, N, H]), [1, 0, 2]) as Tensor3D)
    : loop.h
  if (!save) return value
  const stacked = loop.stacked()
  sideOutputs(ctx, stacked, U, statsX, side)
  save(toSave(ctx, { ...stacked, X: ctx.X, keep: ctx.keep, wStep: ctx.wStep, wX: ctx.wX, U, statsX, flat: loop.flat }))
  return value
}

/** The backward pass: the loop's gradients, the input term's normalizer, then every parameter's gradient. */
function backward(ctx: SequenceContext, p: Params, dy: Tensor, saved: Tensor[]): Tensor[] {
  const { H, C, layout, innerTerm } = ctx
  const s = fromSaved(saved)
  const normInputs = normInputsOf(p)
  const { Pall, dVall, dUvAll } = backwardLoop(ctx, p, dy, s, normInputs)
  const sums = columnSum(Pall)
  const piece = (col: number, width: number) => tf.slice(sums, [col * H], [width])
  const dX = piece(layout.dx.col, C)
  const { dU, dGammaX } = inputTermBackward(ctx, normInputs, {
    Pall,
    U: s.U,
    statsX: s.statsX,
    wX: s.wX,
    toSample: s.toSample,
    toTime: s.toTime,
  })
  const grads: Record<string, Tensor> = {
    // No input norm: dU is P's input columns, read in place; no recurrent norm: dV is P's recurrent columns.
    Wx: dU ? columnProduct(s.X, dU) : columnProduct(s.X, Pall, layout.dx.col * H, C),
    Wh: dVall ? columnProduct(s.Hprev, dVall) : columnProduct(s.Hprev, Pall, layout.du.col * H, C),
    b: dX,
  }
  if (p.gamma_x) Object.assign(grads, { gamma_x: dGammaX!, beta_x: dX })
  if (p.gamma_h) Object.assign(grads, { gamma_h: columnSum(dUvAll!), beta_h: piece(layout.du.col, C) })
  if (innerTerm && p[`gamma_${innerTerm}`])
    Object.assign(grads, {
      [`gamma_${innerTerm}`]: piece(layout.innerDyXhat!.col, H),
      [`beta_${innerTerm}`]: piece(layout.innerDy!.col, H),
    })
  return ctx.names.map((name) => grads[name]!)
}

function outputs(ctx: SequenceContext, value: Tensor, side: SideOutputs): SequenceResult {
  const { N, T, H } = ctx
  const hLast = ctx.options.sequenceOutput
    ? (tf.reshape(tf.slice(value, [0, T - 1, 0], [N, 1, H]), [N, H]) as Tensor2D)
    : (value as Tensor2D)
  return {
    hLast,
    hidden: ctx.options.sequenceOutput ? (value as Tensor3D) : null,
    recorded: side.recorded,
    populationUpdates: side.updates,
    snapshot: side.snapshot,
  }
}
