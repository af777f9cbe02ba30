// Claim: time steps have different distributions, which is why BN keeps statistics per step.
//
// Estimand: how far the batch mean of the recurrent term h·Wh moves across time steps beyond what
// few-sample noise explains, relative to its spread within a step, per feature (a mean over
// features first would let drifts of opposite sign cancel). For one recorded step, pooled over
// features f and over the well-fed time steps t (at least half the batch valid):
//   D² = Σ_f (S²_f − F²_f) / Σ_f V_f,   S²_f = var_t m_tf,  F²_f = mean_t v_tf / (n_t − 1),  V_f = mean_t v_tf
// where m, v are the batch mean and (biased) variance of step t over its n_t valid samples. F² is
// the variance a batch mean of n_t samples has by chance (the noise floor); positive correlation
// of a sample's states across steps only shrinks the chance part, so subtracting F² is conservative.
// Per run: the mean of D² over the last quarter's recorded steps; per seed its signed square root
// (within-step standard deviations; negative: less movement than chance). Counts from 0.1.
import type { TermName } from '../../../kinds'
import { conclude, notApplicable, round, type JudgedSet } from '../method/conclude'
import type { FindingDefinition, FindingInfo } from '../method/conclude'
import { bySeed, comparisonSets, ids, labelText, screen, setLabels } from '../method/sets'
import { mean, signedRoot } from '../method/stats'
import type { RunData, TermRows } from '../method/study-data'
import type { FindingOf } from '../method/types'

const TERM: TermName = 'h'
const MIN = 0.1

export interface Drift {
  /** D², noise floor subtracted (can be negative). */
  corrected: number
  /** √(Σ S² / Σ V): the drift before subtracting the floor. */
  raw: number
  /** √(Σ F² / Σ V): the drift chance alone would show. */
  floor: number
}

/** The drift of one term's batch mean across well-fed time steps, per feature; null without per-feature rows. */
export function featureDrift(rows: TermRows, batchSize: number): Drift | null {
  const wellFed = Math.max(2, Math.ceil(batchSize / 2))
  const per: Drift[] = []
  for (const i of rows.lateRows) {
    const f = rows.features[i]
    if (!f) continue
    const steps = rows.count[i]!.map((n, t) => (n >= wellFed ? t : -1)).filter((t) => t >= 0)
    if (steps.length < 2) continue
    const C = f.columns
    let between = 0
    let chance = 0
    let within = 0
    for (let c = 0; c < C; c++) {
      let m1 = 0
      let v1 = 0
      let noise = 0
      for (const t of steps) {
        m1 += f.mean[t * C + c]!
        v1 += f.var[t * C + c]!
        noise += f.var[t * C + c]! / (rows.count[i]![t]! - 1)
      }
      m1 /= steps.length
      let s2 = 0
      for (const t of steps) s2 += (f.mean[t * C + c]! - m1) ** 2
      between += s2 / (steps.length - 1)
      chance += noise / steps.length
      within += v1 / steps.length
    }
    if (!(within > 0) || !Number.isFinite(between + chance)) continue
    per.push({ corrected: (between - chance) / within, raw: Math.sqrt(between / within), floor: Math.sqrt(chance / within) })
  }
  if (per.length === 0) return null
  return { corrected: mean(per.map((d) => d.corrected)), raw: mean(per.map((d) => d.raw)), floor: mean(per.map((d) => d.floor)) }
}

function evaluate(runs: readonly RunData[]): FindingOf<'perStepDrift'> {
  const withStats = runs.filter((r) => Object.keys(r.terms).length > 0)
  if (withStats.length === 0) return notApplicable(INFO, 'noStats')
  const drifts = new Map(runs.map((r) => [r, r.terms[TERM] ? featureDrift(r.terms[TERM]!, r.run.batchSize) : null]))
  const { used, excluded } = screen(runs, (r) => {
    if (!r.terms[TERM]) return 'noStats'
    // Under "pad" the statistics mix padded states in: their movement is not the data's.
    if ((r.run.config as { batching?: string }).batching === 'pad') return 'padCountsAsData'
    return drifts.get(r) ? null : 'noFeatures'
  })
  if (used.length === 0) return { ...notApplicable(INFO, withStats.some((r) => r.terms[TERM]) ? 'noFeatures' : 'noStats'), excluded }
  const groups = comparisonSets(used, [])
  const labels = setLabels(groups)
  // The claim concerns what per-step BN normalizes: its sets decide; the others are judged beside them.
  const hasBn = used.some((r) => r.run.norm === 'bn_step')
  const sets: JudgedSet[] = groups.map((runs, i) => ({
    label: labels[i]!,
    runIds: ids(runs),
    values: [...bySeed(runs, (r) => signedRoot(drifts.get(r)!.corrected)).values()],
    pooled: !hasBn || runs[0]!.run.norm === 'bn_step',
  }))
  const judged = used.filter((r) => !hasBn || r.run.norm === 'bn_step')
  const floor = mean(judged.map((r) => drifts.get(r)!.floor))
  const raw = mean(judged.map((r) => drifts.get(r)!.raw))
  return conclude(INFO, {
    sets,
    numbers: (effect) => ({ drift: round(effect.mean, 3), floor: round(floor, 3), raw: round(raw, 3) }),
    table: (judgedSets) => ({
      columns: ['norm', 'set', 'drift', 'raw', 'floor', 'seeds', 'verdict'],
      rows: groups.map((runs, i) => {
        const s = judgedSets[i]!
        return [runs[0]!.run.norm, labelText(labels[i]!), round(s.effect?.mean, 3), round(mean(runs.map((r) => drifts.get(r)!.raw)), 3), round(mean(runs.map((r) => drifts.get(r)!.floor)), 3), s.effect?.n ?? 0, s.verdict]
      }),
    }),
    runIds: ids(used),
    excluded,
  })
}

const INFO: FindingInfo<'perStepDrift'> = {
  id: 'perStepDrift',
  formula: 'D² = Σ_f (var_t m_tf − mean_t v_tf/(n_t − 1)) / Σ_f mean_t v_tf, over well-fed t (n_t ≥ N/2); effect = sign(D²)·√|D²| per seed',
  unit: 'sd',
  minEffect: MIN,
  preset: 'bnVsLn',
  charts: ['profiles', 'heatmap'],
}

export const perStepDrift: FindingDefinition<'perStepDrift'> = { ...INFO, evaluate }
