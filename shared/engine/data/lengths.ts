// How long training sequences are. Variable lengths are what make BN's late time steps see few
// samples; a long tail provokes it on purpose.
import type { LengthDistribution } from '../../contract/train-config'
import type { Rng } from '../core/rng'

export type { LengthDistribution }

export function maxLength(d: LengthDistribution): number {
  return d.kind === 'fixed' ? d.length : d.max
}

export function sampleLength(d: LengthDistribution, rng: Rng): number {
  switch (d.kind) {
    case 'fixed':
      return d.length
    case 'uniform':
      return rng.int(d.min, d.max)
    case 'longtail': {
      // Geometric with mean a quarter of the range, cut at max.
      const p = 1 / (1 + (d.max - d.min) / 4)
      const k = Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p))
      return Math.min(d.max, d.min + k)
    }
  }
}

/** P(length = L) for every L from 1 to the longest, under the distribution. */
export function lengthProbabilities(d: LengthDistribution): number[] {
  const top = maxLength(d)
  const p = new Array<number>(top + 1).fill(0)
  if (d.kind === 'fixed') p[d.length] = 1
  else if (d.kind === 'uniform') for (let L = d.min; L <= d.max; L++) p[L] = 1 / (d.max - d.min + 1)
  else {
    // sampleLength: min + a geometric number of extra steps, cut at max (the tail's mass lands there).
    const q = 1 / (1 + (d.max - d.min) / 4)
    let left = 1
    for (let L = d.min; L < d.max; L++) {
      p[L] = q * (1 - q) ** (L - d.min)
      left -= p[L]!
    }
    p[d.max] = Math.max(0, left)
  }
  return p
}

/**
 * The longest sequence whose every time step had at least half of a training batch valid on
 * average: the largest L with P(length ≥ L) ≥ ½. BN's per-step statistics up to there were well
 * fed in training; past it they came from fewer and fewer samples.
 */
export function wellFedLength(d: LengthDistribution): number {
  const p = lengthProbabilities(d)
  let atLeast = 0
  for (let L = p.length - 1; L >= 1; L--) {
    atLeast += p[L]!
    if (atLeast >= 0.5 - 1e-12) return L
  }
  return 1
}
