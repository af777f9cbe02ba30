// "Run this study again": the compared runs' configurations as a new study, trained here (what
// `lab sweep --from-report` does with a report's plan). Seeds and every setting are the same, so the
// new runs test whether the findings hold on this machine.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { TrainConfig } from '../../../shared/contract/train-config'
import { createStudyRuns } from '../../../shared/lab/run-lifecycle'
import { api } from '../api'
import { Dialog } from '../components/Dialog'
import { navigate } from '../state/router'
import { useTrainingController } from '../state/training'

export function RunAgain({ runs, title }: { runs: Run[]; title: string }) {
  const { t } = useTranslation()
  const controller = useTrainingController()
  const [asking, setAsking] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // Runs made before a setting existed get its default; a configuration no longer valid is left out.
  const planned = runs.flatMap((r) => {
    const config = TrainConfig.safeParse(r.config)
    return config.success && config.data.task !== 'user' ? [{ name: r.name, config: config.data }] : []
  })
  if (planned.length === 0) return null
  const start = async () => {
    try {
      const name = t('compare.againName', { title }).slice(0, 200)
      const created = await createStudyRuns(api, planned, { study: { name, description: '' } })
      controller.enqueue(created.runs, created.study && { id: created.study.id, name: created.study.name })
      navigate({ page: 'live' })
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <>
      <button type="button" onClick={() => setAsking(true)} data-testid="run-again">
        {t('compare.runAgain')}
      </button>
      {asking && (
        <Dialog title={t('compare.runAgain')} onClose={() => setAsking(false)} testId="run-again-dialog">
          <p>{t('compare.runAgainBody', { count: planned.length })}</p>
          {error && <p className="error">{error}</p>}
          <div className="dialog-actions">
            <button type="button" onClick={() => setAsking(false)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="primary" onClick={() => void start()} data-testid="run-again-confirm">
              {t('compare.runAgainGo', { count: planned.length })}
            </button>
          </div>
        </Dialog>
      )}
    </>
  )
}
