// Cells the Runs table's run rows and seed-group rows share: the study, the model, the day.
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'

export const batchingOf = (run: Run) => String((run.config as { batching?: string }).batching ?? 'mask')

/** The study, its long name shortened with the whole on hover. */
export function StudyCell({ run, studyName }: { run: Run; studyName: ReadonlyMap<number, string> }) {
  const name = run.studyId === null ? null : (studyName.get(run.studyId) ?? `#${run.studyId}`)
  return (
    <td className="study-cell" title={name ?? undefined}>
      {name ?? '–'}
    </td>
  )
}

/** The cell, and the task under it in small type: two short lines rather than one long one. */
export function ModelCell({ run }: { run: Run }) {
  const { t } = useTranslation()
  return (
    <td className="model-cell">
      {run.cell.toUpperCase()}
      <span className="muted small">{t(`tasks.${run.task}.name`, { defaultValue: run.task })}</span>
    </td>
  )
}

/** The day in the table, the minute on hover. */
export function DateCell({ at }: { at: number }) {
  const { i18n } = useTranslation()
  const day = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short' })
  const minute = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <td className="date-cell" title={minute.format(at)}>
      {day.format(at)}
    </td>
  )
}

/** The norm and batching columns, the same for a run and its seed group's first run. */
export function SettingCells({ run }: { run: Run }) {
  const { t } = useTranslation()
  return (
    <>
      <td>{t(`norm.${run.norm}`)}</td>
      <td className="num">{run.batchSize}</td>
      <td>{t(`batching.${batchingOf(run)}.name`, { defaultValue: batchingOf(run) })}</td>
    </>
  )
}
