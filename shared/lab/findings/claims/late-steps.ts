// Claim: with variable lengths, BN's late time steps have few valid samples; LN's statistics never do.
//
// Estimand, per per-step BN run: the share of its time steps whose statistics came from fewer than
// 4 valid samples, measured in every recorded batch (the share per batch: a batch's counts are what
// its statistics came from), then averaged over the run's batches. Averaging the counts first (as
// the first finding did, over 4 of ~31 batches) turns one batch's 1 and another's 7 into a 4, and
// a threshold on averaged counts is not the average share. Beside it: the first time step with 2
// samples or fewer (the median over batches), and BN's population variance at few-sample steps
// against well-fed ones (the inflation few-sample, unbiased updates cause); and how many values
// LN's statistics average (its features, the same at every step). Counts from a 5 % share.
import { mean } from '../method/stats'
import {
  conclude,
  FIXED_SAMPLE,
  notApplicable,
  round,
  seedValues,
  type JudgedSet,
  type Judging,
} from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, labelText, screen, setLabels } from '../method/sets'
import { configOf, type RunData, type TermRows } from '../method/study-data'
import type { FindingOf } from '../method/types'

const MIN = 0.05
const FEW = 4

interface LateStepNumbers {
  firstFew: number | null
  shareBelow4: number
  inflation: number | null
}

/** Valid samples per time step, averaged over every recorded batch (0 where none). */
function averageCounts(rows: TermRows): number[] {
  const T = rows.count.reduce((m, r) => Math.max(m, r.length), 0)
  return Array.from({ length: T }, (_, t) => mean(rows.count.map((row) => row[t] ?? 0)))
}

/** One batch: the share of its time steps with any valid sample that have fewer than FEW, and its first step with ≤ 2. */
function batchShare(count: readonly number[]): { share: number; firstFew: number | null } | null {
  const valid = count.map((c, t) => (c > 0 ? t : -1)).filter((t) => t >= 0)
  if (valid.length === 0) return null
  return {
    share: valid.filter((t) => count[t]! < FEW).length / valid.length,
    firstFew: valid.find((t) => count[t]! <= 2) ?? null,
  }
}

export function lateStepNumbers(run: RunData): LateStepNumbers | null {
  const rows = run.terms.h ?? run.terms.x
  if (!rows) return null
  const batches = rows.count.map(batchShare).filter((b): b is NonNullable<typeof b> => b !== null)
  if (batches.length === 0) return null
  const counts = averageCounts(rows)
  const valid = counts.map((c, t) => (c > 0 ? t : -1)).filter((t) => t >= 0)
  const firsts = batches.map((b) => b.firstFew).filter((t): t is number => t !== null)
  // Most batches reach ≤ 2 samples somewhere: the median batch's first such step; null when most never do.
  const firstFew =
    firsts.length * 2 > batches.length ? [...firsts].sort((a, b) => a - b)[(firsts.length - 1) >> 1]! : null
  const few = valid.filter((t) => counts[t]! < FEW)
  const many = valid.filter((t) => counts[t]! >= run.run.batchSize / 2)
  let inflation: number | null = null
  const pop = run.population?.records.find((r) => r.term === 'h') ?? run.population?.records[0]
  if (pop && few.length > 0 && many.length > 0) {
    const rowVar = (t: number) => mean((pop.var[t] ?? []).filter((v): v is number => v !== null))
    const a = mean(few.filter((t) => t < pop.var.length).map(rowVar))
    const b = mean(many.filter((t) => t < pop.var.length).map(rowVar))
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) inflation = a / b
  }
  return { firstFew, shareBelow4: mean(batches.map((b) => b.share)), inflation }
}

function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'lateSteps'> {
  const candidates = runs.filter((r) => r.run.norm === 'bn_step')
  if (candidates.length === 0) return notApplicable(INFO, 'noBnStats')
  const numbers = new Map(candidates.map((r) => [r, lateStepNumbers(r)]))
  const { used, excluded } = screen(candidates, (r) => {
    const batching = configOf(r).batching
    // The recorded counts are valid samples only when padding is masked.
    if (batching === 'pad') return 'padCountsAsData'
    if (batching === 'truncate') return 'truncated'
    return numbers.get(r) ? null : 'noStats'
  })
  if (used.length === 0) return { ...notApplicable(INFO, 'noBnStats'), excluded }
  const groups = comparisonSets(used, [])
  const labels = setLabels(groups)
  const sets: JudgedSet[] = groups.map((g, i) => ({
    label: labels[i]!,
    runIds: ids(g),
    ...seedValues(bySeed(g, (r) => numbers.get(r)!.shareBelow4)),
  }))
  const firstFew = used.map((r) => numbers.get(r)!.firstFew).filter((v): v is number => v !== null)
  const inflation = used.map((r) => numbers.get(r)!.inflation).filter((v): v is number => v !== null)
  // LN's statistics: every feature at every step.
  const ln = runs.filter((r) => r.run.norm === 'ln' && r.terms.h)
  const lnCounts = ln.flatMap((r) => r.terms.h!.normCount.flatMap((row) => (row ?? []).filter((v) => v > 0)))
  const batches = Math.min(...used.map((r) => (r.terms.h ?? r.terms.x)!.count.length))
  return conclude(
    INFO,
    {
      sets,
      numbers: (effect) => ({
        firstFew: firstFew.length > 0 ? Math.min(...firstFew) : null,
        batches,
        share: round(effect.mean * 100, 3),
        inflation: inflation.length > 0 ? round(mean(inflation), 3) : null,
        lnValues:
          lnCounts.length === 0
            ? null
            : Math.min(...lnCounts) === Math.max(...lnCounts)
              ? String(lnCounts[0])
              : `${Math.min(...lnCounts)}–${Math.max(...lnCounts)}`,
      }),
      table: () => ({
        columns: ['run', 'set', 'seed', 'firstFew', 'shareBelow4', 'inflation'],
        rows: used.map((r) => {
          const n = numbers.get(r)!
          return [
            r.run.id,
            labelText(labels[groups.findIndex((g) => g.includes(r))]!),
            r.run.seed,
            n.firstFew,
            round(n.shareBelow4, 3),
            round(n.inflation, 3),
          ]
        }),
      }),
      runIds: ids([...used, ...ln]),
      excluded,
    },
    judging,
  )
}

const INFO: FindingInfo<'lateSteps'> = {
  id: 'lateSteps',
  formula:
    'share = mean over recorded batches b of #{t : count_bt < 4} / #{t : count_bt > 0}, per run; per seed the mean of its runs',
  unit: 'share',
  minEffect: MIN,
  preset: 'bnVsLn',
  charts: ['profiles', 'population'],
}

export const lateSteps: FindingDefinition<'lateSteps'> = { ...INFO, evaluate }
