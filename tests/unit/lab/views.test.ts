// The chart view models every page and report draws: seeds grouped (one line per setting, the
// mean with a 95 % t-band, each seed kept), labels naming what differs, log scales where values
// span decades, one line per BN policy on the length chart, batch sweeps grouped apart from
// batch size and steps.
import { describe, expect, it } from 'vitest'
import type { EvaluationResult, MetricSeries, Run } from '../../../shared/contract'
import { t95 } from '../../../shared/lab/findings/method/stats'
import {
  batchSweepView,
  curvesView,
  groupBySeed,
  lengthsView,
  meanBand,
  meanSd,
  profileView,
  spansDecades,
} from '../../../shared/lab/views'

let nextId = 1
function run(config: Record<string, unknown>): Run {
  const c = { task: 'adding', cell: 'lstm', norm: 'ln', batchSize: 8, seed: 1, steps: 100, ...config }
  const id = nextId++
  return {
    id,
    uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    host: null,
    studyId: 1,
    name: `run ${id}`,
    status: 'completed',
    config: c as Run['config'],
    configHash: String(id),
    task: c.task as Run['task'],
    cell: c.cell as Run['cell'],
    norm: c.norm as Run['norm'],
    batchSize: c.batchSize as number,
    seed: c.seed as number,
    device: null,
    createdAt: id,
    startedAt: id,
    endedAt: id + 1,
    tags: [],
    notes: '',
    starred: false,
    error: null,
    lease: null,
  }
}

describe('groups of seeds', () => {
  it('runs alike but for the seed are one group, labelled by the settings that differ between groups', () => {
    const runs = [
      run({ norm: 'bn_step', batching: 'pad', seed: 1 }),
      run({ norm: 'ln', batching: 'pad', seed: 1 }),
      run({ norm: 'bn_step', batching: 'pad', seed: 2 }),
      run({ norm: 'bn_step', batching: 'mask', seed: 1 }),
    ]
    const groups = groupBySeed(runs)
    expect(groups.map((g) => g.runs.map((r) => r.id))).toEqual([
      [runs[0]!.id, runs[2]!.id],
      [runs[1]!.id],
      [runs[3]!.id],
    ])
    expect(groups.map((g) => g.index)).toEqual([0, 1, 2])
    // The norm first, then the other settings that differ; never the seed.
    expect(Object.keys(groups[0]!.label)).toEqual(['norm', 'batching'])
    expect(groups[2]!.label).toEqual({ norm: 'bn_step', batching: 'mask' })
  })

  it('names the norm when nothing but the seed differs, and leaves out settings a chart puts on its x axis', () => {
    expect(groupBySeed([run({ seed: 1 }), run({ seed: 2 })]).map((g) => g.label)).toEqual([{ norm: 'ln' }])
    const swept = groupBySeed(
      [
        run({ batchSize: 2, steps: 400 }),
        run({ batchSize: 8, steps: 100 }),
        run({ batchSize: 2, steps: 400, norm: 'bn_step' }),
      ],
      ['batchSize', 'steps'],
    )
    expect(swept.map((g) => g.runs.length)).toEqual([2, 1])
  })

  it('the band is the mean ± t(0.975, n−1)·sd/√n over the seeds that have a value at each x', () => {
    const band = meanBand([
      { x: [0, 1, 2], y: [1, 2, 3] },
      { x: [0, 1, 2], y: [3, null, 5] },
      { x: [0, 2], y: [5, Number.NaN] },
    ])
    expect(band.map((p) => p.n)).toEqual([3, 1, 2])
    const sd = 2 // values 1, 3, 5
    expect(band[0]!.mean).toBe(3)
    expect(band[0]!.high! - 3).toBeCloseTo((t95(2) * sd) / Math.sqrt(3), 12)
    expect(band[0]!.low! - 3).toBeCloseTo((-t95(2) * sd) / Math.sqrt(3), 12)
    // One seed: a mean, no band.
    expect(band[1]).toEqual({ x: 1, mean: 2, low: null, high: null, n: 1 })
  })

  it('on a log scale the band is of logarithms: the geometric mean, an interval above zero even where the arithmetic one is not', () => {
    const per = [
      { x: [0], y: [0.001] },
      { x: [0], y: [0.01] },
      { x: [0], y: [0.1] },
    ]
    const [arithmetic] = meanBand(per)
    expect(arithmetic!.low!).toBeLessThan(0)
    const [geometric] = meanBand(per, 'log')
    expect(geometric!.mean!).toBeCloseTo(0.01, 12)
    const half = (t95(2) * Math.log(10)) / Math.sqrt(3)
    expect(Math.log(geometric!.high! / 0.01)).toBeCloseTo(half, 10)
    expect(Math.log(0.01 / geometric!.low!)).toBeCloseTo(half, 10)
    // No logarithm for values ≤ 0: left out.
    expect(
      meanBand(
        [
          { x: [0], y: [0] },
          { x: [0], y: [2] },
        ],
        'log',
      )[0],
    ).toEqual({ x: 0, mean: 2, low: null, high: null, n: 1 })
  })

  it('a grouped row reads mean ± sample sd, none for one value and nothing for none', () => {
    expect(meanSd([1, 3, null, undefined, Number.NaN])).toEqual({ mean: 2, sd: Math.SQRT2, n: 2 })
    expect(meanSd([4]).sd).toBeNull()
    expect(meanSd([]).mean).toBeNull()
  })
})

describe('charts that read at a glance', () => {
  const series = (runId: number, values: number[]): MetricSeries => ({
    runId,
    name: 'loss',
    steps: values.map((_, i) => i * 10),
    values,
    wallMs: values.map((_, i) => i * 100),
  })

  it('loss curves of LN near zero beside BN start on a log scale; curves within a decade do not', () => {
    const runs = [
      run({ norm: 'bn_step', seed: 1 }),
      run({ norm: 'bn_step', seed: 2 }),
      run({ norm: 'ln', seed: 1 }),
      run({ norm: 'ln', seed: 2 }),
    ]
    const data = [
      series(runs[0]!.id, [1, 0.9, 0.8]),
      series(runs[1]!.id, [1.1, 0.95, 0.85]),
      series(runs[2]!.id, [0.9, 0.05, 0.004]),
      series(runs[3]!.id, [1, 0.06, 0.006]),
    ]
    const view = curvesView(groupBySeed(runs), data, { metric: 'loss', x: 'step', smoothing: 0 })
    expect(view.lines).toHaveLength(2)
    expect(view.lines[1]!.points.map((p) => p.mean)).toEqual([0.95, 0.055, 0.005])
    expect(view.lines[1]!.seeds.map((s) => s.seed)).toEqual([1, 2])
    expect(view.logByDefault).toBe(true)
    const flat = curvesView(groupBySeed(runs.slice(0, 2)), data.slice(0, 2), {
      metric: 'loss',
      x: 'step',
      smoothing: 0,
    })
    expect(flat.logByDefault).toBe(false)
    expect(spansDecades([0.5, -3, 0, null, 4.9])).toBe(false)
    expect(spansDecades([0.5, 5.1])).toBe(true)
  })

  it('on samples seen, each group’s steps are scaled by its batch size: batch 4 and 64 line up at equal samples', () => {
    const runs = [run({ batchSize: 4, seed: 1 }), run({ batchSize: 64, seed: 1 })]
    const data = [series(runs[0]!.id, [1, 0.8, 0.6]), series(runs[1]!.id, [1, 0.5, 0.2])]
    const view = curvesView(groupBySeed(runs), data, { metric: 'loss', x: 'samples', smoothing: 0 })
    expect(view.lines.map((l) => l.points.map((p) => p.x))).toEqual([
      [0, 40, 80],
      [0, 640, 1280],
    ])
    expect(view.lines[1]!.seeds[0]!.points.map((p) => p.x)).toEqual([0, 640, 1280])
  })

  it('each seed is smoothed before the mean, and on wall time a step sits at its seeds’ mean time', () => {
    const [a, b] = [run({ seed: 1 }), run({ seed: 2 })]
    const data = [series(a!.id, [2, 0, 0]), { ...series(b!.id, [2, 0, 0]), wallMs: [0, 300, 500] }]
    const view = curvesView(groupBySeed([a!, b!]), data, { metric: 'loss', x: 'wall', smoothing: 0.5 })
    expect(view.lines[0]!.points.map((p) => p.x)).toEqual([0, 0.2, 0.35])
    // TensorBoard's debiased EMA with weight 0.5: 1/0.5, 0.5/0.75, 0.25/0.875.
    view.lines[0]!.points.forEach((p, i) => expect(p.mean).toBeCloseTo([2, 2 / 3, 2 / 7][i]!, 12))
  })

  it('the length chart has one line per group and BN policy, from each run’s last evaluation', () => {
    const runs = [run({ norm: 'bn_step', seed: 1 }), run({ norm: 'bn_step', seed: 2 })]
    const evals: (EvaluationResult & { runId: number })[] = []
    for (const r of runs)
      for (const policy of ['last', 'global'] as const)
        for (const length of [10, 20]) {
          evals.push({ runId: r.id, step: 50, policy, length, metric: 'loss', value: 9 })
          evals.push({
            runId: r.id,
            step: 100,
            policy,
            length,
            metric: 'loss',
            value: (policy === 'last' ? 1 : 2) * length * r.seed,
          })
        }
    const view = lengthsView(groupBySeed(runs), evals, 'loss')
    expect(view.lines.map((l) => l.variant)).toEqual(['last', 'global'])
    expect(view.lines[0]!.points.map((p) => [p.x, p.mean])).toEqual([
      [10, 15],
      [20, 30],
    ])
    expect(view.lines[1]!.seeds.map((s) => s.points.map((p) => p.y))).toEqual([
      [20, 40],
      [40, 80],
    ])
  })

  it('a batch sweep draws one line per setting over batch sizes, null when there is one batch size', () => {
    const runs = [2, 8, 64].flatMap((batchSize) =>
      [1, 2].map((seed) => run({ norm: 'bn_step', batchSize, steps: 6400 / batchSize, seed })),
    )
    const finals = new Map(runs.map((r) => [r.id, r.batchSize === 2 ? 3 : 1 + r.seed / 10]))
    const view = batchSweepView(runs, (r) => finals.get(r.id) ?? null, 'loss')!
    expect(view.lines).toHaveLength(1)
    expect(view.lines[0]!.points.map((p) => [p.x, p.mean, p.n])).toEqual([
      [2, 3, 2],
      [8, 1.15, 2],
      [64, 1.15, 2],
    ])
    expect(
      batchSweepView(
        runs.filter((r) => r.batchSize === 8),
        () => 1,
        'loss',
      ),
    ).toBeNull()
  })

  it('a profile averages the within-step sd and counts over seeds, and bands the batch mean', () => {
    const runs = [run({ norm: 'bn_step', seed: 1 }), run({ norm: 'bn_step', seed: 2 })]
    const [group] = groupBySeed(runs)
    const view = profileView(group!, [
      { runId: runs[0]!.id, step: 90, count: [8, 8, 1], normCount: [8, 8, 1], mean: [0, 1, null], var: [4, 1, null] },
      { runId: runs[1]!.id, step: 90, count: [8, 6, 2], normCount: [8, 6, 2], mean: [2, 3, 5], var: [0, 9, 0] },
    ])!
    expect(view.mean.map((p) => p.mean)).toEqual([1, 2, 5])
    expect(view.std).toEqual([1, 2, 0])
    expect(view.count).toEqual([8, 7, 1.5])
    expect(profileView({ ...group!, runs: [run({})] }, [])).toBeNull()
  })
})
