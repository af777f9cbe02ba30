// The Runs page (what the lab opens on): every run in the archive, filtered, sorted, grouped by
// seed, with the chosen metric's final and best values; select to compare or export; resume a
// study left unfinished. The pieces live in runs/.
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { isLanguage } from '../../../shared/i18n'
import { groupBySeed, type RunGroup } from '../../../shared/lab/views'
import { api } from '../api'
import { ResumeOffer } from '../components/ResumeOffer'
import { useAction, useQuery } from '../data/use-query'
import { ArchiveTransfer } from '../runs/ArchiveTransfer'
import { EMPTY_FILTER, filterRequest, isEmptyFilter, type RunFilter } from '../runs/filter'
import { ConfirmDelete, EditRun } from '../runs/RunDialogs'
import { RunFilters } from '../runs/RunFilters'
import { RunsTable } from '../runs/RunsTable'
import { sortRuns, type RunSort } from '../runs/sort'
import { navigate } from '../state/router'
import { useSettings } from '../state/settings'

export function RunsPage() {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<RunFilter>(EMPTY_FILTER)
  const [sort, setSort] = useState<RunSort>({ key: 'id', down: true })
  const [selected, setSelected] = useState<Set<number>>(new Set())
  const [editing, setEditing] = useState<Run | null>(null)
  const [deleting, setDeleting] = useState<Run | null>(null)
  const [metric, setMetric] = useState<string>('loss')
  const [open, setOpen] = useState<Set<string>>(new Set())
  const { groupSeeds } = useSettings()
  const language = isLanguage(i18n.language) ? i18n.language : 'en'
  const studies = useQuery('studies', () => api.listStudies({}), { refreshOn: (event) => event.change !== 'data' })
  const studyName = useMemo(() => new Map((studies.data ?? []).map((st) => [st.id, st.name])), [studies.data])

  const request = useMemo(() => filterRequest(filter), [filter])
  // Other windows, the CLI through this host, the training queue: refresh when runs change.
  const query = useQuery(JSON.stringify(request), () => api.listRuns({ filter: request }), {
    refreshOn: (event) => event.change !== 'data',
  })
  const action = useAction()
  const all = query.data

  // Final and best values of the chosen metric; training runs' values move, so any change reloads them.
  const shownIds = useMemo(() => (all ?? []).map((r) => r.id), [all])
  const summaries = useQuery(`${metric}|${shownIds.join(',')}`, () => api.summarizeRuns({ metric, runIds: shownIds }), {
    refreshOn: () => true,
    enabled: shownIds.length > 0,
  })
  const summaryOf = useMemo(() => new Map((summaries.data ?? []).map((s) => [s.runId, s])), [summaries.data])

  const runs = useMemo(() => (all ? sortRuns(all, sort, summaryOf) : []), [all, sort, summaryOf])
  // Runs that differ only by seed as one row (n seeds, mean ± sd), in the order of their first run.
  const groups = useMemo(
    () =>
      groupSeeds
        ? groupBySeed(runs)
        : runs.map((run, index): RunGroup => ({ key: `run-${run.id}`, label: {}, runs: [run], index })),
    [runs, groupSeeds],
  )

  return (
    <section className="page" aria-labelledby="runs-title">
      <div className="page-head">
        <h1 id="runs-title">{t('runs.title')}</h1>
        {all && <span className="muted">{t('runs.count', { count: all.length })}</span>}
        <div className="push-right" />
        <ArchiveTransfer runIds={selected.size > 0 ? [...selected] : shownIds} />
        <button
          type="button"
          className="primary"
          data-testid="compare-selected"
          disabled={selected.size === 0}
          onClick={() => navigate({ page: 'compare', runIds: [...selected] })}
        >
          {t('runs.compareSelected', { count: selected.size })}
        </button>
      </div>
      <ResumeOffer />
      <RunFilters
        filter={filter}
        onFilter={setFilter}
        studies={studies.data ?? []}
        metric={metric}
        onMetric={setMetric}
      />
      {query.status === 'loading' && !all && <p className="muted">{t('runs.loading')}</p>}
      {query.status === 'error' && (
        <p className="error" role="alert">
          {t('runs.loadError', { message: query.error })}
        </p>
      )}
      {action.error && (
        <p className="error" role="alert" data-testid="action-error">
          {t('runs.actionError', { message: action.error })}
        </p>
      )}
      {query.status === 'ready' && all && all.length === 0 && (
        <div className="empty-state" data-testid="runs-empty">
          <h2>{isEmptyFilter(filter) ? t('runs.emptyTitle') : t('runs.noMatch')}</h2>
          <p>{t('runs.emptyBody')}</p>
        </div>
      )}
      {runs.length > 0 && (
        <RunsTable
          groups={groups}
          sort={sort}
          onSort={setSort}
          metric={metric}
          selected={selected}
          onSelect={setSelected}
          open={open}
          onOpen={setOpen}
          summaryOf={summaryOf}
          studyName={studyName}
          language={language}
          actions={{
            filterTag: (tag) => setFilter((f) => ({ ...f, tag })),
            star: (run) => void action.run(() => api.updateRun({ id: run.id, starred: !run.starred })),
            edit: setEditing,
            remove: setDeleting,
          }}
        />
      )}
      {editing && <EditRun run={editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmDelete
          run={deleting}
          onCancel={() => setDeleting(null)}
          onDelete={() => {
            const id = deleting.id
            setDeleting(null)
            setSelected((s) => new Set([...s].filter((x) => x !== id)))
            void action.run(() => api.deleteRun({ id }))
          }}
        />
      )}
    </section>
  )
}
