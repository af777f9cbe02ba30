// A metric against the training step (or wall time), one line per group of seeds: each seed's
// curve smoothed, then the mean over seeds with its 95 % band. The Compare page and reports draw it.
import type { MetricSeries } from '../../contract/schemas'
import { bands, meanBand, spansDecades, type GroupLine, type RunGroup } from './groups'
import { smooth } from './smoothing'

export interface CurvesView {
  metric: string
  x: CurvesX
  lines: GroupLine[]
  /** The plotted values span more than a decade: the chart starts on a log scale (the user may choose otherwise). */
  logByDefault: boolean
}

/** What the x axis counts: training steps, seconds of training, or samples seen (steps × batch size: the batch-size study's fair axis). */
export type CurvesX = 'step' | 'wall' | 'samples'

export interface CurvesOptions {
  metric: string
  x: CurvesX
  /** EMA weight per seed before averaging (0: raw). */
  smoothing: number
}

export function curvesView(
  groups: readonly RunGroup[],
  series: readonly MetricSeries[],
  options: CurvesOptions,
): CurvesView {
  const lines: GroupLine[] = []
  for (const g of groups) {
    const seeds = g.runs
      .map((run) => ({ run, s: series.find((x) => x.runId === run.id && x.name === options.metric) }))
      .filter((r): r is { run: typeof r.run; s: MetricSeries } => r.s !== undefined && r.s.values.length > 0)
    if (seeds.length === 0) continue
    const smoothed = seeds.map(({ s }) => smooth(s.values, options.smoothing))
    // Seeds align by step; on wall time a step sits at its seeds' mean time.
    let { points, logPoints } = bands(seeds.map(({ s }, i) => ({ x: s.steps, y: smoothed[i]! })))
    if (options.x === 'wall') {
      const wall = meanBand(seeds.map(({ s }) => ({ x: s.steps, y: s.wallMs.map((w) => w / 1000) })))
      const at = new Map(wall.map((p) => [p.x, p.mean]))
      points = points.map((p) => ({ ...p, x: at.get(p.x) ?? p.x }))
      logPoints = logPoints.map((p) => ({ ...p, x: at.get(p.x) ?? p.x }))
    }
    // A group's seeds share its batch size (they differ only by seed).
    const batch = g.runs[0]!.batchSize
    if (options.x === 'samples') {
      points = points.map((p) => ({ ...p, x: p.x * batch }))
      logPoints = logPoints.map((p) => ({ ...p, x: p.x * batch }))
    }
    lines.push({
      group: g.index,
      label: g.label,
      variant: null,
      runIds: seeds.map(({ run }) => run.id),
      points,
      logPoints,
      seeds: seeds.map(({ run, s }, i) => ({
        runId: run.id,
        seed: run.seed,
        points: s.steps.map((step, k) => ({
          x: options.x === 'wall' ? s.wallMs[k]! / 1000 : options.x === 'samples' ? step * batch : step,
          y: smoothed[i]![k]!,
        })),
      })),
    })
  }
  return {
    metric: options.metric,
    x: options.x,
    lines,
    logByDefault: spansDecades(lines.flatMap((l) => l.points.map((p) => p.mean))),
  }
}
