// Claim: time steps have different distributions, which is why BN keeps statistics per step.
//
// Estimand: how far the batch mean of the recurrent term h·Wh moves across time steps, beyond the
// chance movement of one batch, relative to its spread within a step, per feature (a mean over
// features first would let drifts of opposite sign cancel). Two artefacts are kept out:
// - Time step 0 is constant by construction (h₀ = 0, so h·Wh is exactly 0 there: mean 0, variance
//   0), as is any step whose within-step variance is 0 in every feature: no evidence either way.
// - Chance. A batch holds the same samples at every step, so its chance error is correlated
//   across steps; an independence formula (v/(n − 1)) put the noise floor 5–10× too high. Instead
//   the estimate crosses two *different* batches k ≠ l (independent draws): for feature f over the
//   well-fed steps t both share (at least half the batch valid),
//     X_f(k, l) = Σ_t d^k_tf d^l_tf / (|t| − 1),   d^k_tf = m^k_tf − mean_t m^k_tf,
//   whose expectation is the between-step variance of the true profile: each batch's chance error
//   is independent of the other's, so it averages out however it is correlated across steps.
//   D² = Σ_f X_f / Σ_f V_f (V: within-step variance), averaged over every pair of recorded batches
//   of the last half of training; per seed its signed square root (within-step sd; negative: no
//   drift, chance alone). Beside it, `raw`: the movement within one batch (drift and chance), and
//   `floor`: the part of it that is chance, √(raw² − D²).
// Counts from 0.1 within-step standard deviations.
import type { TermName } from '../../../kinds'
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
import { mean, signedRoot } from '../method/stats'
import type { FeatureRows, RunData, TermRows } from '../method/study-data'
import type { FindingOf } from '../method/types'

const TERM: TermName = 'h'
const MIN = 0.1

export interface Drift {
  /** D² across batches: chance cancelled (can be negative). */
  corrected: number
  /** √(Σ S² / Σ V) within one batch: drift and chance together. */
  raw: number
  /** √(raw² − D²): the chance part of the within-batch movement. */
  floor: number
  /** How many pairs of batches the estimate averages. */
  pairs: number
}

/** Time steps that carry evidence in one batch: well fed, and not constant by construction. */
export function evidenceSteps(rows: TermRows, row: number, batchSize: number, term: TermName): Set<number> {
  const f = rows.features[row]
  const out = new Set<number>()
  if (!f) return out
  const wellFed = Math.max(2, Math.ceil(batchSize / 2))
  const C = f.columns
  rows.count[row]!.forEach((n, t) => {
    // h·Wh at step 0 is h₀·Wh = 0 for every sample.
    if (n < wellFed || (term === 'h' && t === 0)) return
    let spread = 0
    for (let c = 0; c < C; c++) spread += f.var[t * C + c]!
    if (spread > 0 && Number.isFinite(spread)) out.add(t)
  })
  return out
}

/** Per feature, the centred means of one batch over the given steps. */
function centred(f: FeatureRows, steps: readonly number[]): Float64Array {
  const C = f.columns
  const out = new Float64Array(steps.length * C)
  for (let c = 0; c < C; c++) {
    let m = 0
    for (const t of steps) m += f.mean[t * C + c]!
    m /= steps.length
    steps.forEach((t, i) => (out[i * C + c] = f.mean[t * C + c]! - m))
  }
  return out
}

function withinVariance(f: FeatureRows, steps: readonly number[]): number {
  let v = 0
  for (const t of steps) for (let c = 0; c < f.columns; c++) v += f.var[t * f.columns + c]!
  return v / steps.length
}

/** The drift of one term's batch mean across time steps, per feature, from pairs of batches; null with fewer than two usable batches. */
export function featureDrift(rows: TermRows, batchSize: number, term: TermName = TERM): Drift | null {
  const steps = new Map(rows.lateRows.map((i) => [i, evidenceSteps(rows, i, batchSize, term)]))
  const usable = rows.lateRows.filter((i) => rows.features[i] && steps.get(i)!.size >= 2)
  const raws: number[] = []
  for (const i of usable) {
    const f = rows.features[i]!
    const ts = [...steps.get(i)!]
    const d = centred(f, ts)
    let between = 0
    for (const x of d) between += x * x
    const within = withinVariance(f, ts)
    if (within > 0) raws.push(between / (ts.length - 1) / within)
  }
  const crosses: number[] = []
  for (let a = 0; a < usable.length; a++)
    for (let b = a + 1; b < usable.length; b++) {
      const [k, l] = [usable[a]!, usable[b]!]
      const shared = [...steps.get(k)!].filter((t) => steps.get(l)!.has(t))
      if (shared.length < 2) continue
      const fk = rows.features[k]!
      const fl = rows.features[l]!
      if (fk.columns !== fl.columns) continue
      const dk = centred(fk, shared)
      const dl = centred(fl, shared)
      let cross = 0
      for (let j = 0; j < dk.length; j++) cross += dk[j]! * dl[j]!
      const within = (withinVariance(fk, shared) + withinVariance(fl, shared)) / 2
      if (within > 0 && Number.isFinite(cross)) crosses.push(cross / (shared.length - 1) / within)
    }
  if (crosses.length === 0) return null
  const corrected = mean(crosses)
  const rawSquared = mean(raws)
  return {
    corrected,
    raw: Math.sqrt(rawSquared),
    floor: Math.sqrt(Math.max(0, rawSquared - corrected)),
    pairs: crosses.length,
  }
}

function evaluate(runs: readonly RunData[], judging: Judging = FIXED_SAMPLE): FindingOf<'perStepDrift'> {
  const withStats = runs.filter((r) => Object.keys(r.terms).length > 0)
  if (withStats.length === 0) return notApplicable(INFO, 'noStats')
  const drifts = new Map(runs.map((r) => [r, r.terms[TERM] ? featureDrift(r.terms[TERM]!, r.run.batchSize) : null]))
  const { used, excluded } = screen(runs, (r) => {
    const rows = r.terms[TERM]
    if (!rows) return 'noStats'
    // Under "pad" the statistics mix padded states in: their movement is not the data's.
    if ((r.run.config as { batching?: string }).batching === 'pad') return 'padCountsAsData'
    if (drifts.get(r)) return null
    return rows.lateRows.some((i) => rows.features[i]) ? 'fewBatches' : 'noFeatures'
  })
  if (used.length === 0) {
    const reason = excluded.some((e) => e.reason === 'fewBatches')
      ? 'fewBatches'
      : withStats.some((r) => r.terms[TERM])
        ? 'noFeatures'
        : 'noStats'
    return { ...notApplicable(INFO, reason), excluded }
  }
  const groups = comparisonSets(used, [])
  const labels = setLabels(groups)
  // The claim concerns what per-step BN normalizes: its sets decide; the others are judged beside them.
  const hasBn = used.some((r) => r.run.norm === 'bn_step')
  const sets: JudgedSet[] = groups.map((runs, i) => ({
    label: labels[i]!,
    runIds: ids(runs),
    ...seedValues(bySeed(runs, (r) => signedRoot(drifts.get(r)!.corrected))),
    pooled: !hasBn || runs[0]!.run.norm === 'bn_step',
  }))
  const judged = used.filter((r) => !hasBn || r.run.norm === 'bn_step')
  const floor = mean(judged.map((r) => drifts.get(r)!.floor))
  const raw = mean(judged.map((r) => drifts.get(r)!.raw))
  const pairs = Math.min(...judged.map((r) => drifts.get(r)!.pairs))
  return conclude(
    INFO,
    {
      sets,
      numbers: (effect) => ({ drift: round(effect.mean, 3), floor: round(floor, 3), raw: round(raw, 3), pairs }),
      table: (judgedSets) => ({
        columns: ['norm', 'set', 'drift', 'raw', 'floor', 'seeds', 'verdict'],
        rows: groups.map((runs, i) => {
          const s = judgedSets[i]!
          return [
            runs[0]!.run.norm,
            labelText(labels[i]!),
            round(s.effect?.mean, 3),
            round(mean(runs.map((r) => drifts.get(r)!.raw)), 3),
            round(mean(runs.map((r) => drifts.get(r)!.floor)), 3),
            s.effect?.n ?? 0,
            s.verdict,
          ]
        }),
      }),
      runIds: ids(used),
      excluded,
    },
    judging,
  )
}

const INFO: FindingInfo<'perStepDrift'> = {
  id: 'perStepDrift',
  formula:
    'D² = mean over batch pairs k≠l of Σ_f Σ_t d^k_tf d^l_tf / (|t|−1) / Σ_f V_f, d = m − mean_t m, over well-fed t ≥ 1 (n_t ≥ N/2; step 0 is constant); effect = sign(D²)·√|D²| per seed',
  unit: 'sd',
  minEffect: MIN,
  preset: 'bnVsLn',
  charts: ['profiles', 'heatmap'],
}

export const perStepDrift: FindingDefinition<'perStepDrift'> = { ...INFO, evaluate }
