import { useTranslation } from 'react-i18next'

export function ComparePage() {
  const { t } = useTranslation()
  return (
    <section className="page">
      <h1>{t('compare.title')}</h1>
      <p>{t('compare.body')}</p>
      <p className="muted">{t('compare.pending')}</p>
    </section>
  )
}
