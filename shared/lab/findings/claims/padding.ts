// Claim: padding without a mask biases BN's statistics toward the padding value; masking fixes it.
//
// Estimand: at training step 1, where the padded and the masked run of one seed start from the
// same parameters and see the same batch, BN's batch mean of the input term x·Wx at the time steps
// that hold padding, padded run against masked, per feature: the root-mean-square difference over
// those (time step, feature) cells in units of the masked run's within-step standard deviation
//   bias = √( Σ_tf (m_pad − m_mask)² / Σ_tf v_mask )   over t with 2 ≤ valid samples < batch.
// Padded positions are zero, so x·Wx is zero there and m_pad = (n_t / N)·m_mask: the mean is pulled
// toward the padding value by the padded share. The variance moves the way the arithmetic of
// mixing in zeros says, (n/N)(v + m²) − (n/N)² m², which can raise it as well as shrink it; the
// finding reports both. Beside it: the held-out loss, padded against masked, as a paired log
// ratio, and the share of tokens truncation dropped. Counts from 0.1 standard deviations.
import { conclude, FIXED_SAMPLE, notApplicable, ratio, round, type JudgedSet, type Judging } from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, lossReason, pairedBySeed, screen, setLabels } from '../method/sets'
import { estimate, geometricMean, mean } from '../method/stats'
import { configOf, heldOutLoss, logHeldOutLoss, type RunData } from '../method/study-data'
import type { Exclusion, ExclusionReason, FindingOf } from '../method/types'

const MIN = 0.1

interface PadNumbers {
  bias: number
  /** m_pad / m_mask (least squares over features), averaged over the padded time steps. */
  ratio: number | null
  /** n_t / N averaged over the same steps: what the ratio is when padding is zero. */
  validShare: number
  varChange: number
  varPredicted: number
}

/** The padded run against the masked run of its seed at their first recorded step; null when either lacks per-feature rows there. */
export function paddingBias(pad: RunData, mask: RunData): PadNumbers | null {
  const p = pad.terms.x
  const m = mask.terms.x
  if (!p || !m) return null
  const fp = p.features[p.firstRow]
  const fm = m.features[m.firstRow]
  if (!fp || !fm || fp.columns !== fm.columns) return null
  const C = fm.columns
  const N = mask.run.batchSize
  const counts = m.count[m.firstRow]!
  let dm2 = 0
  let vm = 0
  let vp = 0
  let vPred = 0
  const ratios: number[] = []
  const shares: number[] = []
  counts.forEach((n, t) => {
    if (n < 2 || n >= N) return
    const share = n / N
    let cross = 0
    let square = 0
    for (let c = 0; c < C; c++) {
      const a = fp.mean[t * C + c]!
      const b = fm.mean[t * C + c]!
      const v = fm.var[t * C + c]!
      dm2 += (a - b) ** 2
      vm += v
      vp += fp.var[t * C + c]!
      vPred += share * (v + b * b) - share * share * b * b
      cross += a * b
      square += b * b
    }
    if (square > 0) ratios.push(cross / square)
    shares.push(share)
  })
  if (!(vm > 0) || shares.length === 0) return null
  return {
    bias: Math.sqrt(dm2 / vm),
    ratio: ratios.length > 0 ? mean(ratios) : null,
    validShare: mean(shares),
    varChange: vp / vm - 1,
    varPredicted: vPred / vm - 1,
  }
}

/** Whether a masked run's first recorded batch has a time step holding padding (2 ≤ valid < batch): else there is nothing to bias. */
function hasPaddedSteps(mask: RunData): boolean {
  const x = mask.terms.x
  return !!x && (x.count[x.firstRow] ?? []).some((n) => n >= 2 && n < mask.run.batchSize)
}

/** Why a padded or masked run has no pair to judge with (it has a partner of its seed, or it would be used). What is missing is named first. */
function unusedReason(run: RunData, partners: readonly RunData[]): ExclusionReason {
  if (partners.length === 0) return 'unpairedSeed'
  const x = run.terms.x
  if (!x) return 'noStats'
  const mask = configOf(run).batching === 'mask' ? run : partners.find((p) => configOf(p).batching === 'mask')
  if (mask && mask.terms.x && !hasPaddedSteps(mask)) return 'noPaddedSteps'
  if (!x.features[x.firstRow]) return 'noFeatures'
  return partners.some((p) => p.terms.x && !p.terms.x.features[p.terms.x.firstRow]) ? 'noFeatures' : 'firstStepDiffers'
}

function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'padding'> {
  const bn = runs.filter((r) => r.run.norm === 'bn_step')
  const groups = comparisonSets(bn, ['batching']).filter(
    (g) => g.some((r) => configOf(r).batching === 'mask') && g.some((r) => configOf(r).batching === 'pad'),
  )
  if (groups.length === 0) return notApplicable(INFO, 'needMaskPad')
  const labels = setLabels(groups)
  const excluded: Exclusion[] = []
  const pairs: { pad: RunData; mask: RunData; numbers: PadNumbers }[] = []
  const sets: JudgedSet[] = groups.map((g, i) => {
    const pads = g.filter((r) => configOf(r).batching === 'pad')
    const masks = g.filter((r) => configOf(r).batching === 'mask')
    const mine: typeof pairs = []
    for (const pad of pads)
      for (const mask of masks.filter((r) => r.run.seed === pad.run.seed)) {
        const sameStep =
          pad.terms.x &&
          mask.terms.x &&
          pad.terms.x.steps[pad.terms.x.firstRow] === mask.terms.x.steps[mask.terms.x.firstRow]
        const numbers = sameStep ? paddingBias(pad, mask) : null
        if (numbers) mine.push({ pad, mask, numbers })
      }
    pairs.push(...mine)
    const used = new Set(mine.flatMap((p) => [p.pad, p.mask]))
    for (const r of [...pads, ...masks]) {
      if (used.has(r)) continue
      const partners = (pads.includes(r) ? masks : pads).filter((p) => p.run.seed === r.run.seed)
      excluded.push({ runId: r.run.id, reason: unusedReason(r, partners) })
    }
    // Replicates of a seed (several padded or masked runs) all count: their biases are averaged per seed.
    const perSeed = new Map<number, number[]>()
    for (const p of mine) perSeed.set(p.pad.run.seed, [...(perSeed.get(p.pad.run.seed) ?? []), p.numbers.bias])
    const seeds = [...perSeed.keys()].sort((a, b) => a - b)
    const missing =
      masks.length > 0 && masks.every((m) => m.terms.x && !hasPaddedSteps(m)) ? 'noPaddedSteps' : 'noFeatures'
    return {
      label: labels[i]!,
      runIds: ids([...used]),
      seeds,
      values: seeds.map((s) => mean(perSeed.get(s)!)),
      ...(mine.length === 0 ? { reason: missing } : {}),
    }
  })
  const inSets = groups.flat()
  const of = (b: string) => inSets.filter((r) => configOf(r).batching === b)
  // Held-out loss, padded against masked, per seed (completed runs only).
  const finished = screen(inSets, lossReason)
  const lossPairs = pairedBySeed(
    bySeed(
      finished.used.filter((r) => configOf(r).batching === 'pad'),
      logHeldOutLoss,
    ),
    bySeed(
      finished.used.filter((r) => configOf(r).batching === 'mask'),
      logHeldOutLoss,
    ),
  )
  const lossRatio = estimate(lossPairs.values)
  // Truncation: the share of valid tokens the truncated batches dropped (same seed: same batches).
  const dropped = of('truncate')
    .map((trunc) => {
      const ref = of('mask').find((r) => r.run.seed === trunc.run.seed)?.terms.x
      const grid = trunc.terms.x
      if (!ref || !grid) return null
      const shares = ref.steps
        .map((step, i) => {
          const j = grid.steps.indexOf(step)
          if (j < 0) return null
          const kept = grid.count[j]!.reduce((a, c) => a + c, 0)
          const all = ref.count[i]!.reduce((a, c) => a + c, 0)
          return all > 0 ? 1 - kept / all : null
        })
        .filter((v): v is number => v !== null)
      return shares.length > 0 ? mean(shares) : null
    })
    .filter((v): v is number => v !== null)
  const lossOf = (b: string) =>
    round(
      geometricMean(
        finished.used
          .filter((r) => configOf(r).batching === b)
          .map(heldOutLoss)
          .filter((v): v is number => v !== null),
      ),
    )
  const firstStep = pairs[0]?.pad.terms.x?.steps[pairs[0].pad.terms.x.firstRow] ?? null
  return conclude(
    INFO,
    {
      sets,
      numbers: (effect) => ({
        step: firstStep,
        bias: round(effect.mean, 3),
        ratio: round(mean(pairs.map((p) => p.numbers.ratio).filter((v): v is number => v !== null)), 3),
        validShare: round(mean(pairs.map((p) => p.numbers.validShare)), 3),
        varChange: round(mean(pairs.map((p) => p.numbers.varChange)) * 100, 3),
        varPredicted: round(mean(pairs.map((p) => p.numbers.varPredicted)) * 100, 3),
        maskLoss: lossOf('mask'),
        padLoss: lossOf('pad'),
        lossRatio: lossRatio.n > 0 ? ratio(lossRatio.mean) : null,
        truncateLoss: of('truncate').length > 0 ? lossOf('truncate') : null,
        dropped: dropped.length > 0 ? round(mean(dropped) * 100, 3) : null,
      }),
      table: () => ({
        columns: ['batching', 'heldOutLoss', 'runs'],
        rows: ['mask', 'pad', 'truncate', 'bucket']
          .filter((b) => of(b).length > 0)
          .map((b) => [b, lossOf(b), of(b).length]),
      }),
      runIds: ids(inSets.filter((r) => !excluded.some((e) => e.runId === r.run.id))),
      excluded,
    },
    judging,
  )
}

const INFO: FindingInfo<'padding'> = {
  id: 'padding',
  formula: 'bias = √(Σ_tf (m_pad − m_mask)² / Σ_tf v_mask) at training step 1, over t with 2 ≤ n_t < N; per seed',
  unit: 'sd',
  minEffect: MIN,
  preset: 'padMaskTruncate',
  charts: ['profiles', 'curves'],
}

export const padding: FindingDefinition<'padding'> = { ...INFO, evaluate }
