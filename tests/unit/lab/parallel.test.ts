// Parallel coordinates: an axis per setting that differs (norm first, seed last), categories in
// their order (numbers by value), the metric last on a log axis where it spans decades.
import { describe, expect, it } from 'vitest'
import type { Run } from '../../../shared/contract'
import { parallelView } from '../../../shared/lab/views'

let id = 0
const run = (config: Record<string, unknown>): Run =>
  ({
    id: ++id,
    config: { task: 'adding', cell: 'lstm', norm: 'ln', batchSize: 16, seed: 1, ...config },
  }) as unknown as Run

describe('parallel coordinates', () => {
  it('places each run on an axis per differing setting and on the metric', () => {
    const runs = [
      run({ norm: 'bn_step', batchSize: 64, seed: 1 }),
      run({ norm: 'bn_step', batchSize: 4, seed: 2 }),
      run({ norm: 'ln', batchSize: 16, seed: 1 }),
      run({ norm: 'ln', batchSize: 4, seed: 2 }),
    ]
    const losses = new Map([
      [runs[0]!.id, 0.1],
      [runs[1]!.id, 0.5],
      [runs[2]!.id, 0.001],
      [runs[3]!.id, null],
    ])
    const view = parallelView(runs, (r) => losses.get(r.id) ?? null, 'loss')!
    expect(view.axes.map((a) => a.key)).toEqual(['norm', 'batchSize', 'seed'])
    expect(view.axes[1]!.values).toEqual(['4', '16', '64'])
    expect(view.metric).toEqual({ name: 'loss', min: 0.001, max: 0.5, log: true })
    expect(view.missing).toEqual([runs[3]!.id])
    const first = view.lines.find((l) => l.runId === runs[0]!.id)!
    expect(first.positions.slice(0, 3)).toEqual([0, 1, 0])
    expect(first.positions[3]).toBeCloseTo(
      (Math.log10(0.1) - Math.log10(0.001)) / (Math.log10(0.5) - Math.log10(0.001)),
      12,
    )
    expect(view.lines.find((l) => l.runId === runs[2]!.id)!.positions[3]).toBe(0)
  })

  it('needs two runs with a value', () => {
    expect(parallelView([run({})], () => 1, 'loss')).toBeNull()
  })
})
