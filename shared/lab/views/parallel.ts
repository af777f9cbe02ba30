// Settings against a metric across a study (W&B's parallel coordinates): one vertical axis per
// setting that differs between the runs, the metric last; each run one line through its values.
// Categories sit evenly on their axis in their natural order (numbers by value); the metric's axis
// is logarithmic where its values span more than a decade, so LN's loss does not lie flat at 0.
import { canonicalJson } from '../../canonical-json'
import type { Run } from '../../contract/schemas'
import { spansDecades } from './groups'

export interface ParallelAxis {
  key: string
  /** The axis's values bottom to top, as stored (JSON for a structured setting). */
  values: string[]
}

export interface ParallelLine {
  runId: number
  /** 0 (bottom) … 1 (top) on each setting's axis, then on the metric's. */
  positions: number[]
  value: number
}

export interface ParallelView {
  axes: ParallelAxis[]
  metric: { name: string; min: number; max: number; log: boolean }
  lines: ParallelLine[]
  /** Runs with no value of the metric: named, not drawn. */
  missing: number[]
}

/** Settings that can differ and say something (not the run's name or where its data came from). */
const IGNORED = new Set(['dataFile'])

export function parallelView(
  runs: readonly Run[],
  value: (run: Run) => number | null,
  metric: string,
): ParallelView | null {
  const withValue = runs
    .map((run) => ({ run, v: value(run) }))
    .filter((r): r is { run: Run; v: number } => r.v !== null && Number.isFinite(r.v))
  if (withValue.length < 2) return null
  const configs = withValue.map((r) => r.run.config as Record<string, unknown>)
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))].filter(
    (k) => !IGNORED.has(k) && new Set(configs.map((c) => canonicalJson(c[k]))).size > 1,
  )
  // The norm first (what a reader looks for), the seed last before the metric.
  keys.sort((a, b) =>
    a === 'norm' ? -1 : b === 'norm' ? 1 : a === 'seed' ? 1 : b === 'seed' ? -1 : a.localeCompare(b),
  )
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : canonicalJson(v))
  const axes: ParallelAxis[] = keys.map((key) => {
    const raw = [...new Map(configs.map((c) => [text(c[key]), c[key]])).entries()]
    raw.sort(([a, x], [b, y]) => (typeof x === 'number' && typeof y === 'number' ? x - y : a.localeCompare(b)))
    return { key, values: raw.map(([t]) => t) }
  })
  const values = withValue.map((r) => r.v)
  const log = values.every((v) => v > 0) && spansDecades(values)
  const scale = (v: number) => (log ? Math.log10(v) : v)
  const min = Math.min(...values)
  const max = Math.max(...values)
  const span = scale(max) - scale(min) || 1
  const place = (axis: ParallelAxis, v: unknown) =>
    axis.values.length === 1 ? 0.5 : axis.values.indexOf(text(v)) / (axis.values.length - 1)
  return {
    axes,
    metric: { name: metric, min, max, log },
    lines: withValue.map(({ run, v }) => ({
      runId: run.id,
      positions: [
        ...axes.map((a) => place(a, (run.config as Record<string, unknown>)[a.key])),
        (scale(v) - scale(min)) / span,
      ],
      value: v,
    })),
    missing: runs.filter((r) => !withValue.some((w) => w.run.id === r.id)).map((r) => r.id),
  }
}
