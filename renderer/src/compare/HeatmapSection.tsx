import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf, Run, Term } from '../../../shared/contract'
import { api } from '../api'
import { ChartBoundary } from '../charts/ChartBoundary'
import { Heatmap } from '../charts/Heatmap'
import { useQuery } from '../data/use-query'

type Grid = ResponseOf<'getTimestepGrid'>
type Field = Grid['field']

export function HeatmapSection({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const [term, setTerm] = useState<Term>('h')
  const [field, setField] = useState<Field>('mean')
  const query = useQuery(`${runs.map((r) => r.id).join(',')}|${term}|${field}`, async () => {
    // A run without this term's statistics (no LSTM cell state, nothing recorded) has no grid.
    const list = await Promise.all(
      runs.map((r) => api.getTimestepGrid({ runId: r.id, term, field, maxRows: 800 }).catch(() => null)),
    )
    return Object.fromEntries(runs.map((r, i) => [r.id, list[i] ?? null])) as Record<number, Grid | null>
  })
  const grids = query.data ?? {}
  return (
    <section className="card">
      <h2>{t('compare.heatmap')}</h2>
      <p className="muted">{t('compare.heatmapBody')}</p>
      <div className="toolbar">
        <select value={term} onChange={(e) => setTerm(e.target.value as Term)} aria-label={t('compare.term')}>
          <option value="x">{t('termName.x')}</option>
          <option value="h">{t('termName.h')}</option>
          <option value="c">{t('termName.c')}</option>
        </select>
        <select value={field} onChange={(e) => setField(e.target.value as Field)} aria-label={t('compare.field')}>
          {(['mean', 'var', 'count', 'normCount'] as const).map((f) => (
            <option key={f} value={f}>
              {t(`gridField.${f}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="grid-auto">
        {runs.map((run) => {
          const g = grids[run.id]
          return g && g.steps.length > 0 ? (
            <ChartBoundary key={run.id} name={`heatmap-${run.id}`}>
              <Heatmap
                steps={g.steps}
                values={g.values}
                timeSteps={g.timeSteps}
                label={`#${run.id} ${t(`norm.${run.norm}`)} · ${t('runs.columns.batch')} ${run.batchSize}`}
                testId={`heatmap-${run.id}`}
              />
            </ChartBoundary>
          ) : (
            <p key={run.id} className="muted">
              #{run.id}: {t('compare.noStatsForRun')}
            </p>
          )
        })}
      </div>
    </section>
  )
}
