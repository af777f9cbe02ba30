import { useTranslation } from 'react-i18next'

export function NewExperimentPage() {
  const { t } = useTranslation()
  return (
    <section className="page">
      <h1>{t('newExperiment.title')}</h1>
      <p>{t('newExperiment.body')}</p>
      <p className="muted">{t('newExperiment.pending')}</p>
    </section>
  )
}
