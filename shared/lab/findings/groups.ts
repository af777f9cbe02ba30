// Isolating an effect from its confounds: runs compared by a finding must agree on every setting
// except the ones the finding varies (and the seed, which the verdict rule averages over).
import type { TrainConfig } from '../../engine/config'
import type { RunData } from './study-data'
import { canonicalJson as canonical } from '../../canonical-json'

/** The settings a run shares with the runs it may be compared with. */
export function settingsKey(run: RunData, varying: readonly string[]): string {
  const config = { ...(run.run.config as Record<string, unknown>) }
  for (const key of ['seed', ...varying]) delete config[key]
  return canonical(config)
}

/** Runs grouped by everything but the varied settings and the seed. */
export function comparableSets(runs: readonly RunData[], varying: readonly string[]): RunData[][] {
  const sets = new Map<string, RunData[]>()
  for (const run of runs) {
    const key = settingsKey(run, varying)
    sets.set(key, [...(sets.get(key) ?? []), run])
  }
  return [...sets.values()]
}

/** Settings that differ among the runs besides the varied ones: what would confound a comparison. */
export function confounds(runs: readonly RunData[], varying: readonly string[]): string[] {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.run.config)))
  const out: string[] = []
  for (const key of keys) {
    if (key === 'seed' || varying.includes(key)) continue
    if (new Set(runs.map((r) => canonical((r.run.config as Record<string, unknown>)[key]))).size > 1) out.push(key)
  }
  return out.sort()
}

export const configOf = (run: RunData) => run.run.config as unknown as TrainConfig

/** Values by seed (the last one wins if a seed repeats). */
export function bySeed(runs: readonly RunData[], value: (run: RunData) => number | null): Map<number, number> {
  const out = new Map<number, number>()
  for (const run of runs) {
    const v = value(run)
    if (v !== null && Number.isFinite(v)) out.set(run.run.seed, v)
  }
  return out
}
