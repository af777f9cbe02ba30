// Claim: BN degrades with small batches; LN and GN do not.
//
// Estimand: the rise of the final held-out loss from the largest to the smallest batch size, as a
// log ratio, BN's minus LN's (and, judged beside it, minus GN's), paired by seed, at equal samples
// seen: a small batch at equal steps also sees fewer samples, which hurts every norm alike, so runs
// that saw different numbers of samples (steps × batch size) are not compared. The verdict pools
// the comparisons with LN (with GN where a set has no LN). Learned before judged: the largest
// batch is the reference each rise is measured from, so a run there whose held-out loss is not
// clearly below the trivial loss (LEARNED_SHARE) is named, not used: a reference at chance makes
// every other batch size look as good or better. Counts from a ratio of 1.1.
import {
  conclude,
  FIXED_SAMPLE,
  rangeText,
  MIN_LOSS_RATIO,
  notApplicable,
  ratio,
  round,
  type JudgedSet,
  type Judging,
} from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, labelText, lossReason, pairedBySeed, screen, setLabels } from '../method/sets'
import { geometricMean } from '../method/stats'
import {
  beatsChance,
  configOf,
  heldOutLoss,
  LEARNED_SHARE,
  logHeldOutLoss,
  trivialLossOf,
  type RunData,
} from '../method/study-data'
import type { Exclusion, FindingOf } from '../method/types'

const OTHERS = ['ln', 'gn'] as const
const DISPLAY: Record<string, string> = { bn_step: 'BN', ln: 'LN', gn: 'GN' }
function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'smallBatch'> {
  const candidates = runs.filter((r) => r.run.norm === 'bn_step' || (OTHERS as readonly string[]).includes(r.run.norm))
  const { used, excluded } = screen(candidates, lossReason)
  const groups = comparisonSets(used, ['norm', 'batchSize', 'steps']).filter((g) => {
    const bnSizes = new Set(g.filter((r) => r.run.norm === 'bn_step').map((r) => r.run.batchSize))
    return bnSizes.size >= 2 && g.some((r) => r.run.norm !== 'bn_step')
  })
  if (groups.length === 0) return { ...notApplicable(INFO, 'needBatchSizes'), excluded }
  const labels = setLabels(groups)
  const lonely: Exclusion[] = []
  const sizesOf = (g: RunData[]) => [...new Set(g.map((r) => r.run.batchSize))].sort((a, b) => a - b)
  /** Per seed: log(loss at the smallest batch / loss at the largest) of a norm. */
  const atChance = new Set<RunData>()
  for (const g of groups) {
    const sizes = sizesOf(g)
    for (const r of g)
      if (r.run.batchSize === sizes[sizes.length - 1] && !beatsChance(r, heldOutLoss(r))) atChance.add(r)
  }
  const rise = (g: RunData[], norm: string) => {
    const sizes = sizesOf(g)
    const at = (size: number) =>
      bySeed(
        g.filter((r) => r.run.norm === norm && r.run.batchSize === size && !atChance.has(r)),
        logHeldOutLoss,
      )
    return pairedBySeed(at(sizes[0]!), at(sizes[sizes.length - 1]!))
  }
  const sets: JudgedSet[] = []
  let unequal: string | null = null
  groups.forEach((g, i) => {
    const samples = new Set(g.map((r) => configOf(r).steps * r.run.batchSize))
    const others = OTHERS.filter((o) => g.some((r) => r.run.norm === o))
    for (const other of others) {
      const label = { ...labels[i]!, ...(others.length > 1 ? { versus: DISPLAY[other]! } : {}) }
      const runIds = ids(g.filter((r) => r.run.norm === 'bn_step' || r.run.norm === other))
      if (samples.size > 1) {
        unequal ??= [...new Set(g.map((r) => `batch ${r.run.batchSize} × ${configOf(r).steps} steps`))].join(', ')
        sets.push({ label, runIds, values: [], seeds: [], reason: 'unequalSamples' })
        continue
      }
      const bn = rise(g, 'bn_step')
      const o = rise(g, other)
      const paired = pairedBySeed(
        new Map(bn.seeds.map((s, k) => [s, bn.values[k]!])),
        new Map(o.seeds.map((s, k) => [s, o.values[k]!])),
      )
      const unpaired = new Set([...bn.unpaired, ...o.unpaired, ...paired.unpaired])
      for (const r of g) {
        if (r.run.norm !== 'bn_step' && r.run.norm !== other) continue
        if (atChance.has(r)) lonely.push({ runId: r.run.id, reason: 'atChance' })
        else if (unpaired.has(r.run.seed)) lonely.push({ runId: r.run.id, reason: 'unpairedSeed' })
      }
      const chance = paired.values.length === 0 && g.some((r) => atChance.has(r))
      // The verdict pools the comparisons with LN; GN's counts where a set has no LN.
      sets.push({
        label,
        runIds,
        values: paired.values,
        seeds: paired.seeds,
        pooled: other === 'ln' || !others.includes('ln'),
        ...(chance ? { reason: 'notLearned' as const } : {}),
      })
    }
  })
  const inSets = used.filter((r) => groups.some((g) => g.includes(r)))
  const sizes = [...new Set(inSets.map((r) => r.run.batchSize))].sort((a, b) => a - b)
  const small = sizes[0]!
  const large = sizes[sizes.length - 1]!
  const other = inSets.some((r) => r.run.norm === 'ln') ? 'ln' : 'gn'
  const at = (norm: string, size: number) =>
    round(
      geometricMean(
        inSets
          .filter((r) => r.run.norm === norm && r.run.batchSize === size)
          .map(heldOutLoss)
          .filter((v): v is number => v !== null),
      ),
    )
  const riseOf = (norm: string) => {
    const a = at(norm, small)
    const b = at(norm, large)
    return a !== null && b !== null && b > 0 ? round(a / b, 3) : null
  }
  const norms = [...new Set(inSets.map((r) => r.run.norm))]
  const chanceLosses = [...atChance].map(heldOutLoss).filter((v): v is number => v !== null)
  const trivial = inSets.map(trivialLossOf).filter((v): v is number => v !== null)
  const reason = sets.some((s) => s.reason === 'unequalSamples')
    ? 'unequalSamples'
    : sets.some((s) => s.reason === 'notLearned')
      ? 'notLearned'
      : 'noSharedSeeds'
  return conclude(
    INFO,
    {
      sets,
      reason,
      reasonValues:
        reason === 'unequalSamples' && unequal
          ? { seen: unequal }
          : reason === 'notLearned'
            ? {
                losses: rangeText(chanceLosses),
                trivial: rangeText(trivial),
                share: String(Math.round(LEARNED_SHARE * 100)),
              }
            : {},
      numbers: (effect) => ({
        direction: effect.mean >= 0 ? 'more' : 'less',
        small,
        large,
        other: DISPLAY[other]!,
        bnSmall: at('bn_step', small),
        bnLarge: at('bn_step', large),
        bnRise: riseOf('bn_step'),
        otherSmall: at(other, small),
        otherLarge: at(other, large),
        otherRise: riseOf(other),
        excess: ratio(effect.mean),
        samples: configOf(inSets[0]!).steps * inSets[0]!.run.batchSize,
      }),
      table: (judged) => ({
        columns: ['norm', ...sizes.map((s) => `batch ${s}`), 'ratio', 'set', 'beyondBn', 'verdict'],
        rows: [
          ...norms.map((norm) => [
            DISPLAY[norm] ?? norm,
            ...sizes.map((s) => at(norm, s)),
            riseOf(norm),
            null,
            null,
            null,
          ]),
          ...judged.map((s) => [
            'BN − ' + String(s.label.versus ?? DISPLAY[other]),
            ...sizes.map(() => null),
            null,
            labelText(s.label),
            ratio(s.effect?.mean),
            s.verdict,
          ]),
        ],
      }),
      runIds: ids(inSets.filter((r) => !atChance.has(r))),
      excluded: [...excluded, ...lonely],
    },
    judging,
  )
}

const INFO: FindingInfo<'smallBatch'> = {
  id: 'smallBatch',
  formula:
    'effect = log(L_BN(small) / L_BN(large)) − log(L_LN(small) / L_LN(large)) per seed, at equal steps × batch size',
  unit: 'logRatio',
  minEffect: MIN_LOSS_RATIO,
  preset: 'batchSize',
  charts: ['batchSweep', 'curves'],
}

export const smallBatch: FindingDefinition<'smallBatch'> = { ...INFO, evaluate }
