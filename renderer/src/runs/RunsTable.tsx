// The Runs table: sortable headers, one row per run or per seed group (expandable), selection.
import { Fragment } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run, RunMetricSummary } from '../../../shared/contract'
import type { Language } from '../../../shared/i18n'
import { higherIsBetter } from '../../../shared/kinds'
import type { RunGroup } from '../../../shared/lab/views'
import { GroupRow } from './GroupRow'
import { RunRow, type RunRowActions } from './RunRow'
import type { RunSort, SortKey } from './sort'

interface Props {
  groups: readonly RunGroup[]
  sort: RunSort
  onSort: (sort: RunSort) => void
  metric: string
  selected: ReadonlySet<number>
  onSelect: (update: (s: Set<number>) => Set<number>) => void
  open: ReadonlySet<string>
  onOpen: (update: (o: Set<string>) => Set<string>) => void
  summaryOf: ReadonlyMap<number, RunMetricSummary>
  studyName: ReadonlyMap<number, string>
  language: Language
  actions: Omit<RunRowActions, 'toggle'>
}

export function RunsTable({
  groups,
  sort,
  onSort,
  metric,
  selected,
  onSelect,
  open,
  onOpen,
  summaryOf,
  studyName,
  language,
  actions,
}: Props) {
  const { t } = useTranslation()
  const header = (key: SortKey, label: string, sub?: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.down ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="sort"
        onClick={() =>
          onSort({
            key,
            down: sort.key === key ? !sort.down : (key === 'final' || key === 'best') && higherIsBetter(metric),
          })
        }
      >
        {label}
        {sort.key === key ? (sort.down ? ' ▼' : ' ▲') : ''}
        {sub && <span className="sub">{sub}</span>}
      </button>
    </th>
  )
  const toggle = (id: number) =>
    onSelect((s) => {
      const next = new Set(s)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })
  const rowActions: RunRowActions = { ...actions, toggle }
  const runRow = (run: Run, inGroup: boolean) => (
    <RunRow
      key={run.id}
      run={run}
      inGroup={inGroup}
      selected={selected.has(run.id)}
      summary={summaryOf.get(run.id)}
      studyName={studyName}
      actions={rowActions}
    />
  )
  return (
    <div className="table-wrap">
      <table className="runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">{t('runs.select')}</span>
            </th>
            {header('id', t('runs.columns.id'))}
            {header('name', t('runs.columns.name'))}
            {header('studyId', t('runs.columns.study'))}
            {header('status', t('runs.columns.status'))}
            {header('task', t('runs.columns.model'))}
            {header('norm', t('runs.columns.norm'))}
            {header('batchSize', t('runs.columns.batch'))}
            <th scope="col">{t('runs.columns.batching')}</th>
            {header('seed', t('runs.columns.seed'))}
            {header('final', t('runs.final'), metric)}
            {header('best', t('runs.best'), metric)}
            {header('createdAt', t('runs.columns.created'))}
            <th scope="col">{t('runs.columns.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => {
            if (g.runs.length === 1) return <Fragment key={g.key}>{runRow(g.runs[0]!, false)}</Fragment>
            const expanded = open.has(g.key)
            const ids = g.runs.map((r) => r.id)
            const all = ids.every((id) => selected.has(id))
            return (
              <Fragment key={g.key}>
                <GroupRow
                  group={g}
                  expanded={expanded}
                  onExpand={() =>
                    onOpen((o) => (o.has(g.key) ? new Set([...o].filter((k) => k !== g.key)) : new Set([...o, g.key])))
                  }
                  allSelected={all}
                  onSelectAll={() =>
                    onSelect((sel) =>
                      all ? new Set([...sel].filter((id) => !ids.includes(id))) : new Set([...sel, ...ids]),
                    )
                  }
                  summaryOf={summaryOf}
                  studyName={studyName}
                  language={language}
                />
                {expanded && g.runs.map((run) => runRow(run, true))}
              </Fragment>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
