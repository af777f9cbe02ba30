import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { isLanguage } from '../../../shared/i18n'
import { setLabelText } from '../../../shared/lab/findings'
import { groupBySeed } from '../../../shared/lab/views'
import { api } from '../api'
import { ChartBoundary } from '../charts/ChartBoundary'
import { useQuery } from '../data/use-query'
import { hrefOf } from '../state/router'
import { colorAt } from '../charts/setup'
import { BatchSweepSection } from '../compare/BatchSweepSection'
import { ConfigDiff } from '../compare/ConfigDiff'
import { ExportReport } from '../compare/ExportReport'
import { FindingsSection } from '../compare/FindingsSection'
import { HeatmapSection } from '../compare/HeatmapSection'
import { LengthSection } from '../compare/LengthSection'
import { MetricCurves } from '../compare/MetricCurves'
import { ParallelSection } from '../compare/ParallelSection'
import { PopulationSection } from '../compare/PopulationSection'
import { RunAgain } from '../compare/RunAgain'
import { TimestepSection } from '../compare/TimestepSection'

export function ComparePage({ runIds }: { runIds: number[] }) {
  const { t, i18n } = useTranslation()
  const language = isLanguage(i18n.language) ? i18n.language : 'en'
  const key = runIds.join(',')
  // Refresh while a compared run is still writing (status changes, not every data point).
  const query = useQuery(
    key,
    async () => {
      const found = (await Promise.all(runIds.map((id) => api.getRun({ id }).catch(() => null)))).filter(
        (r): r is Run => r !== null,
      )
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
  if (query.status === 'error')
    return (
      <p className="error" role="alert">
        {query.error}
      </p>
    )
  if (!query.data) return <p className="muted">{t('runs.loading')}</p>
  const { runs, series } = query.data
  return (
    <section className="page compare" data-testid="compare-page">
      <h1>{runs.length === 1 ? runs[0]!.name : t('compare.titleN', { count: runs.length })}</h1>
      {/* Runs that differ only by seed are one group: one color, one line (the mean and its band) on every chart. */}
      <ul className="run-chips" data-testid="compare-groups">
        {groupBySeed(runs).map((g) => (
          <li key={g.key} data-testid="compare-group">
            <span className="swatch" style={{ background: colorAt(g.index) }} />
            <strong>{setLabelText(g.label, language)}</strong> · {t('groups.seeds', { count: g.runs.length })}:{' '}
            {g.runs.map((run) => (
              <span key={run.id} className="group-run" title={run.error ?? run.name}>
                #{run.id} <span className="muted">s{run.seed}</span>{' '}
                <span className={`status status-${run.status}`}>{t(`status.${run.status}`)}</span>
              </span>
            ))}
          </li>
        ))}
      </ul>
      {runs.length < runIds.length && <p className="warn">{t('compare.someMissing')}</p>}
      <div className="toolbar">
        <ExportReport runIds={runs.map((r) => r.id)} />
        <RunAgain runs={runs} title={runs.length === 1 ? runs[0]!.name : t('compare.titleN', { count: runs.length })} />
        {runs.some((r) => ((r.config as { snapshots?: unknown[] }).snapshots ?? []).length > 0) && (
          <a
            className="button"
            data-testid="compare-explore"
            href={hrefOf({
              page: 'explore',
              runId: runs.find((r) => ((r.config as { snapshots?: unknown[] }).snapshots ?? []).length > 0)!.id,
              withId: null,
            })}
          >
            {t('compare.explore')}
          </a>
        )}
      </div>
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
      <ChartBoundary name="parallel">
        <ParallelSection runs={runs} series={series} />
      </ChartBoundary>
      <ConfigDiff runs={runs} />
    </section>
  )
}
