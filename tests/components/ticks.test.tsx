// Log-axis tick labels a person reads: plain numbers near 1, powers of ten beyond, only 1, 2, 5.
import { describe, expect, it } from 'vitest'
import { logTick } from '../../renderer/src/charts/ticks'

describe('log ticks', () => {
  it('labels 1, 2 and 5 of each decade, plainly near 1 and as powers of ten beyond', () => {
    expect([100, 0.00001, 0.001, 0.002, 0.05, 1, 2, 50, 10000].map(logTick)).toEqual([
      '100',
      '10⁻⁵',
      '0.001',
      '0.002',
      '0.05',
      '1',
      '2',
      '50',
      '10000',
    ])
    expect([2e-6, 5e7, 1e6].map(logTick)).toEqual(['2·10⁻⁶', '5·10⁷', '10⁶'])
    // chart.js places ticks at 3, 4, 6… too: left unlabelled, so a decade reads 1 2 5 10.
    expect([3, 4, 0.03, 7e-5].map(logTick)).toEqual(['', '', '', ''])
    expect([0, -1, Number.NaN].map(logTick)).toEqual(['', '', ''])
  })
})
