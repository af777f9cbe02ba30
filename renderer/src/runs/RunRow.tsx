// One run in the Runs table: selection, name with notes and tags, status, settings, the metric's
// final and best values, and its actions (star, edit, delete).
import { useTranslation } from 'react-i18next'
import type { Run, RunMetricSummary } from '../../../shared/contract'
import { hrefOf } from '../state/router'
import { DateCell, ModelCell, SettingCells, StudyCell } from './run-cells'

export interface RunRowActions {
  toggle: (id: number) => void
  filterTag: (tag: string) => void
  star: (run: Run) => void
  edit: (run: Run) => void
  remove: (run: Run) => void
}

const value = (v: { step: number; value: number } | null | undefined) => (v ? v.value.toPrecision(4) : '–')

interface Props {
  run: Run
  inGroup: boolean
  selected: boolean
  summary: RunMetricSummary | undefined
  studyName: ReadonlyMap<number, string>
  actions: RunRowActions
}

export function RunRow({ run, inGroup, selected, summary, studyName, actions }: Props) {
  const { t } = useTranslation()
  return (
    <tr
      data-run-id={run.id}
      className={`${selected ? 'selected' : ''}${inGroup ? ' in-group' : ''}`.trim() || undefined}
    >
      <td>
        <input
          type="checkbox"
          aria-label={t('runs.selectRun', { id: run.id })}
          checked={selected}
          onChange={() => actions.toggle(run.id)}
        />
      </td>
      <td className="num">{run.id}</td>
      <td className="name-cell">
        <a href={hrefOf({ page: 'compare', runIds: [run.id] })}>{run.name}</a>
        {run.notes && (
          <span className="note-mark" title={run.notes}>
            {' '}
            ✎
          </span>
        )}
        {run.tags.length > 0 && (
          <span className="tags">
            {run.tags.map((tag) => (
              <button key={tag} type="button" className="tag" onClick={() => actions.filterTag(tag)}>
                {tag}
              </button>
            ))}
          </span>
        )}
      </td>
      <StudyCell run={run} studyName={studyName} />
      <td>
        <span className={`status status-${run.status}`} title={run.error ?? undefined}>
          {t(`status.${run.status}`)}
        </span>
      </td>
      <ModelCell run={run} />
      <SettingCells run={run} />
      <td className="num">{run.seed}</td>
      <td className="num" data-testid="final-value">
        {value(summary?.final)}
      </td>
      <td
        className="num"
        data-testid="best-value"
        title={summary?.best ? `${t('runs.bestHint')}: ${summary.best.step}` : undefined}
      >
        {value(summary?.best)}
      </td>
      <DateCell at={run.createdAt} />
      <td className="actions">
        <button
          type="button"
          className="icon"
          aria-pressed={run.starred}
          aria-label={run.starred ? t('runs.unstar') : t('runs.star')}
          onClick={() => actions.star(run)}
        >
          {run.starred ? '★' : '☆'}
        </button>
        <button type="button" className="icon" aria-label={t('runs.edit')} onClick={() => actions.edit(run)}>
          ✎
        </button>
        <button
          type="button"
          className="icon danger"
          aria-label={t('runs.delete')}
          data-testid={`delete-${run.id}`}
          onClick={() => actions.remove(run)}
        >
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
            <path d="M6 1h4l1 1h3v2H2V2h3l1-1zM3 5h10l-1 10H4L3 5zm3 2v6h1V7H6zm3 0v6h1V7H9z" fill="currentColor" />
          </svg>
        </button>
      </td>
    </tr>
  )
}
