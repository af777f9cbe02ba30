import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf } from '../../../shared/contract'
import { api, transport } from '../api'
import { EnvBadge, type BackendState } from '../components/EnvBadge'
import { LanguageSwitch } from '../components/LanguageSwitch'

export function SettingsPage({ backend }: { backend: BackendState }) {
  const { t } = useTranslation()
  const [env, setEnv] = useState<ResponseOf<'getEnvironment'> | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    api.getEnvironment({}).then(setEnv, (e: unknown) => setError((e as Error).message))
  }, [])

  return (
    <section className="page">
      <h1>{t('settings.title')}</h1>
      <h2>{t('settings.archive')}</h2>
      {error && <p className="error">{error}</p>}
      <dl className="facts" data-testid="environment">
        <dt>{t('settings.archivePath')}</dt>
        <dd className="mono">{env?.archivePath ?? '…'}</dd>
        <dt>{t('settings.schemaVersion')}</dt>
        <dd>{env?.schemaVersion ?? '…'}</dd>
        <dt>{t('settings.appVersion')}</dt>
        <dd>{env?.appVersion ?? '…'}</dd>
        <dt>{t('settings.transport')}</dt>
        <dd>{transport === 'ipc' ? t('settings.transportIpc') : t('settings.transportHttp')}</dd>
      </dl>
      <h2>{t('settings.compute')}</h2>
      <EnvBadge backend={backend} />
      <h2>{t('language.label')}</h2>
      <LanguageSwitch />
    </section>
  )
}
