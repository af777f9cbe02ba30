// Seed statistics for findings: a measured effect is a list of per-seed values, summarized by its
// mean, its sample standard deviation and a 95 % t-interval; how likely the verdict rule is to
// reach a verdict with n seeds (power), and how many seeds would likely settle an inconclusive
// one. Plain loops, no dependencies.

export interface Estimate {
  /** One value per seed (or per seed pair). */
  values: number[]
  n: number
  mean: number
  /** Sample standard deviation (n − 1); null with one value. */
  sd: number | null
  /** The t-interval of the mean at `level` (95 % unless the study was grown in rounds); null with one value. */
  low: number | null
  high: number | null
  /** The interval's confidence level (0.95; wider for a study settled in rounds: sequential.ts). */
  level: number
}

/** Two-sided 95 % quantiles of Student's t, for 1 to 30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]
const Z975 = 1.959964

/** The 97.5 % quantile of Student's t (the half-width factor of a 95 % interval). */
export function t95(degreesOfFreedom: number): number {
  if (degreesOfFreedom >= 1 && degreesOfFreedom <= 30) return T95[Math.round(degreesOfFreedom) - 1]!
  // Cornish–Fisher expansion in 1/ν: within 1e-4 of the exact quantile from 30 degrees of freedom on.
  const v = degreesOfFreedom
  const z = Z975
  return (
    z +
    (z ** 3 + z) / (4 * v) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3)
  )
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

/** The half-width factor of a two-sided interval at `level` with the given degrees of freedom. */
export function tFactor(level: number, degreesOfFreedom: number): number {
  return level === 0.95 ? t95(degreesOfFreedom) : tQuantile(1 - (1 - level) / 2, degreesOfFreedom)
}

export function estimate(values: readonly number[], level = 0.95): Estimate {
  const finite = values.filter(Number.isFinite)
  const n = finite.length
  const m = mean(finite)
  const sd = sampleSd(finite)
  const half = sd === null ? null : (tFactor(level, n - 1) * sd) / Math.sqrt(n)
  return {
    values: finite,
    n,
    mean: m,
    sd,
    low: half === null ? null : m - half,
    high: half === null ? null : m + half,
    level,
  }
}

// ---- Student's t at any level ------------------------------------------------------------------

/** The regularized incomplete beta function I_x(a, b) (Numerical Recipes' continued fraction, Lentz). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a)
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-14) break
  }
  return (front * h) / a
}

/** P(T ≤ t) for Student's t with ν degrees of freedom. */
export function tCdf(t: number, degreesOfFreedom: number): number {
  const v = degreesOfFreedom
  const tail = 0.5 * incompleteBeta(v / (v + t * t), v / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** The p-quantile of Student's t (p > ½), by bisection on tCdf: 1e-10 in t. */
export function tQuantile(p: number, degreesOfFreedom: number): number {
  let low = 0
  let high = 1
  while (tCdf(high, degreesOfFreedom) < p) high *= 2
  for (let i = 0; i < 200 && high - low > 1e-10; i++) {
    const mid = (low + high) / 2
    if (tCdf(mid, degreesOfFreedom) < p) low = mid
    else high = mid
  }
  return (low + high) / 2
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

/** The geometric mean of positive values (losses), or null. */
export function geometricMean(values: readonly number[]): number | null {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log)
  return logs.length > 0 ? Math.exp(mean(logs)) : null
}

/** A signed square root: keeps the sign of a noise-corrected squared quantity that can come out negative. */
export function signedRoot(x: number): number {
  return Math.sign(x) * Math.sqrt(Math.abs(x))
}

// ---- power: how often the verdict rule reaches a verdict ----------------------------------------

/** The standard normal CDF, through Abramowitz–Stegun 7.1.26's erfc (|error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * z)
  const erfc =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z)
  return x >= 0 ? 1 - erfc / 2 : erfc / 2
}

function logGamma(x: number): number {
  // Lanczos (g = 7, n = 9): ~15 digits for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  x -= 1
  let a = c[0]!
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/**
 * Quadrature nodes for an expectation over the sample sd s of n normal values of sd 1:
 * (n − 1)s² is χ² with n − 1 degrees of freedom. Midpoint rule over k ± 12·√(2k), where the
 * density lives (exact to ~1e-5); cached per n, since power() is called for many n.
 */
const NODES = new Map<number, { s: Float64Array; w: Float64Array }>()
function sampleSdNodes(n: number): { s: Float64Array; w: Float64Array } {
  const cached = NODES.get(n)
  if (cached) return cached
  const k = n - 1
  const bottom = Math.max(0, k - 12 * Math.sqrt(2 * k))
  const top = k + 12 * Math.sqrt(2 * k) + 30
  const steps = 600
  const du = (top - bottom) / steps
  const logNorm = -(k / 2) * Math.log(2) - logGamma(k / 2)
  const s = new Float64Array(steps)
  const w = new Float64Array(steps)
  let total = 0
  for (let i = 0; i < steps; i++) {
    const u = bottom + (i + 0.5) * du
    s[i] = Math.sqrt(u / k)
    w[i] = Math.exp(logNorm + (k / 2 - 1) * Math.log(u) - u / 2) * du
    total += w[i]!
  }
  for (let i = 0; i < steps; i++) w[i] = w[i]! / total
  const nodes = { s, w }
  NODES.set(n, nodes)
  return nodes
}

export type Direction = 'reproduced' | 'not_reproduced'

/**
 * The probability that n seeds whose per-seed effects are normal with mean δ and sd σ end in the
 * given verdict under the rule of verdict.ts: "reproduced" needs the interval's low end above 0
 * and the mean at least minEffect; "not reproduced" needs the interval's high end below minEffect.
 * Exact for normal values: integrated over the distribution of the sample sd.
 */
export function power(
  direction: Direction,
  delta: number,
  sigma: number,
  n: number,
  minEffect: number,
  level = 0.95,
): number {
  if (n < 2) return 0
  const se = sigma / Math.sqrt(n)
  const t = tFactor(level, n - 1)
  if (sigma === 0)
    return direction === 'reproduced' ? (delta > 0 && delta >= minEffect ? 1 : 0) : delta < minEffect ? 1 : 0
  const nodes = sampleSdNodes(n)
  let p = 0
  for (let i = 0; i < nodes.s.length; i++) {
    const half = (t * sigma * nodes.s[i]!) / Math.sqrt(n)
    // mean ~ N(δ, σ²/n), independent of s.
    p +=
      nodes.w[i]! *
      (direction === 'reproduced'
        ? 1 - normalCdf((Math.max(half, minEffect) - delta) / se)
        : normalCdf((minEffect - half - delta) / se))
  }
  return p
}

/** At most this many seeds are suggested; beyond, a finding says "more than" it. */
export const MAX_SEEDS = 200

/**
 * How many seeds would likely settle an inconclusive estimate: the fewest n with at least 80 %
 * probability of a verdict in the direction the data points (reproduced when the mean reaches
 * minEffect, not reproduced otherwise), taking the observed mean and spread as the truth. null:
 * more than MAX_SEEDS, or nothing to go on (fewer than two seeds).
 */
export function seedsToSettle(effect: Estimate, minEffect: number, target = 0.8): number | null {
  if (effect.sd === null || effect.n < 2 || !Number.isFinite(effect.mean)) return null
  const direction: Direction = effect.mean >= minEffect ? 'reproduced' : 'not_reproduced'
  const enough = (n: number) => power(direction, effect.mean, effect.sd!, n, minEffect, effect.level) >= target
  // Power grows with n: double until enough, then halve the gap.
  let high = 2
  while (high < MAX_SEEDS && !enough(high)) high = Math.min(MAX_SEEDS, high * 2)
  if (!enough(high)) return null
  let low = Math.max(1, high >> 1)
  while (high - low > 1) {
    const mid = (low + high) >> 1
    if (enough(mid)) high = mid
    else low = mid
  }
  return high
}
