// Settling claims in rounds without fooling ourselves. A study that adds seeds until its claims
// are decided looks at its findings after every round; judged each time with a 95 % interval, a
// claim with no effect would be called "reproduced" at some look far more often than 2.5 % of the
// time (optional stopping). A group-sequential boundary fixes that: with K planned looks every look
// uses the same wider interval, Pocock's constant c_K, chosen so that the chance of crossing it at
// any of the K looks is α (Pocock 1977; Jennison & Turnbull 2000, table 2.1: two-sided α = 0.05).
// The verdict rule (verdict.ts) is unchanged: only the interval's level is, and it applies to both
// directions, so neither a false "reproduced" nor a false "not reproduced" gains from looking. The
// constants assume equally spaced looks and normal statistics; the calibration
// (tests/unit/lab/calibration.test.ts) checks the error rates with the real rounds (3 → 5 → 8 → 12
// seeds) and t-intervals. A study's design is stored with it, so every later reading of its
// findings (the app, `lab findings`, a report) judges it the same way.
import type { StudyDesign } from '../../../contract/schemas'
import type { FindingId, Verdict } from '../../../kinds'
import { FIXED_SAMPLE, type Judging } from './conclude'
import { normalCdf } from './stats'

/** Pocock's c_K for K = 1 … 10 looks, two-sided α = 0.05. */
const POCOCK_C = [1.96, 2.178, 2.289, 2.361, 2.413, 2.453, 2.485, 2.512, 2.535, 2.555]
export const MAX_LOOKS = POCOCK_C.length

/** The two-sided level of each look's interval with K planned looks (K = 4: 98.18 %). */
export function pocockLevel(looks: number): number {
  const c = POCOCK_C[Math.max(1, Math.min(looks, MAX_LOOKS)) - 1]!
  return 1 - 2 * (1 - normalCdf(c))
}

export function judgingOf(design: StudyDesign | null | undefined): Judging {
  return design ? { level: pocockLevel(design.looks.length) } : FIXED_SAMPLE
}

/** The seed counts of the default rounds (about ×1.5 a round): 3 → 5 → 8 → 12, then 18, 27, … */
const ROUNDS = [3, 5, 8, 12, 18, 27, 40, 60, 90, 135, 200, 300, 450, 675, 1000]
export const DEFAULT_MAX_SEEDS = 12

/**
 * The looks of a settled study: its first round's seeds, then the default rounds above it, the
 * last at `maxSeeds` (at most MAX_LOOKS looks: the rounds grow to fit).
 */
export function settleLooks(first: number, maxSeeds: number = DEFAULT_MAX_SEEDS): number[] {
  if (!Number.isInteger(first) || first < 2) throw new Error('a settled study starts with at least 2 seeds')
  if (!Number.isInteger(maxSeeds) || maxSeeds < first)
    throw new Error(`--max-seeds must be at least the first round's ${first} seeds`)
  let looks = [first, ...ROUNDS.filter((n) => n > first && n < maxSeeds)]
  if (looks[looks.length - 1] !== maxSeeds) looks.push(maxSeeds)
  // Too many looks: keep the first and the last, and evenly spaced ones between.
  if (looks.length > MAX_LOOKS)
    looks = Array.from({ length: MAX_LOOKS }, (_, i) => looks[Math.round((i * (looks.length - 1)) / (MAX_LOOKS - 1))]!)
  return looks
}

/** Why a settled study stopped adding seeds. */
export type SettleStop = 'settled' | 'maxSeeds' | 'budget' | 'nothingToSettle' | 'failedRuns' | 'interrupted'

export const DECIDED: ReadonlySet<Verdict> = new Set(['reproduced', 'not_reproduced'])

export interface SettleState {
  /** The claims the study settles that are still undecided (neither reproduced nor not reproduced). */
  undecided: FindingId[]
  /** The claims it settles that the runs cannot answer at all (not applicable: more seeds would not help). */
  unanswerable: FindingId[]
}

/** Where the claims a design settles stand after a look. */
export function settleState(design: StudyDesign, verdicts: ReadonlyMap<FindingId, Verdict>): SettleState {
  const targets = design.claims ?? [...verdicts.keys()]
  const unanswerable = targets.filter((id) => (verdicts.get(id) ?? 'not_applicable') === 'not_applicable')
  const undecided = targets.filter((id) => !unanswerable.includes(id) && !DECIDED.has(verdicts.get(id)!))
  return { undecided, unanswerable }
}

/**
 * Whether to stop after the look at `seeds` seeds, and why; null: add the next round. `nextRoundMs`
 * is the estimated time of the next round (from the runs so far), `elapsedMs` the time so far.
 */
export function settleDecision(
  design: StudyDesign,
  state: SettleState,
  seeds: number,
  elapsedMs: number,
  nextRoundMs: number,
): SettleStop | null {
  const targets = design.claims?.length ?? state.undecided.length + state.unanswerable.length
  if (state.unanswerable.length === targets && targets > 0) return 'nothingToSettle'
  if (state.undecided.length === 0) return 'settled'
  if (seeds >= design.looks[design.looks.length - 1]!) return 'maxSeeds'
  if (design.budgetMinutes !== null && elapsedMs + nextRoundMs > design.budgetMinutes * 60_000) return 'budget'
  return null
}

/** The seeds of the next round: the look after `have`, numbered on from the largest seed so far. */
export function nextRoundSeeds(design: StudyDesign, seedsSoFar: readonly number[]): number[] {
  const have = seedsSoFar.length
  const next = design.looks.find((n) => n > have)
  if (next === undefined) return []
  const top = seedsSoFar.reduce((m, s) => Math.max(m, s), 0)
  return Array.from({ length: next - have }, (_, i) => top + 1 + i)
}
