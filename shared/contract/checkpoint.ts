// A run's full training state at the end of a step: what a run needs to continue bit for bit as
// if it had never stopped (on the same backend). Written into the archive at each evaluation and
// whenever training halts (pause, stop, a signal); only the last is kept (migration 0007).
// Tensors travel packed (packed.ts): the worker packs them, the archive stores the JSON as is.
import { z } from 'zod'
import { OPTIMIZERS } from '../kinds'
import { PackedMatrixSchema, Step, Term } from './schemas'

const ParamName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,39}$/, 'a parameter name')

export const TrainingCheckpoint = z.strictObject({
  /** The format; a NormLab that reads another refuses it rather than guess. */
  version: z.literal(1),
  /** The last step trained: training goes on at step + 1. */
  step: Step,
  /** Milliseconds of training before it stopped, so wall times go on from there. */
  wallMs: z.number().min(0),
  /** The first step's loss: divergence is judged against it. */
  firstLoss: z.number().nullable(),
  lastLoss: z.number().nullable(),
  /** Every parameter, flat in its shape's row-major order (rows 1). */
  params: z.record(ParamName, PackedMatrixSchema),
  /**
   * The optimizer's state: its step count, each parameter's slots (Adam: first and second
   * moments; RMSprop: mean square, momentum) in the order the parameters are listed, and Adam's
   * running β powers (tfjs multiplies them each step: recomputing them would differ in the last bits).
   */
  optimizer: z.strictObject({
    kind: z.enum(OPTIMIZERS),
    iterations: z.number().int().min(0),
    slots: z.array(z.strictObject({ param: ParamName, values: z.array(PackedMatrixSchema).max(4) })).max(64),
    betaPowers: z.tuple([z.number(), z.number()]).nullable(),
  }),
  /** BN's population statistics per term: rows [T, C] and how often each step was updated. */
  population: z
    .array(
      z.strictObject({
        term: Term,
        mean: PackedMatrixSchema,
        variance: PackedMatrixSchema,
        seen: z.array(z.number().int().min(0)).max(100_000),
      }),
    )
    .max(8),
})
export type TrainingCheckpoint = z.infer<typeof TrainingCheckpoint>
