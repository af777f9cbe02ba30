import { describe, expect, it } from 'vitest'
import { pack, packPopulation, packStats, unpack, unpackPopulation, unpackStats } from '../../../renderer/src/training/packing'

describe('worker message packing', () => {
  it('round-trips matrices, nulls included, as one transferable buffer each', () => {
    const rows = [
      [1.5, -2, null],
      [null, null, null],
      [0.25, 3, 4],
    ]
    const packed = pack(rows)
    expect(packed).toMatchObject({ rows: 3, columns: 3 })
    expect(unpack(packed)).toEqual(rows)
  })

  it('round-trips per-timestep statistics and population snapshots', () => {
    const records = [
      { step: 3, layer: 0, term: 'x' as const, count: [2, 1], normCount: [2, 1], mean: [0.5, 1], var: [0.25, 0], featureMean: [[0.5, 0.5], [1, 1]], featureVar: [[0.25, 0.25], [0, 0]] },
      { step: 3, layer: 0, term: 'h' as const, count: [2, 1], mean: [0, 0], var: [0, 0] },
    ]
    const { records: packed, transfer } = packStats(records)
    expect(transfer).toHaveLength(2)
    expect(unpackStats(packed)).toEqual(records)
    const report = { step: 9, records: [{ layer: 0, term: 'c' as const, mean: [[0.1], [0.2]], var: [[1], [0.5]], seen: [9, 3] }] }
    const p = packPopulation(report)
    expect(p.transfer).toHaveLength(2)
    const back = unpackPopulation(p.report)
    expect(back.records[0]!.seen).toEqual([9, 3])
    expect(back.records[0]!.mean[1]![0]).toBeCloseTo(0.2, 6)
  })
})
