// The findings' statistics: the t quantile past its table, the power of the verdict rule, and how
// many seeds would settle an inconclusive effect.
import { describe, expect, it } from 'vitest'
import { estimate, power, seedsToSettle, t95, MAX_SEEDS } from '../../../shared/lab/findings/method/stats'

describe('findings statistics', () => {
  it('t quantiles: the table to 30 degrees of freedom, the expansion beyond (R: qt(0.975, df))', () => {
    expect(t95(2)).toBe(4.303)
    expect(t95(40)).toBeCloseTo(2.021, 3)
    expect(t95(60)).toBeCloseTo(2.0003, 3)
    expect(t95(120)).toBeCloseTo(1.9799, 3)
    expect(t95(31)).toBeLessThan(t95(30))
  })
  it('power grows with seeds and with the effect; no effect is "reproduced" at most 2.5 % of the time', () => {
    expect(power('reproduced', 0, 1, 5, 0.1)).toBeLessThan(0.0251) // 0.025 exactly, up to the quadrature's 1e-4
    const byN = [3, 5, 10, 20].map((n) => power('reproduced', 0.5, 0.5, n, 0.1))
    expect(byN).toEqual([...byN].sort((a, b) => a - b))
    expect(power('reproduced', 1, 0.5, 5, 0.1)).toBeGreaterThan(power('reproduced', 0.5, 0.5, 5, 0.1))
    // One-sample t-test power for d = 1, n = 10, two-sided α 0.05 (R: power.t.test): 0.8031.
    expect(power('reproduced', 1, 1, 10, 0)).toBeCloseTo(0.8031, 2)
  })
  it('seeds to settle: the fewest with 80 % power in the direction the data points, or null past the limit', () => {
    const e = estimate([0.3, 0.05, 0.2])
    const n = seedsToSettle(e, 0.1)!
    expect(power('reproduced', e.mean, e.sd!, n, 0.1)).toBeGreaterThanOrEqual(0.8)
    expect(power('reproduced', e.mean, e.sd!, n - 1, 0.1)).toBeLessThan(0.8)
    // A mean below the threshold points to "not reproduced".
    const small = estimate([0.02, -0.01, 0.05])
    const m = seedsToSettle(small, 0.1)!
    expect(power('not_reproduced', small.mean, small.sd!, m, 0.1)).toBeGreaterThanOrEqual(0.8)
    expect(seedsToSettle(estimate([0.1001, -0.5, 0.7]), 0.1)).toBeNull()
    expect(seedsToSettle(estimate([0.3]), 0.1)).toBeNull()
    expect(MAX_SEEDS).toBe(200)
  })
})
