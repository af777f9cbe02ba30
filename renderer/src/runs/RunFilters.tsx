// The Runs page's filter bar: text, study, task, cell, norm, batch size, status, tag; seed
// grouping and the metric the table summarizes.
import { useTranslation } from 'react-i18next'
import type { Study } from '../../../shared/contract'
import { CELLS, NORMS, RUN_STATUSES, SUMMARY_METRICS, TASKS } from '../../../shared/kinds'
import { updateSettings, useSettings } from '../state/settings'
import { EMPTY_FILTER, type RunFilter } from './filter'

interface Props {
  filter: RunFilter
  onFilter: (update: (f: RunFilter) => RunFilter) => void
  studies: readonly Study[]
  metric: string
  onMetric: (metric: string) => void
}

export function RunFilters({ filter, onFilter, studies, metric, onMetric }: Props) {
  const { t } = useTranslation()
  const { groupSeeds } = useSettings()
  const set = (key: keyof RunFilter) => (e: { target: { value: string } }) =>
    onFilter((f) => ({ ...f, [key]: e.target.value }))
  return (
    <div className="filters" role="search">
      <input
        placeholder={t('runs.filter.text')}
        aria-label={t('runs.filter.text')}
        value={filter.text}
        onChange={set('text')}
        data-testid="filter-text"
      />
      <select
        aria-label={t('runs.columns.study')}
        value={filter.study}
        onChange={set('study')}
        data-testid="filter-study"
      >
        <option value="">{t('runs.filter.anyStudy')}</option>
        {studies.map((st) => (
          <option key={st.id} value={st.id}>
            #{st.id} {st.name}
          </option>
        ))}
      </select>
      <select aria-label={t('runs.columns.task')} value={filter.task} onChange={set('task')}>
        <option value="">{t('runs.filter.anyTask')}</option>
        {TASKS.map((task) => (
          <option key={task} value={task}>
            {t(`tasks.${task}.name`)}
          </option>
        ))}
      </select>
      <select aria-label={t('runs.columns.cell')} value={filter.cell} onChange={set('cell')}>
        <option value="">{t('runs.filter.anyCell')}</option>
        {CELLS.map((c) => (
          <option key={c} value={c}>
            {c.toUpperCase()}
          </option>
        ))}
      </select>
      <select aria-label={t('runs.columns.norm')} value={filter.norm} onChange={set('norm')} data-testid="filter-norm">
        <option value="">{t('runs.filter.anyNorm')}</option>
        {NORMS.map((n) => (
          <option key={n} value={n}>
            {t(`norm.${n}`)}
          </option>
        ))}
      </select>
      <input
        placeholder={t('runs.columns.batch')}
        aria-label={t('runs.columns.batch')}
        value={filter.batchSize}
        onChange={set('batchSize')}
        inputMode="numeric"
        className="narrow"
      />
      <select aria-label={t('runs.columns.status')} value={filter.status} onChange={set('status')}>
        <option value="">{t('runs.filter.anyStatus')}</option>
        {RUN_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`status.${s}`)}
          </option>
        ))}
      </select>
      <input
        placeholder={t('runs.filter.tag')}
        aria-label={t('runs.filter.tag')}
        value={filter.tag}
        onChange={set('tag')}
        className="narrow"
      />
      <button type="button" onClick={() => onFilter(() => EMPTY_FILTER)}>
        {t('runs.filter.clear')}
      </button>
      <label>
        <input
          type="checkbox"
          checked={groupSeeds}
          onChange={(e) => updateSettings({ groupSeeds: e.target.checked })}
          data-testid="group-seeds"
        />{' '}
        {t('groups.grouped')}
      </label>
      <label className="metric-pick">
        <span>{t('runs.metric')}</span>
        <select value={metric} onChange={(e) => onMetric(e.target.value)} data-testid="summary-metric">
          {SUMMARY_METRICS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}
