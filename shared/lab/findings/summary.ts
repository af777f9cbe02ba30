// A finding as data, in the contract's FindingSummary shape: what `lab findings --json` prints and
// a report's response carries. Effects are in the finding's unit (docs/findings.md).
import type { FindingSummary } from '../../contract/requests'
import type { Estimate } from './method/stats'
import type { Finding } from './method/types'

const effectOf = (e: Estimate | null) =>
  e ? { mean: Number.isFinite(e.mean) ? e.mean : null, low: e.low, high: e.high, n: e.n, level: e.level } : null

export function findingSummary(f: Finding): FindingSummary {
  return {
    id: f.id,
    verdict: f.verdict,
    reason: f.reason,
    reasonValues: f.reasonValues,
    unit: f.unit,
    minEffect: f.minEffect,
    effect: effectOf(f.effect),
    seedsToSettle: f.seedsToSettle,
    runIds: f.runIds,
    excluded: f.excluded,
    sets: f.sets.map((s) => ({
      label: s.label,
      runIds: s.runIds,
      verdict: s.verdict,
      effect: effectOf(s.effect),
      reason: s.reason,
    })),
  }
}
