// How long training sequences are. Variable lengths are what make BN's late time steps see few
// samples; a long tail provokes it on purpose.
import { z } from 'zod'
import type { Rng } from '../rng'

export const LengthDistribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), length: z.number().int().min(1).max(2000) }),
  z.strictObject({ kind: z.literal('uniform'), min: z.number().int().min(1).max(2000), max: z.number().int().min(1).max(2000) }),
  /** Mostly short, rarely long: P(length = min + k) falls geometrically with k. */
  z.strictObject({ kind: z.literal('longtail'), min: z.number().int().min(1).max(2000), max: z.number().int().min(1).max(2000) }),
])
export type LengthDistribution = z.infer<typeof LengthDistribution>

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
