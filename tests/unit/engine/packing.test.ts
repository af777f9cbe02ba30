import { describe, expect, it } from 'vitest'
import { contract, packMatrix, unpackMatrix } from '../../../shared/contract'
import { packPopulation, packStats } from '../../../renderer/src/training/packing'

describe('packed matrices', () => {
  it('round-trip through base64 float32, nulls included', () => {
    const rows = [
      [1.5, -2, null],
      [null, null, null],
      [0.25, 3, 1e-7],
    ]
    const packed = packMatrix(rows)
    expect(packed).toMatchObject({ rows: 3, columns: 3 })
    const back = unpackMatrix(packed)
    expect(back[0]).toEqual([1.5, -2, null])
    expect(back[1]).toEqual([null, null, null])
    expect(back[2]![2]).toBeCloseTo(1e-7, 12)
    for (let n = 0; n < 7; n++) expect(unpackMatrix(packMatrix([Array.from({ length: n }, (_, i) => i)]))).toEqual(n === 0 ? [[]] : [Array.from({ length: n }, (_, i) => i)])
  })

  it('are accepted by the contract where matrices are, and refused when their size is wrong', () => {
    const record = { step: 3, layer: 0, term: 'x' as const, count: [2, 1], mean: [0.5, 1], var: [0.25, 0] }
    const [packed] = packStats([{ ...record, featureMean: [[0.5, 0.5], [1, 1]], featureVar: [[0.25, 0.25], [0, 0]] }])
    expect(contract.appendTimestepStats.request.safeParse({ runId: 1, records: [packed] }).success).toBe(true)
    const short = { ...packed!, featureMean: { rows: 2, columns: 2, base64: packMatrix([[1, 2]]).base64 } }
    const refused = contract.appendTimestepStats.request.safeParse({ runId: 1, records: [short] })
    expect(refused.success).toBe(false)
    const population = packPopulation({ step: 9, records: [{ layer: 0, term: 'c', mean: [[0.1], [0.2]], var: [[1], [0.5]], seen: [9, 3] }] })
    expect(contract.appendPopulationStats.request.safeParse({ runId: 1, ...population }).success).toBe(true)
  })
})
