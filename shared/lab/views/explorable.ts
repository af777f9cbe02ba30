// The explorable's view model: one stored batch (a snapshot) and, for any norm, which values share
// one statistic with a chosen cell, that statistic (μ, σ, how many values), the normalized value
// and the per-step picture (count and σ at every time step). Read off the norm's definition (its
// statistic domain, whether it centers, whether it is grouped), so a new norm appears here by
// itself. Drawn by the Explore page on canvases and by reports as pictures.
import { unpackFloat32 } from '../../contract/packed'
import type { SnapshotRead } from '../../contract/schemas'
import type { TrainConfig } from '../../contract/train-config'
import { maxLength } from '../../engine/data/lengths'
import { normDefinition, type NormKind, type Policy } from '../../kinds'

/** A decoded snapshot: values at (n, t, f) = values[(n·T + t)·F + f]; row moments at (n·T + t)·G + g. */
export interface Snapshot {
  step: number
  term: SnapshotRead['term']
  N: number
  T: number
  /** Stored features (the first F of C). */
  F: number
  C: number
  G: number
  lengths: number[]
  values: Float32Array
  rowMean: Float32Array
  rowVar: Float32Array
}

export function decodeSnapshot(s: SnapshotRead): Snapshot {
  return {
    step: s.step,
    term: s.term,
    N: s.batch,
    T: s.timeSteps,
    F: s.values.columns,
    C: s.totalFeatures,
    G: s.groups,
    lengths: s.lengths,
    values: unpackFloat32(s.values),
    rowMean: unpackFloat32(s.rowMean),
    rowVar: unpackFloat32(s.rowVar),
  }
}

export const isValid = (s: Snapshot, n: number, t: number): boolean => t < s.lengths[n]!
export const valueAt = (s: Snapshot, n: number, t: number, f: number): number => s.values[(n * s.T + t) * s.F + f]!

/** A cell of the batch × time grid (one feature) or of the batch × features grid (one time step). */
export interface Cell {
  n: number
  t: number
  f: number
}

/** The two grids the explorable draws: samples × time steps for one feature, samples × features at one time step. */
export type Grid = 'time' | 'features'

/** Feature f's group of `groups` over C features. */
const groupOf = (C: number, groups: number, f: number) => Math.floor(f / (C / groups))

/**
 * Whether grid cell (n', t' or f') shares `norm`'s statistic with `at`: per-step BN a column of
 * valid samples, sequence-wise BN every valid cell of the feature, LN and RMSNorm one sample's
 * features at one step, GN the features of one group, InstanceNorm one sample's valid steps of
 * the feature (a row segment of the time grid).
 */
export function shares(
  s: Snapshot,
  norm: NormKind,
  groups: number,
  at: Cell,
  grid: Grid,
  other: { n: number; t: number; f: number },
): boolean {
  const def = normDefinition(norm)
  if (!isValid(s, other.n, other.t)) return false
  switch (def.over) {
    case 'none':
      return false
    case 'batch-step':
      return other.t === at.t && other.f === at.f
    case 'batch-sequence':
      return other.f === at.f
    case 'sample-sequence':
      return other.n === at.n && other.f === at.f
    case 'features':
      if (other.n !== at.n || other.t !== at.t) return false
      return !def.grouped || groupOf(s.C, groups, other.f) === groupOf(s.C, groups, at.f) || grid === 'time'
  }
}

/** Every highlighted cell of a grid, as "n:t" (time grid, feature at.f) or "n:f" (features grid, step at.t): what the page marks, and tests read. */
export function sharedCells(s: Snapshot, norm: NormKind, groups: number, at: Cell, grid: Grid): string[] {
  const out: string[] = []
  for (let n = 0; n < s.N; n++) {
    if (grid === 'time') {
      for (let t = 0; t < s.T; t++) if (shares(s, norm, groups, at, grid, { n, t, f: at.f })) out.push(`${n}:${t}`)
    } else {
      for (let f = 0; f < s.F; f++) if (shares(s, norm, groups, at, grid, { n, t: at.t, f })) out.push(`${n}:${f}`)
    }
  }
  return out
}

export interface Statistic {
  /** μ (0 for a norm that does not center). */
  mean: number
  /** σ² (RMSNorm: the mean square). */
  variance: number
  /** How many values μ and σ come from. */
  count: number
  value: number
  /** (x − μ) / √(σ² + ε). */
  xhat: number
  center: boolean
}

/** Moments of every valid value of feature f over the cells `take` picks (population variance, as BN's). */
function columnMoments(
  s: Snapshot,
  f: number,
  take: (n: number, t: number) => boolean,
): { mean: number; variance: number; count: number } {
  let sum = 0
  let count = 0
  for (let n = 0; n < s.N; n++)
    for (let t = 0; t < s.T; t++)
      if (isValid(s, n, t) && take(n, t)) {
        sum += valueAt(s, n, t, f)
        count++
      }
  if (count === 0) return { mean: Number.NaN, variance: Number.NaN, count: 0 }
  const mean = sum / count
  let sq = 0
  for (let n = 0; n < s.N; n++)
    for (let t = 0; t < s.T; t++) if (isValid(s, n, t) && take(n, t)) sq += (valueAt(s, n, t, f) - mean) ** 2
  return { mean, variance: sq / count, count }
}

/**
 * Moments over one (n, t) row's features in `groups` groups from the stored group moments: equal
 * groups combine exactly (the mean of means; the mean of variances plus the variance of means).
 */
function rowMoments(
  s: Snapshot,
  n: number,
  t: number,
  groups: number,
  group: number,
): { mean: number; variance: number; count: number } | null {
  const base = (n * s.T + t) * s.G
  if (groups === s.G) return { mean: s.rowMean[base + group]!, variance: s.rowVar[base + group]!, count: s.C / groups }
  if (groups !== 1) return null
  let mean = 0
  for (let g = 0; g < s.G; g++) mean += s.rowMean[base + g]! / s.G
  let variance = 0
  for (let g = 0; g < s.G; g++) variance += (s.rowVar[base + g]! + (s.rowMean[base + g]! - mean) ** 2) / s.G
  return { mean, variance, count: s.C }
}

/** The statistic `norm` normalizes cell `at` with, in this batch; null where the cell is padding or the snapshot cannot tell (GN with other groups than stored). */
export function statisticAt(s: Snapshot, norm: NormKind, groups: number, at: Cell, eps: number): Statistic | null {
  if (!isValid(s, at.n, at.t)) return null
  const def = normDefinition(norm)
  const value = valueAt(s, at.n, at.t, at.f)
  let m: { mean: number; variance: number; count: number } | null
  switch (def.over) {
    case 'none':
      return { mean: 0, variance: 1 - eps, count: 1, value, xhat: value, center: false }
    case 'batch-step':
      m = columnMoments(s, at.f, (_, t) => t === at.t)
      break
    case 'batch-sequence':
      m = columnMoments(s, at.f, () => true)
      break
    case 'sample-sequence':
      m = columnMoments(s, at.f, (n) => n === at.n)
      break
    case 'features':
      m = rowMoments(s, at.n, at.t, def.grouped ? groups : 1, def.grouped ? groupOf(s.C, groups, at.f) : 0)
      break
  }
  if (!m) return null
  // RMSNorm does not center: its "variance" is the mean square, E[x²] = σ² + μ².
  const mean = def.center ? m.mean : 0
  const variance = def.center ? m.variance : m.variance + m.mean ** 2
  return { mean, variance, count: m.count, value, xhat: (value - mean) / Math.sqrt(variance + eps), center: def.center }
}

/** At every time step: how many values the statistic of the cell in row n, feature f comes from, and its σ (the explorable's "step through time"). */
export function perStep(
  s: Snapshot,
  norm: NormKind,
  groups: number,
  n: number,
  f: number,
  eps: number,
): { t: number; count: number; sigma: number | null }[] {
  return Array.from({ length: s.T }, (_, t) => {
    // The cell whose statistic is drawn: this sample where it is valid, else the first sample still
    // valid at t — the batch's statistic goes on while any sample is valid (LN's count stays the
    // features, BN's the valid samples), and drops to 0 only where no sample is.
    const row = isValid(s, n, t) ? n : s.lengths.findIndex((l) => l > t)
    const stat = row >= 0 ? statisticAt(s, norm, groups, { n: row, t, f }, eps) : null
    return { t, count: stat?.count ?? 0, sigma: stat ? Math.sqrt(stat.variance) : null }
  })
}

/** The longest training sequence of a run: where its population statistics end. */
export const trainedLength = (config: Pick<TrainConfig, 'lengths'>): number => maxLength(config.lengths)

/**
 * At test time, which population statistic per-step BN uses at step t under a policy: its own
 * step's within the trained length; past it the last trained step's, the average over trained
 * steps, the test batch's own statistics, or none (the policy refuses).
 */
export function populationUse(
  t: number,
  trainedLength: number,
  policy: Policy,
): { kind: 'own' | 'last' | 'global' | 'batch' | 'none'; step: number | null } {
  if (t < trainedLength) return { kind: 'own', step: t }
  switch (policy) {
    case 'last':
      return { kind: 'last', step: trainedLength - 1 }
    case 'global':
      return { kind: 'global', step: null }
    case 'batch':
      return { kind: 'batch', step: null }
    case 'error':
      return { kind: 'none', step: null }
  }
}
