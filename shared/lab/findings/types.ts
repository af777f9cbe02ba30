// What a finding says: the claim it tests, the verdict, the measured effect with its uncertainty,
// the numbers behind the sentence, a supporting table and the charts that show it.
import type { PresetId } from '../study-plan'
import type { Estimate } from './stats'
import type { Verdict } from './verdict'

export const FINDING_IDS = ['perStepDrift', 'lateSteps', 'longerTest', 'smallBatch', 'padding', 'allNorms'] as const
export type FindingId = (typeof FINDING_IDS)[number]

/** The charts a report draws under a finding (the same chart code as the app). */
export type ChartKind = 'curves' | 'profiles' | 'heatmap' | 'population' | 'lengths' | 'batchSweep' | 'normsTable'

export interface FindingTable {
  /** Column keys (translated by the report). */
  columns: string[]
  rows: (string | number | null)[][]
}

export interface Finding {
  id: FindingId
  verdict: Verdict
  /** The effect, measured per seed, in the unit the finding states; null when not applicable. */
  effect: Estimate | null
  /** The smallest effect that counts (the verdict rule's threshold). */
  minEffect: number | null
  /** Numbers for the finding's sentences (message templates in messages.ts). */
  numbers: Record<string, number | string | null>
  table: FindingTable | null
  charts: ChartKind[]
  /** Runs the finding used. */
  runIds: number[]
  /** When not applicable: why (a message key, see messages.ts), and the preset whose study would answer it. */
  missing: { reason: MissingReason; values: Record<string, string>; preset: PresetId | null } | null
}

export const MISSING_REASONS = [
  'noStats',
  'noBnStats',
  'needBnLnEvaluated',
  'trainedLengthOnly',
  'bnNoLongEval',
  'needBatchSizes',
  'unequalSamples',
  'needMaskPad',
  'noRuns',
  'confounded',
  'needBnLn',
] as const
export type MissingReason = (typeof MISSING_REASONS)[number]

export function notApplicable(id: FindingId, reason: MissingReason, preset: PresetId | null, values: Record<string, string> = {}): Finding {
  return { id, verdict: 'not_applicable', effect: null, minEffect: null, numbers: {}, table: null, charts: [], runIds: [], missing: { reason, values, preset } }
}
