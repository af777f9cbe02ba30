// What a normalizer is: which values one of its statistics is computed over, whether it
// centers, which terms of a cell it acts on. Its element formulas follow from that and are the
// same for every norm — x̂ = (x − μ)·(σ² + ε)^-½ with μ = 0 when it does not center, y = γ·x̂ + β,
// and their backward (docs/engine.md) — written once in each backend's kernels. The kernels, the
// step-by-step reference, the population statistics, what the lab records and shows (how many
// values each statistic averages) all read this definition, never the norm's name.

/**
 * Where the values behind one statistic come from:
 * - 'batch-step': one time step's valid samples (per-step BN): a column of the batch at step t;
 * - 'batch-sequence': every valid (sample, step) pair of the sequence (sequence-wise BN);
 * - 'features': one sample's features at one step (LN, RMSNorm; GroupNorm per group of them);
 * - 'sample-sequence': one sample's valid steps of one feature (InstanceNorm over time): a row
 *   segment of the sample, its length behind every statistic;
 * - 'none': no statistics, the identity.
 */
export type StatisticDomain = 'none' | 'batch-step' | 'batch-sequence' | 'features' | 'sample-sequence'

export interface NormDefinition<K extends string = string> {
  readonly kind: K
  readonly over: StatisticDomain
  /** The terms it normalizes and has γ, β for: every term of the cell, the input term only, or none. */
  readonly terms: 'all' | 'input' | 'none'
  /** Subtracts the mean before scaling (every norm but RMSNorm, which scales by the root mean square). */
  readonly center: boolean
  /** Statistics over `groups` contiguous groups of the features (GroupNorm) rather than all of them. */
  readonly grouped: boolean
  /** Where it comes from. */
  readonly source: string
}

export function defineNorm<const K extends string>(def: NormDefinition<K>): NormDefinition<K> {
  return def
}
