// The Runs page's dialogs: edit a run's name, tags and notes; confirm a delete.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { api } from '../api'
import { Dialog } from '../components/Dialog'

export function EditRun({ run, onClose }: { run: Run; onClose: () => void }) {
  const { t } = useTranslation()
  const [name, setName] = useState(run.name)
  const [tags, setTags] = useState(run.tags.join(', '))
  const [notes, setNotes] = useState(run.notes)
  const [error, setError] = useState<string | null>(null)
  const save = async () => {
    try {
      await api.updateRun({
        id: run.id,
        name,
        notes,
        tags: tags
          .split(/[,，]/)
          .map((s) => s.trim())
          .filter(Boolean),
      })
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

export function ConfirmDelete({ run, onCancel, onDelete }: { run: Run; onCancel: () => void; onDelete: () => void }) {
  const { t } = useTranslation()
  return (
    <Dialog title={t('runs.deleteTitle')} onClose={onCancel} testId="confirm-delete">
      <p>{t('runs.deleteBody', { name: run.name })}</p>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="button" className="danger" data-testid="confirm-delete-button" onClick={onDelete}>
          {t('runs.delete')}
        </button>
      </div>
    </Dialog>
  )
}
