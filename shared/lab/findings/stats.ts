// Seed statistics for findings: a measured effect is a list of per-seed values, summarized by its
// mean, its sample standard deviation and a t-interval. Plain loops, no dependencies.

export interface Estimate {
  /** One value per seed (or per seed pair). */
  values: number[]
  n: number
  mean: number
  /** Sample standard deviation (n − 1); null with one value. */
  sd: number | null
  /** The 95 % t-interval of the mean; null with one value. */
  low: number | null
  high: number | null
}

/** Two-sided 95 % quantiles of Student's t, for 1 to 30 degrees of freedom (beyond: 1.96). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042]

export function t95(degreesOfFreedom: number): number {
  return degreesOfFreedom >= 1 && degreesOfFreedom <= 30 ? T95[degreesOfFreedom - 1]! : 1.96
}

export function mean(values: readonly number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return values.length > 0 ? sum / values.length : Number.NaN
}

export function sampleSd(values: readonly number[]): number | null {
  if (values.length < 2) return null
  const m = mean(values)
  let sum = 0
  for (const v of values) sum += (v - m) ** 2
  return Math.sqrt(sum / (values.length - 1))
}

export function estimate(values: readonly number[]): Estimate {
  const finite = values.filter(Number.isFinite)
  const n = finite.length
  const m = mean(finite)
  const sd = sampleSd(finite)
  const half = sd === null ? null : (t95(n - 1) * sd) / Math.sqrt(n)
  return { values: finite, n, mean: m, sd, low: half === null ? null : m - half, high: half === null ? null : m + half }
}

/**
 * The difference a − b of two groups measured over seeds: paired by seed where both have the
 * same seeds (the seed's shared data and initialization cancel out), else Welch's unpaired
 * difference of the means.
 */
export function difference(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): Estimate {
  const shared = [...a.keys()].filter((seed) => b.has(seed))
  if (shared.length > 0 && shared.length === a.size && shared.length === b.size) return estimate(shared.map((seed) => a.get(seed)! - b.get(seed)!))
  const ea = estimate([...a.values()])
  const eb = estimate([...b.values()])
  const m = ea.mean - eb.mean
  if (ea.sd === null || eb.sd === null) return { values: [m], n: 1, mean: m, sd: null, low: null, high: null }
  const va = ea.sd ** 2 / ea.n
  const vb = eb.sd ** 2 / eb.n
  const se = Math.sqrt(va + vb)
  // Welch–Satterthwaite degrees of freedom.
  const df = Math.max(1, Math.floor((va + vb) ** 2 / (va ** 2 / (ea.n - 1) + vb ** 2 / (eb.n - 1))))
  return { values: [m], n: Math.min(ea.n, eb.n), mean: m, sd: se * Math.sqrt(Math.min(ea.n, eb.n)), low: m - t95(df) * se, high: m + t95(df) * se }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The mean of a row's finite values (missing ones skipped), or null when there is none. */
export function meanOfFinite(row: readonly (number | null | undefined)[]): number | null {
  let sum = 0
  let n = 0
  for (const v of row) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue
    sum += v
    n++
  }
  return n > 0 ? sum / n : null
}
