// Claim: LN trains to a lower held-out loss than per-step BN here.
//
// Estimand: the final held-out loss, per-step BN's over LN's, as a log ratio, paired by seed, among
// completed runs alike but for the norm (losses span decades, so they compare as ratios: a
// difference of losses would let one seed's large loss decide). Beside it, a table of every norm:
// final and best held-out loss (geometric means over seeds), milliseconds per step, divergences.
// Counts from a ratio of 1.1.
import {
  conclude,
  FIXED_SAMPLE,
  MIN_LOSS_RATIO,
  notApplicable,
  ratio,
  round,
  type JudgedSet,
  type Judging,
} from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import {
  bySeed,
  comparisonSets,
  confounds,
  ids,
  labelText,
  lossReason,
  pairedBySeed,
  screen,
  setLabels,
} from '../method/sets'
import { geometricMean, median } from '../method/stats'
import { heldOutLoss, logHeldOutLoss, type RunData } from '../method/study-data'
import type { Exclusion, FindingOf, FindingTable } from '../method/types'

function normsTable(runs: readonly RunData[]): FindingTable {
  const best = (r: RunData) => {
    const s = r.metrics['eval/loss'] ?? r.metrics.loss
    return s && s.values.length > 0 ? s.values.reduce((m, v) => Math.min(m, v), Infinity) : null
  }
  const norms = [...new Set(runs.map((r) => r.run.norm))]
  return {
    columns: ['norm', 'final', 'best', 'msPerStep', 'diverged'],
    rows: norms.map((norm) => {
      const mine = runs.filter((r) => r.run.norm === norm)
      const done = mine.filter((r) => r.run.status === 'completed')
      const positive = (vs: (number | null)[]) => vs.filter((v): v is number => v !== null && v > 0)
      return [
        norm,
        round(geometricMean(positive(done.map(heldOutLoss)))),
        round(geometricMean(positive(done.map(best)))),
        round(median(mine.flatMap((r) => r.metrics.step_ms?.values ?? [])), 3),
        `${mine.filter((r) => r.run.status === 'diverged').length} / ${mine.length}`,
      ]
    }),
  }
}

function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'allNorms'> {
  if (runs.length === 0) return notApplicable(INFO, 'noRuns')
  const table = normsTable(runs)
  const candidates = runs.filter((r) => r.run.norm === 'bn_step' || r.run.norm === 'ln')
  const { used, excluded } = screen(candidates, lossReason)
  const groups = comparisonSets(used, ['norm']).filter(
    (g) => g.some((r) => r.run.norm === 'bn_step') && g.some((r) => r.run.norm === 'ln'),
  )
  if (groups.length === 0) {
    // What is missing first: without both norms among the usable runs there is nothing to confound.
    const both = used.some((r) => r.run.norm === 'bn_step') && used.some((r) => r.run.norm === 'ln')
    const conf = both ? confounds(used, ['norm']) : []
    return {
      ...notApplicable(
        INFO,
        conf.length > 0 ? 'confounded' : 'needBnLn',
        conf.length > 0 ? { settings: conf.join(', ') } : {},
      ),
      table,
      runIds: ids(runs),
      excluded,
    }
  }
  const labels = setLabels(groups)
  const lonely: Exclusion[] = []
  const sets: JudgedSet[] = groups.map((g, i) => {
    const paired = pairedBySeed(
      bySeed(
        g.filter((r) => r.run.norm === 'bn_step'),
        logHeldOutLoss,
      ),
      bySeed(
        g.filter((r) => r.run.norm === 'ln'),
        logHeldOutLoss,
      ),
    )
    for (const r of g)
      if (paired.unpaired.includes(r.run.seed)) lonely.push({ runId: r.run.id, reason: 'unpairedSeed' })
    return { label: labels[i]!, runIds: ids(g), values: paired.values, seeds: paired.seeds }
  })
  const norms = new Set(runs.map((r) => r.run.norm)).size
  return conclude(
    INFO,
    {
      sets,
      numbers: (effect) => ({ ratio: ratio(effect.mean), direction: effect.mean >= 0 ? 'higher' : 'lower', norms }),
      table: (judged) =>
        judged.length < 2
          ? table
          : {
              columns: [...table.columns, 'set', 'bnOverLn', 'verdict'],
              rows: [
                ...table.rows.map((r) => [...r, null, null, null]),
                ...judged.map((s) => [
                  'BN / LN',
                  null,
                  null,
                  null,
                  null,
                  labelText(s.label),
                  ratio(s.effect?.mean),
                  s.verdict,
                ]),
              ],
            },
      runIds: ids(groups.flat()),
      excluded: [...excluded, ...lonely],
    },
    judging,
  )
}

const INFO: FindingInfo<'allNorms'> = {
  id: 'allNorms',
  formula: 'effect = log(L_BN / L_LN) per seed, final held-out losses of completed runs',
  unit: 'logRatio',
  minEffect: MIN_LOSS_RATIO,
  preset: 'allNorms',
  charts: ['normsTable', 'curves'],
}

export const allNorms: FindingDefinition<'allNorms'> = { ...INFO, evaluate }
