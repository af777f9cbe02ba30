// Claim: BN generalizes worse than LN to test sequences longer than any training one.
//
// Estimand: how much of its skill a model keeps on test sequences longer than any training one,
// BN's against LN's, paired by seed. A model's skill at length L is how far its held-out loss is
// below the trivial loss T (the best constant prediction's), on the log scale: log(T / loss(L)).
// Its share kept at a longer length is skill(L) / skill(base), clipped to [0, 1] (0: nothing left,
// at chance or worse), where `base` is a well-fed length (the longest evaluated length up to which
// at least half of every training batch was valid: BN's population statistics there are sound).
// Per run: the mean share kept over every tested length longer than the longest training sequence;
// per seed: LN's minus BN's (positive: BN keeps less). Counts from 10 points.
//
// Why not the growth of the loss (the first statistic, log(loss(longest)/loss(base)), BN's minus
// LN's): losses stop growing at chance. On the preset's study BN was at chance from 1.5× the
// training length on (0.12–0.16 against a trivial 0.167) while LN stayed 10–20× below it, yet LN's
// loss *grew* more (from 0.002, a lower start) and the growth said "not reproduced" (×0.12). The
// share of skill kept is bounded by chance for both, so a model that fell to chance loses all of
// it, however low it started. Learned before judged: a run that did not beat the trivial loss at
// the well-fed length (LEARNED_SHARE) has no skill to keep, and is named, not used. Judged for
// per-step BN's "last" policy (Cooijmans et al.); every policy is in the table.
import { POLICIES, type Policy } from '../../../kinds'
import { wellFedLength, maxLength } from '../../../engine/data/lengths'
import {
  conclude,
  FIXED_SAMPLE,
  judgeSet,
  notApplicable,
  rangeText,
  round,
  type JudgedSet,
  type Judging,
} from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, lossReason, pairedBySeed, screen, setLabels } from '../method/sets'
import { geometricMean, mean } from '../method/stats'
import { beatsChance, configOf, LEARNED_SHARE, trivialLossOf, type RunData } from '../method/study-data'
import type { Exclusion, FindingOf } from '../method/types'

const HEADLINE: Policy = 'last'
const MIN = 0.1

/** The held-out loss at a length under a policy, at the run's last evaluation of it. */
export function lengthLoss(run: RunData, policy: string, length: number): number | null {
  let best: { step: number; value: number } | null = null
  for (const e of run.evaluations)
    if (e.metric === 'loss' && e.policy === policy && e.length === length && (!best || e.step > best.step))
      best = { step: e.step, value: e.value }
  return best?.value ?? null
}

/** The share of skill over the trivial loss kept at a longer length: skill(L) / skill(base), clipped to [0, 1]. */
export function skillKept(trivial: number, base: number, longer: number): number {
  const skill = Math.log(trivial / base)
  return Math.min(1, Math.max(0, Math.log(trivial / longer) / skill))
}

const lengthsOf = (runs: readonly RunData[]) =>
  [...new Set(runs.flatMap((r) => r.evaluations.filter((e) => e.metric === 'loss').map((e) => e.length)))].sort(
    (a, b) => a - b,
  )
const policyOf = (run: RunData, policy: string) => (run.run.norm === 'ln' ? 'none' : policy)

interface Plan {
  /** The well-fed length the skill is measured at; null when none was tested. */
  baseline: number | null
  /** The tested lengths longer than any training sequence. */
  longer: number[]
  /** A run's mean share of skill kept over `longer`, under a policy; null when it cannot be measured. */
  kept: (policy: string) => (r: RunData) => number | null
}

function planOf(group: readonly RunData[], atChance: Set<RunData>): Plan {
  const lengths = lengthsOf(group)
  const config = configOf(group[0]!)
  const fed = wellFedLength(config.lengths)
  const baseline = [...lengths].reverse().find((L) => L <= fed) ?? null
  const longer = lengths.filter((L) => L > maxLength(config.lengths))
  if (baseline !== null)
    for (const r of group) if (!beatsChance(r, lengthLoss(r, policyOf(r, HEADLINE), baseline))) atChance.add(r)
  const kept = (policy: string) => (r: RunData) => {
    const trivial = trivialLossOf(r)
    const base = baseline === null ? null : lengthLoss(r, policyOf(r, policy), baseline)
    if (trivial === null || base === null || atChance.has(r) || !(base > 0) || base >= trivial) return null
    const shares = longer
      .map((L) => lengthLoss(r, policyOf(r, policy), L))
      .filter((v): v is number => v !== null && v > 0)
      .map((v) => skillKept(trivial, base, v))
    return shares.length === longer.length && shares.length > 0 ? mean(shares) : null
  }
  return { baseline, longer, kept }
}

function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'longerTest'> {
  const candidates = runs.filter((r) => r.run.norm === 'bn_step' || r.run.norm === 'ln')
  const { used, excluded } = screen(
    candidates,
    (r) =>
      lossReason(r) ??
      (lengthsOf([r]).length === 0 ? 'noEvaluations' : trivialLossOf(r) === null ? 'noTrivialLoss' : null),
  )
  const groups = comparisonSets(used, ['norm']).filter(
    (g) => g.some((r) => r.run.norm === 'bn_step') && g.some((r) => r.run.norm === 'ln'),
  )
  if (groups.length === 0)
    return {
      ...notApplicable(
        INFO,
        excluded.some((e) => e.reason === 'noTrivialLoss') ? 'noTrivialLoss' : 'needBnLnEvaluated',
      ),
      excluded,
    }
  const labels = setLabels(groups)
  const lonely: Exclusion[] = []
  const atChance = new Set<RunData>()
  const plans = groups.map((g) => planOf(g, atChance))
  /** Per seed: LN's share kept minus BN's under a policy. */
  const excess = (i: number, policy: string) => {
    const g = groups[i]!
    return pairedBySeed(
      bySeed(
        g.filter((r) => r.run.norm === 'ln'),
        plans[i]!.kept('none'),
      ),
      bySeed(
        g.filter((r) => r.run.norm === 'bn_step'),
        plans[i]!.kept(policy),
      ),
    )
  }
  const sets: JudgedSet[] = groups.map((g, i) => {
    const plan = plans[i]!
    const base = { label: labels[i]!, runIds: ids(g), values: [] as number[], seeds: [] as number[] }
    if (plan.baseline === null) return { ...base, reason: 'noWellFedLength' }
    if (plan.longer.length === 0) return { ...base, reason: 'trainedLengthOnly' }
    const paired = excess(i, HEADLINE)
    for (const r of g) {
      if (atChance.has(r)) lonely.push({ runId: r.run.id, reason: 'atChance' })
      else if (paired.unpaired.includes(r.run.seed)) lonely.push({ runId: r.run.id, reason: 'unpairedSeed' })
    }
    return {
      ...base,
      values: paired.values,
      seeds: paired.seeds,
      ...(paired.values.length === 0 && g.some((r) => atChance.has(r)) ? { reason: 'notLearned' as const } : {}),
    }
  })
  const inSets = groups.flat()
  const planOfRun = (r: RunData) => plans[groups.findIndex((g) => g.includes(r))]!
  const all = (norm: string) => inSets.filter((r) => r.run.norm === norm && !atChance.has(r))
  const baseLoss = (norm: string, policy: string) =>
    round(
      geometricMean(
        all(norm)
          .map((r) => lengthLoss(r, policyOf(r, policy), planOfRun(r).baseline ?? -1))
          .filter((v): v is number => v !== null),
      ),
    )
  const keptOf = (norm: string, policy: string) => {
    const values = all(norm)
      .map((r) => planOfRun(r).kept(policy)(r))
      .filter((v): v is number => v !== null)
    return values.length > 0 ? round(mean(values) * 100, 3) : null
  }
  const policies = POLICIES.filter((p) => all('bn_step').some((r) => r.evaluations.some((e) => e.policy === p)))
  const fedLengths = [...new Set(groups.map((g) => wellFedLength(configOf(g[0]!).lengths)))]
  const chanceLosses = [...atChance]
    .map((r) => lengthLoss(r, policyOf(r, HEADLINE), planOfRun(r).baseline ?? -1))
    .filter((v): v is number => v !== null)
  const trivials = inSets.map(trivialLossOf).filter((v): v is number => v !== null)
  const notLearned = sets.some((s) => s.reason === 'notLearned')
  const trainedOnly = sets.every((s) => s.reason === 'trainedLengthOnly')
  return conclude(
    INFO,
    {
      sets,
      reason: notLearned ? 'notLearned' : trainedOnly ? 'trainedLengthOnly' : 'noWellFedLength',
      reasonValues: notLearned
        ? {
            losses: rangeText(chanceLosses),
            trivial: rangeText(trivials),
            share: String(Math.round(LEARNED_SHARE * 100)),
          }
        : { tested: lengthsOf(inSets).join(', '), fed: fedLengths.join(', ') },
      numbers: (effect) => ({
        policy: HEADLINE,
        baseline: [...new Set(plans.map((p) => p.baseline))].join(', '),
        longer: [...new Set(plans.flatMap((p) => p.longer))].sort((a, b) => a - b).join(', '),
        trivial: rangeText(trivials),
        bnBase: baseLoss('bn_step', HEADLINE),
        lnBase: baseLoss('ln', 'none'),
        bnKept: keptOf('bn_step', HEADLINE),
        lnKept: keptOf('ln', 'none'),
        excess: round(Math.abs(effect.mean) * 100, 3),
        direction: effect.mean >= 0 ? 'less' : 'more',
      }),
      table: () => ({
        columns: ['model', 'atBaseline', 'kept', 'excess', 'interval', 'verdict'],
        rows: [
          ['LN', baseLoss('ln', 'none'), keptOf('ln', 'none'), null, null, null],
          ...policies.map((policy) => {
            const pairs = groups.map((_, i) =>
              plans[i]!.baseline === null ? { seeds: [], values: [] } : excess(i, policy),
            )
            const judged = judgeSet(
              { label: {}, runIds: [], values: pairs.flatMap((p) => p.values), seeds: pairs.flatMap((p) => p.seeds) },
              MIN,
              judging,
            )
            const e = judged.effect
            const pct = (v: number | null | undefined) => (v === null || v === undefined ? null : round(v * 100, 3))
            return [
              `BN · ${policy}`,
              baseLoss('bn_step', policy),
              keptOf('bn_step', policy),
              pct(e?.mean),
              e && e.low !== null ? `${pct(e.low)} … ${pct(e.high)}` : null,
              judged.verdict,
            ]
          }),
        ],
      }),
      runIds: ids(inSets.filter((r) => !atChance.has(r))),
      excluded: [...excluded, ...lonely],
    },
    judging,
  )
}

const INFO: FindingInfo<'longerTest'> = {
  id: 'longerTest',
  formula:
    'kept(L) = clip(log(T/loss(L)) / log(T/loss(base)), 0, 1), T the trivial loss; per run the mean over tested L > longest training length; effect = kept_LN − kept_BN per seed; base = longest tested length with P(train length ≥ L) ≥ ½',
  unit: 'share',
  minEffect: MIN,
  preset: 'longerTest',
  charts: ['lengths'],
}

export const longerTest: FindingDefinition<'longerTest'> = { ...INFO, evaluate }
