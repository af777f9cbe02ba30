import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import type { MetricSeries, Run } from '../../../shared/contract'
import { LineChart, type Series } from '../charts/LineChart'
import { colorAt } from '../charts/setup'

/** Final metric against batch size, one line per norm (averaged over seeds). */
export function BatchSweepSection({ runs, series }: { runs: Run[]; series: MetricSeries[] }) {
  const { t } = useTranslation()
  const sizes = new Set(runs.map((r) => r.batchSize))
  const metric = series.some((s) => s.name === 'eval/loss') ? 'eval/loss' : 'loss'
  const metricLabel = t(`metricName.${metric.replace('/', '_')}`, { defaultValue: metric })
  const lines = useMemo<Series[]>(() => {
    const byNorm = new Map<string, Map<number, number[]>>()
    for (const run of runs) {
      const s = series.find((x) => x.runId === run.id && x.name === metric)
      const last = s?.values[s.values.length - 1]
      if (last === undefined) continue
      const bySize = byNorm.get(run.norm) ?? new Map<number, number[]>()
      bySize.set(run.batchSize, [...(bySize.get(run.batchSize) ?? []), last])
      byNorm.set(run.norm, bySize)
    }
    return [...byNorm].map(([norm, bySize], i) => ({
      label: t(`norm.${norm}`),
      points: [...bySize].sort(([a], [b]) => a - b).map(([x, ys]) => ({ x, y: ys.reduce((a, b) => a + b, 0) / ys.length })),
      color: colorAt(i),
    }))
  }, [runs, series, metric, t])
  if (sizes.size < 2) return null
  return (
    <section className="card" data-testid="batch-sweep">
      <h2>{t('compare.batchSweep')}</h2>
      <p className="muted">{t('compare.batchSweepBody', { metric: metricLabel })}</p>
      <LineChart series={lines} xTitle={t('runs.columns.batch')} yTitle={metricLabel} logY={false} zoom={false} />
    </section>
  )
}
