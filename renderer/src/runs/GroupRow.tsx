// Runs that differ only by seed as one row of the Runs table: n seeds, each status counted, the
// metric's final and best values as mean ± sd over the seeds; expands into its runs.
import { useTranslation } from 'react-i18next'
import type { RunMetricSummary } from '../../../shared/contract'
import type { Language } from '../../../shared/i18n'
import { setLabelText } from '../../../shared/lab/findings'
import { meanSd, type RunGroup } from '../../../shared/lab/views'
import { hrefOf } from '../state/router'
import { DateCell, ModelCell, SettingCells, StudyCell } from './run-cells'

const fixed = (v: number | null) => (v === null ? '–' : v.toPrecision(4))

/** A group's value of a metric summary: the mean ± sd over its seeds. */
function groupValue(summaries: readonly (RunMetricSummary | undefined)[], which: 'final' | 'best'): string {
  const { mean, sd, n } = meanSd(summaries.map((s) => s?.[which]?.value ?? null))
  return n === 0 ? '–' : sd === null ? fixed(mean) : `${fixed(mean)} ± ${sd.toPrecision(2)}`
}

interface Props {
  group: RunGroup
  expanded: boolean
  onExpand: () => void
  allSelected: boolean
  onSelectAll: () => void
  summaryOf: ReadonlyMap<number, RunMetricSummary>
  studyName: ReadonlyMap<number, string>
  language: Language
}

export function GroupRow({
  group: g,
  expanded,
  onExpand,
  allSelected,
  onSelectAll,
  summaryOf,
  studyName,
  language,
}: Props) {
  const { t } = useTranslation()
  const ids = g.runs.map((r) => r.id)
  const first = g.runs[0]!
  const summaries = g.runs.map((r) => summaryOf.get(r.id))
  const statuses = [...new Set(g.runs.map((r) => r.status))]
  return (
    <tr className={`group-row${allSelected ? ' selected' : ''}`} data-testid="group-row" data-run-ids={ids.join(',')}>
      <td>
        <input
          type="checkbox"
          aria-label={t('groups.row', { count: g.runs.length })}
          checked={allSelected}
          onChange={onSelectAll}
        />
      </td>
      <td className="num">
        <button
          type="button"
          className="icon"
          aria-expanded={expanded}
          aria-label={expanded ? t('groups.collapse') : t('groups.expand')}
          onClick={onExpand}
        >
          {expanded ? '▾' : '▸'}
        </button>
      </td>
      <td className="name-cell">
        <a href={hrefOf({ page: 'compare', runIds: ids })}>{setLabelText(g.label, language) || first.name}</a>{' '}
        <span className="muted small">{t('groups.seeds', { count: g.runs.length })}</span>
      </td>
      <StudyCell run={first} studyName={studyName} />
      <td>
        {statuses.map((st) => (
          <span key={st} className={`status status-${st}`}>
            {g.runs.filter((r) => r.status === st).length} {t(`status.${st}`)}
          </span>
        ))}
      </td>
      <ModelCell run={first} />
      <SettingCells run={first} />
      <td className="num">
        {g.runs
          .map((r) => r.seed)
          .sort((a, b) => a - b)
          .join(', ')}
      </td>
      <td className="num" data-testid="group-final">
        {groupValue(summaries, 'final')}
      </td>
      <td className="num">{groupValue(summaries, 'best')}</td>
      <DateCell at={Math.max(...g.runs.map((r) => r.createdAt))} />
      <td />
    </tr>
  )
}
