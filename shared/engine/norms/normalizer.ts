// The contract every normalizer keeps (one object per norm kind, as tfjs-layers writes one class
// per layer). A forward pass begins a pass of the normalizer over the batch, normalizes each term
// at each time step, and hands back the batch statistics that move the population statistics.
import type { NormKind, Policy, TermName } from '../../kinds'
import type { Population } from '../population'
import type { Tensor, Tensor2D } from '../tf'
import type { Affine, Moments, RowWeights } from './types'

/** What a normalizer knows about the batch of one forward pass. */
export interface BatchLayout {
  N: number
  T: number
  lengths: readonly number[]
  /** Valid samples per time step. */
  counts: readonly number[]
  /** w = mask / count per time step (null where no sample is valid). */
  weights: readonly (RowWeights | null)[]
}

export interface PassContext {
  mode: 'train' | 'eval'
  batch: BatchLayout
  /** γ/β of a term (only for terms the norm normalizes). */
  affine(term: TermName): Affine
  population: Population
  /** Past the trained length at evaluation (per-step BN). */
  policy: Policy
  eps: number
  groups: number
}

/** Batch statistics to fold into the running ones: rows [R, C] and the valid samples behind each row. */
export interface PopulationUpdate {
  term: TermName
  moments: Moments
  counts: number[]
}

export interface NormPass {
  /** Normalizes term `term` at time step t; `moments` are the batch statistics it used, if any. */
  apply(term: TermName, v: Tensor2D, t: number): { y: Tensor; moments: Moments | null }
  /** Train mode: the statistics for the population update (kept tensors; the caller disposes them). */
  populationUpdates(): PopulationUpdate[]
}

export interface Normalizer {
  readonly kind: NormKind
  /**
   * Starts a pass. `inputs` are the input term's pre-activations x_t·Wx of every time step (null
   * where no sample is valid): sequence-wise BN needs all of them before the first step.
   */
  begin(ctx: PassContext, inputs: readonly (Tensor2D | null)[]): NormPass
  /**
   * How many values each of the normalizer's statistics of `term` averages at each step (the
   * lab's point in one number): BN per step the valid samples, down to 1; sequence-wise BN every
   * valid (sample, step) pair; LN the features; GN the features of a group. null: not normalized.
   */
  normCount(term: TermName, features: number, counts: readonly number[], groups: number): number[] | null
}

/** The identity for every term: what `none` does, and what other norms do with terms they skip. */
export const IDENTITY_PASS: NormPass = {
  apply: (_term, v) => ({ y: v, moments: null }),
  populationUpdates: () => [],
}

/** normCount's value at every step with a valid sample, 0 elsewhere. */
export function perValidStep(counts: readonly number[], value: number): number[] {
  return counts.map((n) => (n > 0 ? value : 0))
}
