import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { startComputeBackend, type BackendInfo } from './backend/compute-backend'
import { EnvBadge, type BackendState } from './components/EnvBadge'
import { LanguageSwitch } from './components/LanguageSwitch'
import { ComparePage } from './pages/ComparePage'
import { NewExperimentPage } from './pages/NewExperimentPage'
import { RunsPage } from './pages/RunsPage'
import { SettingsPage } from './pages/SettingsPage'

const PAGES = ['runs', 'newExperiment', 'compare', 'settings'] as const
type Page = (typeof PAGES)[number]

export function App() {
  const { t } = useTranslation()
  const [page, setPage] = useState<Page>('runs')
  const [backend, setBackend] = useState<BackendState>({ state: 'starting' })

  useEffect(() => {
    startComputeBackend('webgl').then(
      (info: BackendInfo) => setBackend({ state: 'ready', info }),
      (error: unknown) => setBackend({ state: 'failed', reason: (error as Error).message }),
    )
  }, [])

  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">{t('app.title')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <nav className="app-nav" aria-label="main">
          {PAGES.map((p) => (
            <button key={p} type="button" className={p === page ? 'nav-item active' : 'nav-item'} aria-current={p === page ? 'page' : undefined} onClick={() => setPage(p)}>
              {t(`nav.${p}`)}
            </button>
          ))}
        </nav>
        <div className="header-tools">
          <EnvBadge backend={backend} />
          <LanguageSwitch />
        </div>
      </header>
      <main className="app-main">
        {page === 'runs' && <RunsPage />}
        {page === 'newExperiment' && <NewExperimentPage />}
        {page === 'compare' && <ComparePage />}
        {page === 'settings' && <SettingsPage backend={backend} />}
      </main>
    </div>
  )
}
