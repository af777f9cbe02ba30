// The archive refuses a run's writes even after retries: training is paused and nothing more is
// lost until the user chooses. Try again (after freeing disk space, closing the program holding a
// lock, putting the file back) or stop training: the run then ends "failed" with the reason.
import { useTranslation } from 'react-i18next'
import { useTrainingController, useTrainingSelector } from '../state/training'
import { Dialog } from './Dialog'

export function WriteBlockedDialog() {
  const { t } = useTranslation()
  const blocked = useTrainingSelector((s) => s.blocked)
  const controller = useTrainingController()
  if (!blocked) return null
  return (
    <Dialog title={t('writeBlocked.title')} onClose={() => undefined} testId="write-blocked">
      <p>
        {t('writeBlocked.body', {
          what: blocked.what,
          run: blocked.runId,
          name: blocked.runName,
          file: blocked.archivePath,
        })}
      </p>
      <p className="error mono" data-testid="write-blocked-reason">
        {blocked.error.message}
      </p>
      <p className="muted">{t('writeBlocked.paused', { count: blocked.waiting })}</p>
      <div className="dialog-actions">
        <button
          type="button"
          className="danger"
          data-testid="write-blocked-stop"
          onClick={() => controller.resolveBlocked('stop')}
        >
          {t('writeBlocked.stop')}
        </button>
        <button
          type="button"
          className="primary"
          data-testid="write-blocked-retry"
          onClick={() => controller.resolveBlocked('retry')}
        >
          {t('writeBlocked.retry')}
        </button>
      </div>
    </Dialog>
  )
}
