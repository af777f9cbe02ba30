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
  /** A filter picked from a list, "any" first: each option its value and what it says. */
  const choice = (key: keyof RunFilter, label: string, any: string, options: [string, string][], testId?: string) => (
    <select aria-label={t(label)} value={filter[key]} onChange={set(key)} data-testid={testId}>
      <option value="">{t(any)}</option>
      {options.map(([value, text]) => (
        <option key={value} value={value}>
          {text}
        </option>
      ))}
    </select>
  )
  return (
    <div className="filters" role="search">
      <input
        placeholder={t('runs.filter.text')}
        aria-label={t('runs.filter.text')}
        value={filter.text}
        onChange={set('text')}
        data-testid="filter-text"
      />
      {choice(
        'study',
        'runs.columns.study',
        'runs.filter.anyStudy',
        studies.map((st) => [String(st.id), `#${st.id} ${st.name}`]),
        'filter-study',
      )}
      {choice(
        'task',
        'runs.columns.task',
        'runs.filter.anyTask',
        TASKS.map((task) => [task, t(`tasks.${task}.name`)]),
      )}
      {choice(
        'cell',
        'runs.columns.cell',
        'runs.filter.anyCell',
        CELLS.map((c) => [c, c.toUpperCase()]),
      )}
      {choice(
        'norm',
        'runs.columns.norm',
        'runs.filter.anyNorm',
        NORMS.map((n) => [n, t(`norm.${n}`)]),
        'filter-norm',
      )}
      <input
        placeholder={t('runs.columns.batch')}
        aria-label={t('runs.columns.batch')}
        value={filter.batchSize}
        onChange={set('batchSize')}
        inputMode="numeric"
        className="narrow"
      />
      {choice(
        'status',
        'runs.columns.status',
        'runs.filter.anyStatus',
        RUN_STATUSES.map((st) => [st, t(`status.${st}`)]),
      )}
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
