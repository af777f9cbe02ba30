// One recorded step of a term's statistics against the time step, per group of seeds: the batch
// mean (mean over seeds, with its 95 % band over seeds), ±1 within-step standard deviation, how many
// samples were valid (bars) and how many values each normalizer statistic averaged (dashed). BN's
// count falls at late steps; LN's does not. Compare page and reports.
import { meanBand, type BandPoint, type RunGroup, type SeedLine } from './groups'

/** One run's statistics of a term at one recorded step (per time step; null: no valid sample). */
export interface StepStats {
  runId: number
  step: number
  count: number[]
  normCount: number[] | null
  mean: (number | null)[]
  var: (number | null)[]
}

export interface ProfileView {
  group: number
  label: RunGroup['label']
  runIds: number[]
  /** The recorded steps shown (one per seed; equal when the seeds recorded alike). */
  steps: number[]
  mean: BandPoint[]
  /** Mean over seeds of the within-step standard deviation, per time step. */
  std: (number | null)[]
  count: number[]
  normCount: number[] | null
  seeds: SeedLine[]
}

const average = (rows: readonly (readonly (number | null)[])[], t: number) => {
  const xs = rows.map((r) => r[t]).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v))
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null
}

/** A group's profile from its runs' statistics (runs without any are left out; null when none has). */
export function profileView(group: RunGroup, stats: readonly StepStats[]): ProfileView | null {
  const mine = stats.filter((s) => group.runs.some((r) => r.id === s.runId))
  if (mine.length === 0) return null
  const T = Math.max(...mine.map((s) => s.count.length))
  const times = Array.from({ length: T }, (_, t) => t)
  const stds = mine.map((s) => s.var.map((v) => (v === null ? null : Math.sqrt(Math.max(0, v)))))
  const norms = mine.filter((s) => s.normCount !== null).map((s) => s.normCount!)
  return {
    group: group.index,
    label: group.label,
    runIds: mine.map((s) => s.runId),
    steps: mine.map((s) => s.step),
    mean: meanBand(mine.map((s) => ({ x: times, y: times.map((t) => s.mean[t] ?? null) }))),
    std: times.map((t) => average(stds, t)),
    count: times.map(
      (t) =>
        average(
          mine.map((s) => s.count),
          t,
        ) ?? 0,
    ),
    normCount: norms.length > 0 ? times.map((t) => average(norms, t) ?? 0) : null,
    seeds: mine.map((s) => ({
      runId: s.runId,
      seed: group.runs.find((r) => r.id === s.runId)!.seed,
      points: times.map((t) => ({ x: t, y: s.mean[t] ?? null })),
    })),
  }
}
