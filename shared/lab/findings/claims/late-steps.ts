// Claim: with variable lengths, BN's late time steps have few valid samples; LN's statistics never do.
//
// Estimand, per per-step BN run: the share of its time steps whose statistics came from fewer than
// 4 valid samples, from the valid counts averaged over the last quarter of training. Beside it: the
// first time step with 2 samples or fewer, and BN's population variance there against well-fed
// steps (the inflation few-sample, unbiased updates cause); and how many values LN's statistics
// average (its features, the same at every step). Counts from a 5 % share.
import { mean } from '../method/stats'
import { conclude, notApplicable, round, type JudgedSet } from '../method/conclude'
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

/** Valid samples per time step, averaged over the last quarter's recorded rows (0 where none). */
function averageCounts(rows: TermRows): number[] {
  const T = rows.count.reduce((m, r) => Math.max(m, r.length), 0)
  return Array.from({ length: T }, (_, t) => mean(rows.lateRows.map((i) => rows.count[i]?.[t] ?? 0)))
}

export function lateStepNumbers(run: RunData): LateStepNumbers | null {
  const rows = run.terms.h ?? run.terms.x
  if (!rows) return null
  const counts = averageCounts(rows)
  const valid = counts.map((c, t) => (c > 0 ? t : -1)).filter((t) => t >= 0)
  if (valid.length === 0) return null
  const firstFew = valid.find((t) => counts[t]! <= 2) ?? null
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
  return { firstFew, shareBelow4: few.length / valid.length, inflation }
}

function evaluate(runs: readonly RunData[]): FindingOf<'lateSteps'> {
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
  const sets: JudgedSet[] = groups.map((g, i) => ({ label: labels[i]!, runIds: ids(g), values: [...bySeed(g, (r) => numbers.get(r)!.shareBelow4).values()] }))
  const firstFew = used.map((r) => numbers.get(r)!.firstFew).filter((v): v is number => v !== null)
  const inflation = used.map((r) => numbers.get(r)!.inflation).filter((v): v is number => v !== null)
  // LN's statistics: every feature at every step.
  const ln = runs.filter((r) => r.run.norm === 'ln' && r.terms.h)
  const lnCounts = ln.flatMap((r) => r.terms.h!.normCount.flatMap((row) => (row ?? []).filter((v) => v > 0)))
  return conclude(INFO, {
    sets,
    numbers: (effect) => ({
      firstFew: firstFew.length > 0 ? Math.min(...firstFew) : null,
      share: round(effect.mean * 100, 3),
      inflation: inflation.length > 0 ? round(mean(inflation), 3) : null,
      lnValues: lnCounts.length === 0 ? null : Math.min(...lnCounts) === Math.max(...lnCounts) ? String(lnCounts[0]) : `${Math.min(...lnCounts)}–${Math.max(...lnCounts)}`,
    }),
    table: () => ({
      columns: ['run', 'set', 'seed', 'firstFew', 'shareBelow4', 'inflation'],
      rows: used.map((r) => {
        const n = numbers.get(r)!
        return [r.run.id, labelText(labels[groups.findIndex((g) => g.includes(r))]!), r.run.seed, n.firstFew, round(n.shareBelow4, 3), round(n.inflation, 3)]
      }),
    }),
    runIds: ids([...used, ...ln]),
    excluded,
  })
}

const INFO: FindingInfo<'lateSteps'> = {
  id: 'lateSteps',
  formula: 'share = #{t : mean count_t < 4} / #{t : count_t > 0}, counts averaged over the last quarter of training',
  unit: 'share',
  minEffect: MIN,
  preset: 'bnVsLn',
  charts: ['profiles', 'population'],
}

export const lateSteps: FindingDefinition<'lateSteps'> = { ...INFO, evaluate }
