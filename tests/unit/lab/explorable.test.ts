import { describe, expect, it } from 'vitest'
import { snapshotRecord } from '../../../shared/engine/snapshot'
import { decodeSnapshot, perStep, populationUse, sharedCells, statisticAt } from '../../../shared/lab/views/explorable'

// A batch of 3 samples (lengths 4, 2, 1), 4 time steps, 4 features: value = t + n/10 + f/100, plus noise per cell.
const N = 3
const T = 4
const C = 4
const lengths = [4, 2, 1]
const stacked = new Float32Array(T * N * C).map((_, i) => {
  const f = i % C
  const row = Math.floor(i / C)
  const t = Math.floor(row / N)
  const n = row % N
  return t + n / 10 + f / 100 + Math.sin(i) / 7
})
const record = snapshotRecord('h', stacked, N, T, C, lengths, 2)
const s = decodeSnapshot({ ...record, step: 10 })
const at = (n: number, t: number, f: number) => stacked[(t * N + n) * C + f]!

describe('which values share a statistic', () => {
  it('per-step BN: exactly the valid samples of the cell’s time step (a column), for its feature', () => {
    expect(sharedCells(s, 'bn_step', 1, { n: 0, t: 1, f: 2 }, 'time')).toEqual(['0:1', '1:1'])
    expect(sharedCells(s, 'bn_step', 1, { n: 0, t: 3, f: 2 }, 'time')).toEqual(['0:3'])
    expect(sharedCells(s, 'bn_step', 1, { n: 0, t: 0, f: 2 }, 'features')).toEqual(['0:2', '1:2', '2:2'])
  })

  it('sequence-wise BN: every valid cell of the feature', () => {
    expect(sharedCells(s, 'bn_seq', 1, { n: 1, t: 0, f: 0 }, 'time')).toHaveLength(4 + 2 + 1)
  })

  it('LN and RMSNorm: one sample’s features at one step (a row); GN: its group; none: nothing', () => {
    expect(sharedCells(s, 'ln', 1, { n: 1, t: 1, f: 3 }, 'features')).toEqual(['1:0', '1:1', '1:2', '1:3'])
    expect(sharedCells(s, 'ln', 1, { n: 1, t: 1, f: 3 }, 'time')).toEqual(['1:1'])
    expect(sharedCells(s, 'rms', 1, { n: 1, t: 1, f: 3 }, 'features')).toEqual(['1:0', '1:1', '1:2', '1:3'])
    expect(sharedCells(s, 'gn', 2, { n: 1, t: 1, f: 3 }, 'features')).toEqual(['1:2', '1:3'])
    expect(sharedCells(s, 'none', 1, { n: 1, t: 1, f: 3 }, 'features')).toEqual([])
    // Padding shares nothing.
    expect(sharedCells(s, 'ln', 1, { n: 2, t: 3, f: 0 }, 'features')).toEqual([])
  })

  it('InstanceNorm: one sample’s valid steps of the feature (a row segment), its length behind the statistic', () => {
    expect(sharedCells(s, 'in', 1, { n: 1, t: 0, f: 2 }, 'time')).toEqual(['1:0', '1:1'])
    expect(sharedCells(s, 'in', 1, { n: 0, t: 2, f: 2 }, 'features')).toEqual(['0:2'])
    const stat = statisticAt(s, 'in', 1, { n: 1, t: 1, f: 2 }, 1e-5)!
    expect(stat.count).toBe(2)
    expect(stat.mean).toBeCloseTo((at(1, 0, 2) + at(1, 1, 2)) / 2, 6)
  })
})

describe('the statistic of a cell', () => {
  it('per-step BN: the mean and population variance of the column’s valid values', () => {
    const st = statisticAt(s, 'bn_step', 1, { n: 0, t: 1, f: 2 }, 1e-5)!
    const xs = [at(0, 1, 2), at(1, 1, 2)]
    const mean = (xs[0]! + xs[1]!) / 2
    expect(st.count).toBe(2)
    expect(st.mean).toBeCloseTo(mean, 6)
    expect(st.variance).toBeCloseTo(((xs[0]! - mean) ** 2 + (xs[1]! - mean) ** 2) / 2, 6)
    expect(st.xhat).toBeCloseTo((at(0, 1, 2) - mean) / Math.sqrt(st.variance + 1e-5), 4)
    // One valid sample: no spread, x̂ = 0.
    expect(statisticAt(s, 'bn_step', 1, { n: 0, t: 3, f: 0 }, 1e-5)).toMatchObject({ count: 1, variance: 0, xhat: 0 })
  })

  it('LN over all features from the stored group moments; RMSNorm’s mean square; GN per group', () => {
    const row = [0, 1, 2, 3].map((f) => at(1, 1, f))
    const mean = row.reduce((a, b) => a + b) / 4
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4
    const ln = statisticAt(s, 'ln', 1, { n: 1, t: 1, f: 0 }, 1e-5)!
    expect(ln.count).toBe(4)
    expect(ln.mean).toBeCloseTo(mean, 5)
    expect(ln.variance).toBeCloseTo(variance, 5)
    const rms = statisticAt(s, 'rms', 1, { n: 1, t: 1, f: 0 }, 1e-5)!
    expect(rms.mean).toBe(0)
    expect(rms.variance).toBeCloseTo(row.reduce((a, b) => a + b * b, 0) / 4, 5)
    const gn = statisticAt(s, 'gn', 2, { n: 1, t: 1, f: 3 }, 1e-5)!
    expect(gn.count).toBe(2)
    expect(gn.mean).toBeCloseTo((row[2]! + row[3]!) / 2, 5)
    expect(statisticAt(s, 'ln', 1, { n: 2, t: 2, f: 0 }, 1e-5)).toBeNull()
  })

  it('steps through time: BN’s count falls with the valid samples, LN’s stays the feature count', () => {
    expect(perStep(s, 'bn_step', 1, 0, 0, 1e-5).map((p) => p.count)).toEqual([3, 2, 1, 1])
    expect(perStep(s, 'ln', 1, 0, 0, 1e-5).map((p) => p.count)).toEqual([4, 4, 4, 4])
    expect(perStep(s, 'bn_step', 1, 0, 0, 1e-5)[3]!.sigma).toBe(0)
    // The selected sample (length 1) ends at t = 1: LN's statistic goes on from the samples still
    // valid (it does not "break"), InstanceNorm's is theirs, of their own lengths.
    expect(perStep(s, 'ln', 1, 2, 0, 1e-5).map((p) => p.count)).toEqual([4, 4, 4, 4])
    expect(perStep(s, 'in', 1, 2, 0, 1e-5).map((p) => p.count)).toEqual([1, 4, 4, 4])
  })

  it('names the population statistic BN uses past the trained length, per policy', () => {
    expect(populationUse(2, 4, 'last')).toEqual({ kind: 'own', step: 2 })
    expect(populationUse(6, 4, 'last')).toEqual({ kind: 'last', step: 3 })
    expect(populationUse(6, 4, 'global').kind).toBe('global')
    expect(populationUse(6, 4, 'batch').kind).toBe('batch')
    expect(populationUse(6, 4, 'error').kind).toBe('none')
  })
})
