import { Fragment, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run, RunMetricSummary } from '../../../shared/contract'
import { isLanguage } from '../../../shared/i18n'
import { CELLS, higherIsBetter, NORMS, RUN_STATUSES, SUMMARY_METRICS, TASKS } from '../../../shared/kinds'
import { setLabelText } from '../../../shared/lab/findings'
import { groupBySeed, meanSd, type RunGroup } from '../../../shared/lab/views'
import { api } from '../api'
import { ResumeOffer } from '../components/ResumeOffer'
import { Dialog } from '../components/Dialog'
import { useAction, useQuery } from '../data/use-query'
import { ArchiveTransfer } from '../runs/ArchiveTransfer'
import { hrefOf, navigate } from '../state/router'
import { updateSettings, useSettings } from '../state/settings'

type RunKey = 'id' | 'name' | 'status' | 'task' | 'cell' | 'norm' | 'batchSize' | 'seed' | 'createdAt' | 'studyId'
/** Run fields, or the chosen metric's final or best value. */
type SortKey = RunKey | 'final' | 'best'

interface Filter {
  text: string
  study: string
  task: string
  cell: string
  norm: string
  batchSize: string
  status: string
  tag: string
}

const EMPTY_FILTER: Filter = { text: '', study: '', task: '', cell: '', norm: '', batchSize: '', status: '', tag: '' }

const batchingOf = (run: Run) => String((run.config as { batching?: string }).batching ?? 'mask')
const fixed = (v: number | null) => (v === null ? '–' : v.toPrecision(4))

/** A group's value of a metric summary: the mean ± sd over its seeds. */
function groupValue(summaries: readonly (RunMetricSummary | undefined)[], which: 'final' | 'best'): { text: string; mean: number | null } {
  const { mean, sd, n } = meanSd(summaries.map((s) => s?.[which]?.value ?? null))
  return { mean, text: n === 0 ? '–' : sd === null ? fixed(mean) : `${fixed(mean)} ± ${sd.toPrecision(2)}` }
}

export function RunsPage() {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<Filter>(EMPTY_FILTER)
  const [sort, setSort] = useState<{ key: SortKey; down: boolean }>({ key: 'id', down: true })
  const [selected, setSelected] = useState<Set<number>>(new Set())
  const [editing, setEditing] = useState<Run | null>(null)
  const [deleting, setDeleting] = useState<Run | null>(null)
  const [metric, setMetric] = useState<string>('loss')
  const [open, setOpen] = useState<Set<string>>(new Set())
  const { groupSeeds } = useSettings()
  const language = isLanguage(i18n.language) ? i18n.language : 'en'
  const studies = useQuery('studies', () => api.listStudies({}), { refreshOn: (event) => event.change !== 'data' })
  const studyName = useMemo(() => new Map((studies.data ?? []).map((st) => [st.id, st.name])), [studies.data])

  const request = useMemo(() => {
    const f: Record<string, unknown> = {}
    if (filter.text.trim()) f.text = filter.text.trim()
    if (filter.study) f.studyId = Number(filter.study)
    if (filter.task) f.task = filter.task
    if (filter.cell) f.cell = filter.cell
    if (filter.norm) f.norm = filter.norm
    if (filter.status) f.status = filter.status
    if (filter.tag.trim()) f.tag = filter.tag.trim()
    const batch = Number(filter.batchSize)
    if (filter.batchSize.trim() && Number.isInteger(batch)) f.batchSize = batch
    return f
  }, [filter])
  // Other windows, the CLI through this host, the training queue: refresh when runs change.
  const query = useQuery(JSON.stringify(request), () => api.listRuns({ filter: request }), { refreshOn: (event) => event.change !== 'data' })
  const action = useAction()
  const all = query.data

  // Final and best values of the chosen metric; training runs' values move, so any change reloads them.
  const shownIds = useMemo(() => (all ?? []).map((r) => r.id), [all])
  const summaries = useQuery(`${metric}|${shownIds.join(',')}`, () => api.summarizeRuns({ metric, runIds: shownIds }), { refreshOn: () => true, enabled: shownIds.length > 0 })
  const summaryOf = useMemo(() => new Map((summaries.data ?? []).map((s) => [s.runId, s])), [summaries.data])

  const runs = useMemo(() => {
    if (!all) return []
    const valueOf = (run: Run): string | number | boolean | null => (sort.key === 'final' || sort.key === 'best' ? (summaryOf.get(run.id)?.[sort.key]?.value ?? null) : (run[sort.key] ?? null))
    const sorted = [...all].sort((a, b) => {
      const x = valueOf(a)
      const y = valueOf(b)
      // Runs without a value go last whichever way the column sorts.
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1
      return (x < y ? -1 : x > y ? 1 : 0) * (sort.down ? -1 : 1)
    })
    return sorted
  }, [all, sort, summaryOf])
  // Runs that differ only by seed as one row (n seeds, mean ± sd), in the order of their first run.
  const groups = useMemo(() => (groupSeeds ? groupBySeed(runs) : runs.map((run, index): RunGroup => ({ key: `run-${run.id}`, label: {}, runs: [run], index }))), [runs, groupSeeds])
  const value = (v: { step: number; value: number } | null | undefined) => (v ? v.value.toPrecision(4) : '–')

  // The day in the table, the minute on hover.
  const day = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short' })
  const minute = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })
  const dateCell = (at: number) => (
    <td className="date-cell" title={minute.format(at)}>
      {day.format(at)}
    </td>
  )
  const header = (key: SortKey, label: string, sub?: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.down ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => setSort((s) => ({ key, down: s.key === key ? !s.down : (key === 'final' || key === 'best') && higherIsBetter(metric) }))}>
        {label}
        {sort.key === key ? (sort.down ? ' ▼' : ' ▲') : ''}
        {sub && <span className="sub">{sub}</span>}
      </button>
    </th>
  )
  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })
  const set = (key: keyof Filter) => (e: { target: { value: string } }) => setFilter((f) => ({ ...f, [key]: e.target.value }))

  /** The study, its long name shortened with the whole on hover. */
  const studyCell = (run: Run) => {
    const name = run.studyId === null ? null : (studyName.get(run.studyId) ?? `#${run.studyId}`)
    return (
      <td className="study-cell" title={name ?? undefined}>
        {name ?? '–'}
      </td>
    )
  }
  /** The cell, and the task under it in small type: two short lines rather than one long one. */
  const modelCell = (run: Run) => (
    <td className="model-cell">
      {run.cell.toUpperCase()}
      <span className="muted small">{t(`tasks.${run.task}.name`, { defaultValue: run.task })}</span>
    </td>
  )

  const runRow = (run: Run, inGroup: boolean) => (
    <tr key={run.id} data-run-id={run.id} className={`${selected.has(run.id) ? 'selected' : ''}${inGroup ? ' in-group' : ''}`.trim() || undefined}>
      <td>
        <input type="checkbox" aria-label={t('runs.selectRun', { id: run.id })} checked={selected.has(run.id)} onChange={() => toggle(run.id)} />
      </td>
      <td className="num">{run.id}</td>
      <td className="name-cell">
        <a href={hrefOf({ page: 'compare', runIds: [run.id] })}>{run.name}</a>
        {run.notes && <span className="note-mark" title={run.notes}> ✎</span>}
        {run.tags.length > 0 && (
          <span className="tags">
            {run.tags.map((tag) => (
              <button key={tag} type="button" className="tag" onClick={() => setFilter((f) => ({ ...f, tag }))}>
                {tag}
              </button>
            ))}
          </span>
        )}
      </td>
      {studyCell(run)}
      <td>
        <span className={`status status-${run.status}`} title={run.error ?? undefined}>
          {t(`status.${run.status}`)}
        </span>
      </td>
      {modelCell(run)}
      <td>{t(`norm.${run.norm}`)}</td>
      <td className="num">{run.batchSize}</td>
      <td>{t(`batching.${batchingOf(run)}.name`, { defaultValue: batchingOf(run) })}</td>
      <td className="num">{run.seed}</td>
      <td className="num" data-testid="final-value">
        {value(summaryOf.get(run.id)?.final)}
      </td>
      <td className="num" data-testid="best-value" title={summaryOf.get(run.id)?.best ? `${t('runs.bestHint')}: ${summaryOf.get(run.id)!.best!.step}` : undefined}>
        {value(summaryOf.get(run.id)?.best)}
      </td>
      {dateCell(run.createdAt)}
      <td className="actions">
        <button type="button" className="icon" aria-pressed={run.starred} aria-label={run.starred ? t('runs.unstar') : t('runs.star')} onClick={() => void action.run(() => api.updateRun({ id: run.id, starred: !run.starred }))}>
          {run.starred ? '★' : '☆'}
        </button>
        <button type="button" className="icon" aria-label={t('runs.edit')} onClick={() => setEditing(run)}>
          ✎
        </button>
        <button type="button" className="icon danger" aria-label={t('runs.delete')} data-testid={`delete-${run.id}`} onClick={() => setDeleting(run)}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
            <path d="M6 1h4l1 1h3v2H2V2h3l1-1zM3 5h10l-1 10H4L3 5zm3 2v6h1V7H6zm3 0v6h1V7H9z" fill="currentColor" />
          </svg>
        </button>
      </td>
    </tr>
  )

  return (
    <section className="page" aria-labelledby="runs-title">
      <div className="page-head">
        <h1 id="runs-title">{t('runs.title')}</h1>
        {all && <span className="muted">{t('runs.count', { count: all.length })}</span>}
        <div className="push-right" />
        <ArchiveTransfer runIds={selected.size > 0 ? [...selected] : shownIds} />
        <button type="button" className="primary" data-testid="compare-selected" disabled={selected.size === 0} onClick={() => navigate({ page: 'compare', runIds: [...selected] })}>
          {t('runs.compareSelected', { count: selected.size })}
        </button>
      </div>
      <ResumeOffer />
      <div className="filters" role="search">
        <input placeholder={t('runs.filter.text')} aria-label={t('runs.filter.text')} value={filter.text} onChange={set('text')} data-testid="filter-text" />
        <select aria-label={t('runs.columns.study')} value={filter.study} onChange={set('study')} data-testid="filter-study">
          <option value="">{t('runs.filter.anyStudy')}</option>
          {(studies.data ?? []).map((st) => (
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
        <input placeholder={t('runs.columns.batch')} aria-label={t('runs.columns.batch')} value={filter.batchSize} onChange={set('batchSize')} inputMode="numeric" className="narrow" />
        <select aria-label={t('runs.columns.status')} value={filter.status} onChange={set('status')}>
          <option value="">{t('runs.filter.anyStatus')}</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
        <input placeholder={t('runs.filter.tag')} aria-label={t('runs.filter.tag')} value={filter.tag} onChange={set('tag')} className="narrow" />
        <button type="button" onClick={() => setFilter(EMPTY_FILTER)}>
          {t('runs.filter.clear')}
        </button>
        <label>
          <input type="checkbox" checked={groupSeeds} onChange={(e) => updateSettings({ groupSeeds: e.target.checked })} data-testid="group-seeds" /> {t('groups.grouped')}
        </label>
        <label className="metric-pick">
          <span>{t('runs.metric')}</span>
          <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="summary-metric">
            {SUMMARY_METRICS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
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
          <h2>{JSON.stringify(filter) === JSON.stringify(EMPTY_FILTER) ? t('runs.emptyTitle') : t('runs.noMatch')}</h2>
          <p>{t('runs.emptyBody')}</p>
        </div>
      )}
      {runs.length > 0 && (
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
                const first = g.runs[0]!
                const final = groupValue(g.runs.map((r) => summaryOf.get(r.id)), 'final')
                const best = groupValue(g.runs.map((r) => summaryOf.get(r.id)), 'best')
                const statuses = [...new Set(g.runs.map((r) => r.status))]
                return (
                  <Fragment key={g.key}>
                    <tr className={`group-row${all ? ' selected' : ''}`} data-testid="group-row" data-run-ids={ids.join(',')}>
                      <td>
                        <input type="checkbox" aria-label={t('groups.row', { count: g.runs.length })} checked={all} onChange={() => setSelected((sel) => (all ? new Set([...sel].filter((id) => !ids.includes(id))) : new Set([...sel, ...ids])))} />
                      </td>
                      <td className="num">
                        <button type="button" className="icon" aria-expanded={expanded} aria-label={expanded ? t('groups.collapse') : t('groups.expand')} onClick={() => setOpen((o) => (o.has(g.key) ? new Set([...o].filter((k) => k !== g.key)) : new Set([...o, g.key])))}>
                          {expanded ? '▾' : '▸'}
                        </button>
                      </td>
                      <td className="name-cell">
                        <a href={hrefOf({ page: 'compare', runIds: ids })}>{setLabelText(g.label, language) || first.name}</a> <span className="muted small">{t('groups.seeds', { count: g.runs.length })}</span>
                      </td>
                      {studyCell(first)}
                      <td>
                        {statuses.map((st) => (
                          <span key={st} className={`status status-${st}`}>
                            {g.runs.filter((r) => r.status === st).length} {t(`status.${st}`)}
                          </span>
                        ))}
                      </td>
                      {modelCell(first)}
                      <td>{t(`norm.${first.norm}`)}</td>
                      <td className="num">{first.batchSize}</td>
                      <td>{t(`batching.${batchingOf(first)}.name`, { defaultValue: batchingOf(first) })}</td>
                      <td className="num">{g.runs.map((r) => r.seed).sort((a, b) => a - b).join(', ')}</td>
                      <td className="num" data-testid="group-final">{final.text}</td>
                      <td className="num">{best.text}</td>
                      {dateCell(Math.max(...g.runs.map((r) => r.createdAt)))}
                      <td />
                    </tr>
                    {expanded && g.runs.map((run) => runRow(run, true))}
                  </Fragment>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {editing && <EditRun run={editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <Dialog title={t('runs.deleteTitle')} onClose={() => setDeleting(null)} testId="confirm-delete">
          <p>{t('runs.deleteBody', { name: deleting.name })}</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setDeleting(null)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="danger"
              data-testid="confirm-delete-button"
              onClick={() => {
                const id = deleting.id
                setDeleting(null)
                setSelected((s) => new Set([...s].filter((x) => x !== id)))
                void action.run(() => api.deleteRun({ id }))
              }}
            >
              {t('runs.delete')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  )
}

function EditRun({ run, onClose }: { run: Run; onClose: () => void }) {
  const { t } = useTranslation()
  const [name, setName] = useState(run.name)
  const [tags, setTags] = useState(run.tags.join(', '))
  const [notes, setNotes] = useState(run.notes)
  const [error, setError] = useState<string | null>(null)
  const save = async () => {
    try {
      await api.updateRun({ id: run.id, name, notes, tags: tags.split(/[,，]/).map((s) => s.trim()).filter(Boolean) })
      onClose()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <Dialog title={t('runs.editTitle', { id: run.id })} onClose={onClose} testId="edit-run">
      <label className="field">
        <span className="field-label">{t('runs.columns.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">{t('runs.columns.tags')}</span>
        <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder={t('runs.tagsHint')} />
      </label>
      <label className="field">
        <span className="field-label">{t('runs.notes')}</span>
        <textarea rows={5} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </label>
      {error && <p className="error">{error}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="button" className="primary" onClick={() => void save()}>
          {t('common.save')}
        </button>
      </div>
    </Dialog>
  )
}
