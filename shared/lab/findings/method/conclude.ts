// From comparison sets to a finding: each set is judged on its own seeds; the finding's verdict is
// judged on the seed values of every set that answers the claim, pooled (the average effect over
// the conditions the selection covers). docs/findings.md states the rule.
import type { MessageValue } from '../../../i18n/placeholders'
import type { PresetId } from '../../study-plan'
import { estimate, seedsToSettle } from './stats'
import type { ChartKind, EffectUnit, Exclusion, FindingId, FindingOf, FindingTable, MissingReason, NumbersOf, SetResult } from './types'
import type { RunData } from './study-data'
import { judge } from './verdict'

/** A comparison set before judging: its per-seed (or per-seed-pair) values in the finding's unit. */
export interface JudgedSet {
  label: Record<string, MessageValue>
  runIds: number[]
  values: number[]
  /** Why it cannot be judged (then `values` is empty). */
  reason?: MissingReason | null
  /** Whether its seeds count toward the finding's verdict (default true); the others are judged and shown beside it. */
  pooled?: boolean
}

/** What a finding is, apart from how it computes: one object per claim (claims/*.ts). */
export interface FindingInfo<I extends FindingId> {
  id: I
  /** The statistic in symbols; the words are the catalogue's findings.claims[id].measure. */
  formula: string
  unit: EffectUnit
  /** The smallest effect that counts, in `unit`. */
  minEffect: number
  /** The preset whose study answers it. */
  preset: PresetId
  charts: ChartKind[]
}

export interface FindingDefinition<I extends FindingId> extends FindingInfo<I> {
  evaluate(runs: readonly RunData[]): FindingOf<I>
}

export interface Conclusion<I extends FindingId> {
  sets: JudgedSet[]
  /** When no set can be judged: the reason to give (default: the first set's). */
  reason?: MissingReason
  reasonValues?: Record<string, string>
  numbers: (pooled: ReturnType<typeof estimate>) => NumbersOf<I>
  /** The finding's table, from its judged sets (same order as `sets`). */
  table: ((sets: SetResult[]) => FindingTable) | null
  runIds: number[]
  excluded: Exclusion[]
}

export function judgeSet(set: JudgedSet, minEffect: number): SetResult {
  if (set.reason || set.values.length === 0) return { label: set.label, runIds: set.runIds, verdict: 'not_applicable', effect: null, reason: set.reason ?? 'noSharedSeeds' }
  const effect = estimate(set.values)
  return { label: set.label, runIds: set.runIds, verdict: judge(effect, minEffect), effect, reason: null }
}

export function conclude<I extends FindingId>(info: FindingInfo<I>, c: Conclusion<I>): FindingOf<I> {
  const { id, minEffect, unit, preset, charts } = info
  const sets = c.sets.map((s) => judgeSet(s, minEffect))
  const table = c.table ? c.table(sets) : null
  const pooled = c.sets.filter((s) => s.pooled !== false && !s.reason).flatMap((s) => s.values)
  if (pooled.length === 0) {
    const reason = c.reason ?? c.sets.find((s) => s.reason)?.reason ?? 'noSharedSeeds'
    return { ...notApplicable(info, reason, c.reasonValues ?? {}), sets, table, runIds: c.runIds, excluded: c.excluded }
  }
  const effect = estimate(pooled)
  const verdict = judge(effect, minEffect)
  return {
    id,
    verdict,
    reason: null,
    reasonValues: {},
    effect,
    minEffect,
    unit,
    seedsToSettle: verdict === 'inconclusive' ? seedsToSettle(effect, minEffect) : null,
    numbers: c.numbers(effect),
    sets,
    runIds: c.runIds,
    excluded: c.excluded,
    table,
    charts,
    preset,
  }
}

/** The finding when the runs cannot answer it: why, and (through `preset`) which study would. */
export function notApplicable<I extends FindingId>(info: FindingInfo<I>, reason: MissingReason, reasonValues: Record<string, string> = {}): FindingOf<I> {
  const { id, unit, charts, preset } = info
  return { id, verdict: 'not_applicable', reason, reasonValues, effect: null, minEffect: null, unit, seedsToSettle: null, numbers: null, sets: [], runIds: [], excluded: [], table: null, charts, preset }
}

/** Rounds for display: null for missing or non-finite values. */
export const round = (x: number | null | undefined, digits = 4): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(digits)))

/** A log ratio shown as a ratio (×). */
export const ratio = (logValue: number | null | undefined, digits = 3): number | null => (logValue === null || logValue === undefined || !Number.isFinite(logValue) ? null : round(Math.exp(logValue), digits))

/** The smallest loss ratio that matters: 10 %. */
export const MIN_LOSS_RATIO = Math.log(1.1)
