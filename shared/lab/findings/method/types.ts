// What a finding says: the claim it tests, which runs formed each comparison set and each set's
// verdict, the pooled effect with its uncertainty, the runs it used and those it could not (and
// why), the numbers behind its sentences (typed by the catalogue's messages), a table and charts.
import type { en } from '../../../i18n/en'
import type { MessageValue, ValuesOf } from '../../../i18n/placeholders'
import type { EffectUnit, FindingId, Verdict } from '../../../kinds'
import type { PresetId } from '../../study-plan'
import type { Estimate } from './stats'

export { FINDING_IDS, type EffectUnit, type FindingId } from '../../../kinds'

/** The charts that support a finding (the same chart code in the app and reports). */
export type ChartKind = 'curves' | 'profiles' | 'heatmap' | 'population' | 'lengths' | 'batchSweep' | 'normsTable'

export interface FindingTable {
  /** Column keys (the catalogue's findings.columns). */
  columns: string[]
  rows: MessageValue[][]
}

/** Why a finding, or one of its comparison sets, cannot be judged. */
export const MISSING_REASONS = [
  'noStats',
  'noBnStats',
  'noFeatures',
  'needBnLnEvaluated',
  'trainedLengthOnly',
  'noWellFedLength',
  'needBatchSizes',
  'unequalSamples',
  'needMaskPad',
  'noRuns',
  'confounded',
  'needBnLn',
  'noSharedSeeds',
  'fewBatches',
  'notLearned',
  'noPaddedSteps',
  'noTrivialLoss',
] as const
export type MissingReason = (typeof MISSING_REASONS)[number]

/** Why a run the finding could have used was not. */
export const EXCLUSION_REASONS = [
  'padCountsAsData',
  'truncated',
  'noStats',
  'noFeatures',
  'notCompleted',
  'diverged',
  'unpairedSeed',
  'noEvaluations',
  'firstStepDiffers',
  'fewBatches',
  'atChance',
  'noPaddedSteps',
  'noTrivialLoss',
] as const
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number]

export interface Exclusion {
  runId: number
  reason: ExclusionReason
}

/** One comparison set: runs alike in every setting but the ones the finding varies (and the seed), judged on its own. */
export interface SetResult {
  /** The settings that tell this set from the finding's other sets ({} when it is the only one). */
  label: Record<string, MessageValue>
  runIds: number[]
  verdict: Verdict
  /** Per seed (pair), in the finding's unit; null when the set cannot be judged. */
  effect: Estimate | null
  /** Why it cannot be judged, when it cannot. */
  reason: MissingReason | null
}

type Claims = (typeof en)['findings']['claims']
/** Placeholders describe.ts fills itself. */
type Supplied = 'uncertainty'
/** The numbers a finding's sentences need: exactly the placeholders of its result and measure messages. */
export type NumbersOf<I extends FindingId> = ValuesOf<Claims[I]['result'] | Claims[I]['measure'], Supplied>

export interface FindingOf<I extends FindingId> {
  id: I
  verdict: Verdict
  /** Not applicable: why (a key of the catalogue's findings.reasons); null otherwise. */
  reason: MissingReason | null
  /** Values for the reason's message (e.g. which settings confound a comparison). */
  reasonValues: Record<string, string>
  /** The effect over every seed pair of the judged sets, in `unit`; null when not applicable. */
  effect: Estimate | null
  /** The smallest effect that counts (the verdict rule's threshold), in `unit`. */
  minEffect: number | null
  unit: EffectUnit
  /** Inconclusive: how many seeds would likely settle it (80 % power at the observed spread); null otherwise or beyond reach. */
  seedsToSettle: number | null
  /** Numbers for the finding's sentences; null when not applicable. */
  numbers: NumbersOf<I> | null
  sets: SetResult[]
  /** Every run the finding used. */
  runIds: number[]
  /** Runs it could have used but did not, each with why. */
  excluded: Exclusion[]
  table: FindingTable | null
  charts: ChartKind[]
  /** The preset whose study answers it. */
  preset: PresetId
}

export type Finding = { [I in FindingId]: FindingOf<I> }[FindingId]
