// Claim: BN degrades with small batches; LN and GN do not.
//
// Estimand: the rise of the final held-out loss from the largest to the smallest batch size, as a
// log ratio, BN's minus LN's (and, judged beside it, minus GN's), paired by seed, at equal samples
// seen: a small batch at equal steps also sees fewer samples, which hurts every norm alike, so runs
// that saw different numbers of samples (steps × batch size) are not compared. The verdict pools
// the comparisons with LN (with GN where a set has no LN). Counts from a ratio of 1.1.
import { conclude, MIN_LOSS_RATIO, notApplicable, ratio, round, type JudgedSet } from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, labelText, lossReason, pairedBySeed, screen, setLabels } from '../method/sets'
import { geometricMean } from '../method/stats'
import { configOf, heldOutLoss, logHeldOutLoss, type RunData } from '../method/study-data'
import type { Exclusion, FindingOf } from '../method/types'

const OTHERS = ['ln', 'gn'] as const
const DISPLAY: Record<string, string> = { bn_step: 'BN', ln: 'LN', gn: 'GN' }
function evaluate(runs: readonly RunData[]): FindingOf<'smallBatch'> {
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
  const rise = (g: RunData[], norm: string) => {
    const sizes = sizesOf(g)
    const at = (size: number) => bySeed(g.filter((r) => r.run.norm === norm && r.run.batchSize === size), logHeldOutLoss)
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
        sets.push({ label, runIds, values: [], reason: 'unequalSamples' })
        continue
      }
      const bn = rise(g, 'bn_step')
      const o = rise(g, other)
      const paired = pairedBySeed(new Map(bn.seeds.map((s, k) => [s, bn.values[k]!])), new Map(o.seeds.map((s, k) => [s, o.values[k]!])))
      const unpaired = new Set([...bn.unpaired, ...o.unpaired, ...paired.unpaired])
      for (const r of g) if ((r.run.norm === 'bn_step' || r.run.norm === other) && unpaired.has(r.run.seed)) lonely.push({ runId: r.run.id, reason: 'unpairedSeed' })
      // The verdict pools the comparisons with LN; GN's counts where a set has no LN.
      sets.push({ label, runIds, values: paired.values, pooled: other === 'ln' || !others.includes('ln') })
    }
  })
  const inSets = used.filter((r) => groups.some((g) => g.includes(r)))
  const sizes = [...new Set(inSets.map((r) => r.run.batchSize))].sort((a, b) => a - b)
  const small = sizes[0]!
  const large = sizes[sizes.length - 1]!
  const other = inSets.some((r) => r.run.norm === 'ln') ? 'ln' : 'gn'
  const at = (norm: string, size: number) => round(geometricMean(inSets.filter((r) => r.run.norm === norm && r.run.batchSize === size).map(heldOutLoss).filter((v): v is number => v !== null)))
  const riseOf = (norm: string) => {
    const a = at(norm, small)
    const b = at(norm, large)
    return a !== null && b !== null && b > 0 ? round(a / b, 3) : null
  }
  const norms = [...new Set(inSets.map((r) => r.run.norm))]
  return conclude(INFO, {
    sets,
    reason: sets.some((s) => s.reason === 'unequalSamples') ? 'unequalSamples' : 'noSharedSeeds',
    reasonValues: unequal ? { seen: unequal } : {},
    numbers: (effect) => ({
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
        ...norms.map((norm) => [DISPLAY[norm] ?? norm, ...sizes.map((s) => at(norm, s)), riseOf(norm), null, null, null]),
        ...judged.map((s) => ['BN − ' + (String(s.label.versus ?? DISPLAY[other])), ...sizes.map(() => null), null, labelText(s.label), ratio(s.effect?.mean), s.verdict]),
      ],
    }),
    runIds: ids(inSets),
    excluded: [...excluded, ...lonely],
  })
}

const INFO: FindingInfo<'smallBatch'> = {
  id: 'smallBatch',
  formula: 'effect = log(L_BN(small) / L_BN(large)) − log(L_LN(small) / L_LN(large)) per seed, at equal steps × batch size',
  unit: 'logRatio',
  minEffect: MIN_LOSS_RATIO,
  preset: 'batchSize',
  charts: ['batchSweep', 'curves'],
}

export const smallBatch: FindingDefinition<'smallBatch'> = { ...INFO, evaluate }
