import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { api } from '../api'
import { ChartBoundary } from '../charts/ChartBoundary'
import { useQuery } from '../data/use-query'
import { colorAt } from '../charts/setup'
import { BatchSweepSection } from '../compare/BatchSweepSection'
import { ConfigDiff } from '../compare/ConfigDiff'
import { ExportReport } from '../compare/ExportReport'
import { FindingsSection } from '../compare/FindingsSection'
import { HeatmapSection } from '../compare/HeatmapSection'
import { LengthSection } from '../compare/LengthSection'
import { MetricCurves } from '../compare/MetricCurves'
import { PopulationSection } from '../compare/PopulationSection'
import { TimestepSection } from '../compare/TimestepSection'

export function ComparePage({ runIds }: { runIds: number[] }) {
  const { t } = useTranslation()
  const key = runIds.join(',')
  // Refresh while a compared run is still writing (status changes, not every data point).
  const query = useQuery(
    key,
    async () => {
      const found = (await Promise.all(runIds.map((id) => api.getRun({ id }).catch(() => null)))).filter((r): r is Run => r !== null)
      const metrics = found.length ? await api.queryMetrics({ runIds: found.map((r) => r.id) }) : { series: [] }
      return { runs: found, series: metrics.series }
    },
    { enabled: runIds.length > 0, refreshOn: (e) => e.change !== 'data' && e.runIds.some((id) => runIds.includes(id)) },
  )

  if (runIds.length === 0) {
    return (
      <section className="page">
        <h1>{t('compare.title')}</h1>
        <div className="empty-state">
          <p>{t('compare.body')}</p>
          <a className="button" href="#/runs">
            {t('nav.runs')}
          </a>
        </div>
      </section>
    )
  }
  if (query.status === 'error') return <p className="error" role="alert">{query.error}</p>
  if (!query.data) return <p className="muted">{t('runs.loading')}</p>
  const { runs, series } = query.data
  return (
    <section className="page compare" data-testid="compare-page">
      <h1>{runs.length === 1 ? runs[0]!.name : t('compare.titleN', { count: runs.length })}</h1>
      <ul className="run-chips">
        {runs.map((run, i) => (
          <li key={run.id}>
            <span className="swatch" style={{ background: colorAt(i) }} />#{run.id} {run.name} · <span className={`status status-${run.status}`}>{t(`status.${run.status}`)}</span>
            {run.device && <span className="muted"> · {run.device.backend}{run.device.gpuRenderer ? ` (${run.device.gpuRenderer})` : ''}</span>}
            {run.error && <span className="error"> · {run.error}</span>}
          </li>
        ))}
      </ul>
      {runs.length < runIds.length && <p className="warn">{t('compare.someMissing')}</p>}
      <ExportReport runIds={runs.map((r) => r.id)} />
      <ChartBoundary name="findings">
        <FindingsSection runIds={runs.map((r) => r.id)} />
      </ChartBoundary>
      {/* One broken section never blanks the page. */}
      <ChartBoundary name="curves">
        <MetricCurves runs={runs} series={series} />
      </ChartBoundary>
      <ChartBoundary name="timesteps">
        <TimestepSection runs={runs} />
      </ChartBoundary>
      <ChartBoundary name="heatmap">
        <HeatmapSection runs={runs} />
      </ChartBoundary>
      <ChartBoundary name="population">
        <PopulationSection runs={runs} />
      </ChartBoundary>
      <ChartBoundary name="lengths">
        <LengthSection runs={runs} />
      </ChartBoundary>
      <ChartBoundary name="batch-sweep">
        <BatchSweepSection runs={runs} series={series} />
      </ChartBoundary>
      <ConfigDiff runs={runs} />
    </section>
  )
}
