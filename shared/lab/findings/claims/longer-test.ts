// Claim: BN generalizes worse than LN to test sequences longer than any training one.
//
// Estimand: how much the held-out loss grows from a length where BN's statistics were well fed in
// training (the longest evaluated length at which at least half a training batch was valid at
// every step: below it the population statistics are sound) to the longest evaluated length, as
// a log ratio, BN's growth minus LN's, paired by seed. Losses span decades, so they compare as
// ratios. Judged for per-step BN's "last" policy (Cooijmans et al.); every policy is in the table.
// Learned before judged: a run whose held-out loss at the baseline is not clearly below its task's
// trivial loss (LEARNED_SHARE) learned nothing whose growth could be measured (its loss cannot
// grow past chance), so it is named, not used. Counts from a ratio of 1.1.
import { POLICIES, type Policy } from '../../../kinds'
import { wellFedLength } from '../../../engine/data/lengths'
import { conclude, FIXED_SAMPLE, rangeText, judgeSet, MIN_LOSS_RATIO, notApplicable, ratio, round, type JudgedSet, type Judging } from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, lossReason, pairedBySeed, screen, setLabels } from '../method/sets'
import { geometricMean, mean } from '../method/stats'
import { beatsChance, configOf, LEARNED_SHARE, trivialLossOf, type RunData } from '../method/study-data'
import type { Exclusion, FindingOf } from '../method/types'

const HEADLINE: Policy = 'last'
const LEARNED_SHARE_PERCENT = Math.round(LEARNED_SHARE * 100)

/** The held-out loss at a length under a policy, at the run's last evaluation of it. */
export function lengthLoss(run: RunData, policy: string, length: number): number | null {
  let best: { step: number; value: number } | null = null
  for (const e of run.evaluations) if (e.metric === 'loss' && e.policy === policy && e.length === length && (!best || e.step > best.step)) best = { step: e.step, value: e.value }
  return best?.value ?? null
}

const lengthsOf = (runs: readonly RunData[]) => [...new Set(runs.flatMap((r) => r.evaluations.filter((e) => e.metric === 'loss').map((e) => e.length)))].sort((a, b) => a - b)
const policyOf = (run: RunData, policy: string) => (run.run.norm === 'ln' ? 'none' : policy)

function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'longerTest'> {
  const candidates = runs.filter((r) => r.run.norm === 'bn_step' || r.run.norm === 'ln')
  const { used, excluded } = screen(candidates, (r) => lossReason(r) ?? (lengthsOf([r]).length === 0 ? 'noEvaluations' : null))
  const groups = comparisonSets(used, ['norm']).filter((g) => g.some((r) => r.run.norm === 'bn_step') && g.some((r) => r.run.norm === 'ln'))
  if (groups.length === 0) return { ...notApplicable(INFO, 'needBnLnEvaluated'), excluded }
  const labels = setLabels(groups)
  const lonely: Exclusion[] = []
  interface Plan {
    baseline: number | null
    longest: number
    growth: (policy: string) => (r: RunData) => number | null
  }
  const atChance = new Set<RunData>()
  const plans: Plan[] = groups.map((g) => {
    const lengths = lengthsOf(g)
    const fed = wellFedLength(configOf(g[0]!).lengths)
    const baseline = [...lengths].reverse().find((L) => L <= fed) ?? null
    const longest = lengths[lengths.length - 1]!
    if (baseline !== null) for (const r of g) if (!beatsChance(r, lengthLoss(r, policyOf(r, HEADLINE), baseline))) atChance.add(r)
    const growth = (policy: string) => (r: RunData) => {
      if (baseline === null || atChance.has(r)) return null
      const a = lengthLoss(r, policyOf(r, policy), baseline)
      const b = lengthLoss(r, policyOf(r, policy), longest)
      return a !== null && b !== null && a > 0 && b > 0 ? Math.log(b / a) : null
    }
    return { baseline, longest, growth }
  })
  const excess = (i: number, policy: string) => {
    const g = groups[i]!
    return pairedBySeed(bySeed(g.filter((r) => r.run.norm === 'bn_step'), plans[i]!.growth(policy)), bySeed(g.filter((r) => r.run.norm === 'ln'), plans[i]!.growth('none')))
  }
  const sets: JudgedSet[] = groups.map((g, i) => {
    const plan = plans[i]!
    const base = { label: labels[i]!, runIds: ids(g), values: [] as number[], seeds: [] as number[] }
    if (plan.baseline === null) return { ...base, reason: 'noWellFedLength' }
    if (plan.longest <= plan.baseline) return { ...base, reason: 'trainedLengthOnly' }
    const paired = excess(i, HEADLINE)
    for (const r of g) {
      if (atChance.has(r)) lonely.push({ runId: r.run.id, reason: 'atChance' })
      else if (paired.unpaired.includes(r.run.seed)) lonely.push({ runId: r.run.id, reason: 'unpairedSeed' })
    }
    return { ...base, values: paired.values, seeds: paired.seeds, ...(paired.values.length === 0 && g.some((r) => atChance.has(r)) ? { reason: 'notLearned' as const } : {}) }
  })
  const fedLengths = [...new Set(groups.map((g) => wellFedLength(configOf(g[0]!).lengths)))]
  const trivial = groups.flat().map(trivialLossOf).filter((v): v is number => v !== null)
  const chanceLosses = [...atChance].map((r) => lengthLoss(r, policyOf(r, HEADLINE), plans[groups.findIndex((g) => g.includes(r))]!.baseline ?? -1)).filter((v): v is number => v !== null)
  const all = (norm: string) => used.filter((r) => r.run.norm === norm && groups.some((g) => g.includes(r)))
  const planOf = (r: RunData) => plans[groups.findIndex((g) => g.includes(r))]!
  const lossAt = (norm: string, policy: string, which: 'baseline' | 'longest') =>
    round(geometricMean(all(norm).map((r) => lengthLoss(r, policyOf(r, policy), planOf(r)[which] ?? -1)).filter((v): v is number => v !== null)))
  const growthOf = (norm: string, policy: string) => ratio(mean(all(norm).map((r) => planOf(r).growth(policy)(r)).filter((v): v is number => v !== null)))
  const policies = POLICIES.filter((p) => all('bn_step').some((r) => r.evaluations.some((e) => e.policy === p)))
  const baselines = [...new Set(plans.map((p) => p.baseline))]
  const longests = [...new Set(plans.map((p) => p.longest))]
  const notLearned = sets.some((s) => s.reason === 'notLearned')
  return conclude(INFO, {
    sets,
    reason: notLearned ? 'notLearned' : 'noWellFedLength',
    reasonValues: notLearned
      ? { losses: rangeText(chanceLosses), trivial: rangeText(trivial), share: String(LEARNED_SHARE_PERCENT) }
      : { tested: lengthsOf(groups.flat()).join(', '), fed: fedLengths.join(', ') },
    numbers: (effect) => ({
      direction: effect.mean >= 0 ? 'more' : 'less',
      policy: HEADLINE,
      baseline: baselines.length === 1 ? baselines[0]! : baselines.join(', '),
      longest: longests.length === 1 ? longests[0]! : longests.join(', '),
      bnBase: lossAt('bn_step', HEADLINE, 'baseline'),
      bnLongest: lossAt('bn_step', HEADLINE, 'longest'),
      bnGrowth: growthOf('bn_step', HEADLINE),
      lnBase: lossAt('ln', 'none', 'baseline'),
      lnLongest: lossAt('ln', 'none', 'longest'),
      lnGrowth: growthOf('ln', 'none'),
      excess: ratio(effect.mean),
    }),
    table: () => ({
      columns: ['model', 'atBaseline', 'atLongest', 'growth', 'excess', 'interval', 'verdict'],
      rows: [
        ['LN', lossAt('ln', 'none', 'baseline'), lossAt('ln', 'none', 'longest'), growthOf('ln', 'none'), null, null, null],
        ...policies.map((policy) => {
          const pairs = groups.map((_, i) => (plans[i]!.baseline === null ? { seeds: [], values: [] } : excess(i, policy)))
          const judged = judgeSet({ label: {}, runIds: [], values: pairs.flatMap((p) => p.values), seeds: pairs.flatMap((p) => p.seeds) }, MIN_LOSS_RATIO, judging)
          const e = judged.effect
          return [`BN · ${policy}`, lossAt('bn_step', policy, 'baseline'), lossAt('bn_step', policy, 'longest'), growthOf('bn_step', policy), ratio(e?.mean), e && e.low !== null ? `×${ratio(e.low)} … ×${ratio(e.high)}` : null, judged.verdict]
        }),
      ],
    }),
    runIds: ids(groups.flat().filter((r) => !atChance.has(r))),
    excluded: [...excluded, ...lonely],
  }, judging)
}

const INFO: FindingInfo<'longerTest'> = {
  id: 'longerTest',
  formula: 'effect = log(L_BN(longest) / L_BN(baseline)) − log(L_LN(longest) / L_LN(baseline)) per seed; baseline = longest tested length with P(train length ≥ L) ≥ ½',
  unit: 'logRatio',
  minEffect: MIN_LOSS_RATIO,
  preset: 'longerTest',
  charts: ['lengths'],
}

export const longerTest: FindingDefinition<'longerTest'> = { ...INFO, evaluate }
