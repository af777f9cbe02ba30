import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { MetricSeries, Run } from '../../../shared/contract'
import { api } from '../api'
import { colorAt } from '../charts/setup'
import { BatchSweepSection } from '../compare/BatchSweepSection'
import { ConfigDiff } from '../compare/ConfigDiff'
import { HeatmapSection } from '../compare/HeatmapSection'
import { LengthSection } from '../compare/LengthSection'
import { MetricCurves } from '../compare/MetricCurves'
import { PopulationSection } from '../compare/PopulationSection'
import { TimestepSection } from '../compare/TimestepSection'

export function ComparePage({ runIds }: { runIds: number[] }) {
  const { t } = useTranslation()
  const [runs, setRuns] = useState<Run[] | null>(null)
  const [series, setSeries] = useState<MetricSeries[]>([])
  const [error, setError] = useState<string | null>(null)
  const key = runIds.join(',')

  // The page is keyed by its run ids (App.tsx), so a new selection starts from fresh state.
  useEffect(() => {
    let cancelled = false
    const ids = key ? key.split(',').map(Number) : []
    if (ids.length === 0) return
    const load = async () => {
      const found = (await Promise.all(ids.map((id) => api.getRun({ id }).catch(() => null)))).filter((r): r is Run => r !== null)
      const metrics = found.length ? await api.queryMetrics({ runIds: found.map((r) => r.id) }) : { series: [] }
      if (!cancelled) {
        setRuns(found)
        setSeries(metrics.series)
      }
    }
    load().catch((e: unknown) => !cancelled && setError((e as Error).message))
    // Refresh while a compared run is still writing.
    const off = api.onEvent('runsChanged', (e) => {
      if (e.runIds.some((id) => ids.includes(id)) && e.change !== 'data') void load()
    })
    return () => {
      cancelled = true
      off()
    }
  }, [key])

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
  if (error) return <p className="error">{error}</p>
  if (!runs) return <p className="muted">{t('runs.loading')}</p>
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
      <MetricCurves runs={runs} series={series} />
      <TimestepSection runs={runs} />
      <HeatmapSection runs={runs} />
      <PopulationSection runs={runs} />
      <LengthSection runs={runs} />
      <BatchSweepSection runs={runs} series={series} />
      <ConfigDiff runs={runs} />
    </section>
  )
}
