// Isolating an effect from its confounds, and counting every run: runs compared by a finding must
// agree on every setting except the ones the finding varies (and the seed, which the verdict rule
// averages over). Every such set is judged on its own; within a set, runs pair by seed, and two
// runs of the same settings and seed are both used (their values averaged).
import { canonicalJson as canonical } from '../../../canonical-json'
import type { MessageValue } from '../../../i18n/placeholders'
import type { RunData } from './study-data'
import type { Exclusion, ExclusionReason } from './types'

const KEYS = new WeakMap<RunData, Map<string, string>>()

/** The settings a run shares with the runs it may be compared with (remembered per run: findings ask often). */
export function settingsKey(run: RunData, varying: readonly string[]): string {
  const mine = KEYS.get(run) ?? new Map<string, string>()
  KEYS.set(run, mine)
  const id = varying.join(',')
  let key = mine.get(id)
  if (key === undefined) {
    const config = { ...(run.run.config as Record<string, unknown>) }
    for (const k of ['seed', ...varying]) delete config[k]
    key = canonical(config)
    mine.set(id, key)
  }
  return key
}

/** Runs grouped by everything but the varied settings and the seed, in the order they first appear. */
export function comparisonSets(runs: readonly RunData[], varying: readonly string[]): RunData[][] {
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

/** What tells each set from the others: the settings whose values differ between sets (empty for a lone set). */
export function setLabels(sets: readonly (readonly RunData[])[]): Record<string, MessageValue>[] {
  const configs = sets.map((s) => s[0]!.run.config as Record<string, unknown>)
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))]
    .filter((k) => k !== 'seed' && new Set(configs.map((c) => canonical(c[k]))).size > 1)
    .sort()
  return configs.map((c) =>
    Object.fromEntries(
      keys.map((k) => [
        k,
        typeof c[k] === 'number' || typeof c[k] === 'string' ? (c[k] as MessageValue) : canonical(c[k]),
      ]),
    ),
  )
}

/** A set's label as one line ("batchSize 4 · norm ln"); empty for a lone set. */
export function labelText(label: Readonly<Record<string, unknown>>): string {
  return Object.entries(label)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' · ')
}

/** One value per seed: the mean over that seed's runs (replicates all count). Runs without a value are not in it. */
export function bySeed(runs: readonly RunData[], value: (run: RunData) => number | null): Map<number, number> {
  const sums = new Map<number, { sum: number; n: number }>()
  for (const run of runs) {
    const v = value(run)
    if (v === null || !Number.isFinite(v)) continue
    const s = sums.get(run.run.seed) ?? { sum: 0, n: 0 }
    sums.set(run.run.seed, { sum: s.sum + v, n: s.n + 1 })
  }
  return new Map([...sums].map(([seed, s]) => [seed, s.sum / s.n]))
}

/** Per seed a − b over the seeds both sides have, in seed order; the seeds only one side has are returned too. */
export function pairedBySeed(
  a: ReadonlyMap<number, number>,
  b: ReadonlyMap<number, number>,
): { seeds: number[]; values: number[]; unpaired: number[] } {
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y)
  const unpaired = [...new Set([...a.keys(), ...b.keys()])].filter((s) => !(a.has(s) && b.has(s)))
  return { seeds, values: seeds.map((s) => a.get(s)! - b.get(s)!), unpaired }
}

/** Splits runs into those a finding can use and those it names with a reason (first reason that applies). */
export function screen(
  runs: readonly RunData[],
  reasonOf: (run: RunData) => ExclusionReason | null,
): { used: RunData[]; excluded: Exclusion[] } {
  const used: RunData[] = []
  const excluded: Exclusion[] = []
  for (const run of runs) {
    const reason = reasonOf(run)
    if (reason) excluded.push({ runId: run.run.id, reason })
    else used.push(run)
  }
  return { used, excluded }
}

/** A run ended in a way that makes its final loss comparable: completed (diverged and cut-short runs are named instead). */
export function lossReason(run: RunData): ExclusionReason | null {
  if (run.run.status === 'diverged') return 'diverged'
  return run.run.status === 'completed' ? null : 'notCompleted'
}

export const ids = (runs: readonly RunData[]) => runs.map((r) => r.run.id)
