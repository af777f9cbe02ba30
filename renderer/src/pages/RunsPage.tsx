import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { CELLS, higherIsBetter, NORMS, RUN_STATUSES, SUMMARY_METRICS, TASKS } from '../../../shared/kinds'
import { api } from '../api'
import { Dialog } from '../components/Dialog'
import { useAction, useQuery } from '../data/use-query'
import { ArchiveTransfer } from '../runs/ArchiveTransfer'
import { hrefOf, navigate } from '../state/router'

type RunKey = 'id' | 'name' | 'status' | 'task' | 'cell' | 'norm' | 'batchSize' | 'seed' | 'createdAt'
/** Run fields, or the chosen metric's final or best value. */
type SortKey = RunKey | 'final' | 'best'

interface Filter {
  text: string
  task: string
  cell: string
  norm: string
  batchSize: string
  status: string
  tag: string
}

const EMPTY_FILTER: Filter = { text: '', task: '', cell: '', norm: '', batchSize: '', status: '', tag: '' }

export function RunsPage() {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<Filter>(EMPTY_FILTER)
  const [sort, setSort] = useState<{ key: SortKey; down: boolean }>({ key: 'id', down: true })
  const [selected, setSelected] = useState<Set<number>>(new Set())
  const [editing, setEditing] = useState<Run | null>(null)
  const [deleting, setDeleting] = useState<Run | null>(null)
  const [metric, setMetric] = useState<string>('loss')

  const request = useMemo(() => {
    const f: Record<string, unknown> = {}
    if (filter.text.trim()) f.text = filter.text.trim()
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
    const valueOf = (run: Run): string | number | boolean | null => (sort.key === 'final' || sort.key === 'best' ? (summaryOf.get(run.id)?.[sort.key]?.value ?? null) : run[sort.key])
    const sorted = [...all].sort((a, b) => {
      const x = valueOf(a)
      const y = valueOf(b)
      // Runs without a value go last whichever way the column sorts.
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1
      return (x < y ? -1 : x > y ? 1 : 0) * (sort.down ? -1 : 1)
    })
    return sorted
  }, [all, sort, summaryOf])
  const value = (v: { step: number; value: number } | null | undefined) => (v ? v.value.toPrecision(4) : '–')

  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.down ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => setSort((s) => ({ key, down: s.key === key ? !s.down : (key === 'final' || key === 'best') && higherIsBetter(metric) }))}>
        {label}
        {sort.key === key ? (sort.down ? ' ▼' : ' ▲') : ''}
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
      <div className="filters" role="search">
        <input placeholder={t('runs.filter.text')} aria-label={t('runs.filter.text')} value={filter.text} onChange={set('text')} data-testid="filter-text" />
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
                {header('status', t('runs.columns.status'))}
                {header('task', t('runs.columns.task'))}
                {header('cell', t('runs.columns.cell'))}
                {header('norm', t('runs.columns.norm'))}
                {header('batchSize', t('runs.columns.batch'))}
                {header('seed', t('runs.columns.seed'))}
                {header('final', `${metric} · ${t('runs.final')}`)}
                {header('best', `${metric} · ${t('runs.best')}`)}
                {header('createdAt', t('runs.columns.created'))}
                <th scope="col">{t('runs.columns.tags')}</th>
                <th scope="col">{t('runs.columns.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-run-id={run.id} className={selected.has(run.id) ? 'selected' : undefined}>
                  <td>
                    <input type="checkbox" aria-label={t('runs.selectRun', { id: run.id })} checked={selected.has(run.id)} onChange={() => toggle(run.id)} />
                  </td>
                  <td className="num">{run.id}</td>
                  <td>
                    <a href={hrefOf({ page: 'compare', runIds: [run.id] })}>{run.name}</a>
                    {run.notes && <span className="note-mark" title={run.notes}> ✎</span>}
                  </td>
                  <td>
                    <span className={`status status-${run.status}`} title={run.error ?? undefined}>
                      {t(`status.${run.status}`)}
                    </span>
                  </td>
                  <td>{t(`tasks.${run.task}.name`, { defaultValue: run.task })}</td>
                  <td>{run.cell.toUpperCase()}</td>
                  <td>{t(`norm.${run.norm}`)}</td>
                  <td className="num">{run.batchSize}</td>
                  <td className="num">{run.seed}</td>
                  <td className="num" data-testid="final-value">{value(summaryOf.get(run.id)?.final)}</td>
                  <td className="num" data-testid="best-value" title={summaryOf.get(run.id)?.best ? `${t('runs.bestHint')}: ${summaryOf.get(run.id)!.best!.step}` : undefined}>
                    {value(summaryOf.get(run.id)?.best)}
                  </td>
                  <td>{date.format(run.createdAt)}</td>
                  <td>
                    {run.tags.map((tag) => (
                      <button key={tag} type="button" className="tag" onClick={() => setFilter((f) => ({ ...f, tag }))}>
                        {tag}
                      </button>
                    ))}
                  </td>
                  <td className="actions">
                    <button type="button" className="icon" aria-pressed={run.starred} aria-label={run.starred ? t('runs.unstar') : t('runs.star')} onClick={() => void action.run(() => api.updateRun({ id: run.id, starred: !run.starred }))}>
                      {run.starred ? '★' : '☆'}
                    </button>
                    <button type="button" className="icon" aria-label={t('runs.edit')} onClick={() => setEditing(run)}>
                      ✎
                    </button>
                    <button type="button" className="icon danger" aria-label={t('runs.delete')} data-testid={`delete-${run.id}`} onClick={() => setDeleting(run)}>
                      🗑
                    </button>
                  </td>
                </tr>
              ))}
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
