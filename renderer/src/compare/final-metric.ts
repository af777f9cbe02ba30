// The metric a study's summary charts compare (the held-out loss where the runs evaluated, else the
// training loss) and each run's last value of it: what the batch-size and parallel views plot.
import type { MetricSeries, Run } from '../../../shared/contract'

export function finalMetric(series: readonly MetricSeries[]): { metric: string; finalOf: (run: Run) => number | null } {
  const metric = series.some((s) => s.name === 'eval/loss') ? 'eval/loss' : 'loss'
  return {
    metric,
    finalOf: (run) => {
      const s = series.find((x) => x.runId === run.id && x.name === metric)
      return s?.values[s.values.length - 1] ?? null
    },
  }
}
