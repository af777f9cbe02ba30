// What the recurrence op takes and gives (op.ts): a batch's layout, the options of a pass, its result.
import type { TermName } from '../../../kinds'
import type { Moments } from '../../core/moments'
import type { PopulationUpdate } from '../../core/population'
import type { Tensor2D, Tensor3D } from '../../core/tf'

export type { PopulationUpdate }

export interface SequenceBatch {
  N: number
  T: number
  lengths: readonly number[]
  counts: readonly number[]
}

export interface SequenceOptions {
  mode: 'train' | 'eval'
  record: boolean
  /** train: keep each term's pre-normalization values of this batch (the explorable's snapshot). */
  snapshot?: boolean
  sequenceOutput: boolean
  /**
   * eval, batch norms: the population statistics of each normalized term as rows [R, 2C] (means,
   * then variances) for steps 0..R-1; R < T past the trained length under the "batch" policy,
   * where a step uses the batch's own statistics.
   */
  population?: Partial<Record<TermName, Tensor2D>>
}

export interface SequenceResult {
  hLast: Tensor2D
  hidden: Tensor3D | null
  /** Per-time-step pre-normalization statistics [T, C] per term (training, when recording). */
  recorded: Partial<Record<TermName, Moments>>
  populationUpdates: PopulationUpdate[]
  /** train with snapshot: each term's pre-normalization values [T·N, C] (row t·N + n), kept past the op (the caller disposes them). */
  snapshot: Partial<Record<TermName, Tensor2D>>
}

/** What the op sends out beside its value: filled by the side outputs (side-outputs.ts) during a training forward. */
export interface SideOutputs {
  recorded: Partial<Record<TermName, Moments>>
  updates: PopulationUpdate[]
  snapshot: Partial<Record<TermName, Tensor2D>>
}
