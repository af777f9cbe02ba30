// From comparison sets to a finding: each set is judged on its own seeds; the finding's verdict is
// judged on every seed of the sets that answer the claim, each seed counted once (its values
// averaged over the sets it is in: the average effect over the conditions the selection covers).
// docs/findings.md states the rule.
import type { MessageValue } from '../../../i18n/placeholders'
import type { PresetId } from '../../study-plan'
import { estimate, seedsToSettle } from './stats'
import type {
  ChartKind,
  EffectUnit,
  Exclusion,
  FindingId,
  FindingOf,
  FindingTable,
  MissingReason,
  NumbersOf,
  SetResult,
} from './types'
import type { RunData } from './study-data'
import { judge } from './verdict'

/** A comparison set before judging: its per-seed (or per-seed-pair) values in the finding's unit. */
export interface JudgedSet {
  label: Record<string, MessageValue>
  runIds: number[]
  /** One value per seed, in the order of `seeds`. */
  values: number[]
  /** The seed each value belongs to: pooled sets average a seed's values, so a seed counts once. */
  seeds: number[]
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

/** How the verdicts are judged: the interval's level (0.95, or wider for a study grown in rounds: sequential.ts). */
export interface Judging {
  level: number
}
export const FIXED_SAMPLE: Judging = { level: 0.95 }

export interface FindingDefinition<I extends FindingId> extends FindingInfo<I> {
  evaluate(runs: readonly RunData[], judging?: Judging): FindingOf<I>
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

export function judgeSet(set: JudgedSet, minEffect: number, judging: Judging = FIXED_SAMPLE): SetResult {
  if (set.reason || set.values.length === 0)
    return {
      label: set.label,
      runIds: set.runIds,
      verdict: 'not_applicable',
      effect: null,
      reason: set.reason ?? 'noSharedSeeds',
    }
  const effect = estimate(set.values, judging.level)
  return { label: set.label, runIds: set.runIds, verdict: judge(effect, minEffect), effect, reason: null }
}

/** A set from per-seed values (a Map keyed by seed, as bySeed and pairedBySeed give them). */
export function seedValues(values: ReadonlyMap<number, number>): Pick<JudgedSet, 'values' | 'seeds'> {
  const seeds = [...values.keys()].sort((a, b) => a - b)
  return { seeds, values: seeds.map((s) => values.get(s)!) }
}

/**
 * One value per seed over the pooled sets: a seed in several sets (the same seed at two batch
 * sizes) is one unit of replication, not several: its values are averaged, so n is the number of
 * distinct seeds.
 */
export function poolBySeed(sets: readonly JudgedSet[]): number[] {
  const bySeed = new Map<number, number[]>()
  for (const set of sets)
    set.values.forEach((v, i) => bySeed.set(set.seeds[i]!, [...(bySeed.get(set.seeds[i]!) ?? []), v]))
  return [...bySeed.keys()]
    .sort((a, b) => a - b)
    .map((seed) => {
      const vs = bySeed.get(seed)!
      return vs.reduce((a, b) => a + b, 0) / vs.length
    })
}

export function conclude<I extends FindingId>(
  info: FindingInfo<I>,
  c: Conclusion<I>,
  judging: Judging = FIXED_SAMPLE,
): FindingOf<I> {
  const { id, minEffect, unit, preset, charts } = info
  const sets = c.sets.map((s) => judgeSet(s, minEffect, judging))
  const table = c.table ? c.table(sets) : null
  const pooled = poolBySeed(c.sets.filter((s) => s.pooled !== false && !s.reason))
  if (pooled.length === 0) {
    const reason = c.reason ?? c.sets.find((s) => s.reason)?.reason ?? 'noSharedSeeds'
    return { ...notApplicable(info, reason, c.reasonValues ?? {}), sets, table, runIds: c.runIds, excluded: c.excluded }
  }
  const effect = estimate(pooled, judging.level)
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
export function notApplicable<I extends FindingId>(
  info: FindingInfo<I>,
  reason: MissingReason,
  reasonValues: Record<string, string> = {},
): FindingOf<I> {
  const { id, unit, charts, preset } = info
  return {
    id,
    verdict: 'not_applicable',
    reason,
    reasonValues,
    effect: null,
    minEffect: null,
    unit,
    seedsToSettle: null,
    numbers: null,
    sets: [],
    runIds: [],
    excluded: [],
    table: null,
    charts,
    preset,
  }
}

/** Rounds for display: null for missing or non-finite values. */
export const round = (x: number | null | undefined, digits = 4): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(digits))

/** A log ratio shown as a ratio (×). */
export const ratio = (logValue: number | null | undefined, digits = 3): number | null =>
  logValue === null || logValue === undefined || !Number.isFinite(logValue) ? null : round(Math.exp(logValue), digits)

/** The smallest loss ratio that matters: 10 %. */
export const MIN_LOSS_RATIO = Math.log(1.1)

/** Values as a range for a message: "0.16–0.18", or one value when they agree. */
export function rangeText(values: readonly number[], digits = 3): string {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return '—'
  const low = round(Math.min(...finite), digits)
  const high = round(Math.max(...finite), digits)
  return low === high ? String(low) : `${low}–${high}`
}
