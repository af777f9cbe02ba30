import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Dialog } from './components/Dialog'
import { EnvBadge } from './components/EnvBadge'
import { LanguageSwitch } from './components/LanguageSwitch'
import { WriteBlockedDialog } from './components/WriteBlockedDialog'
import { ComparePage } from './pages/ComparePage'
import { ExplorePage } from './explore/ExplorePage'
import { LivePage } from './pages/LivePage'
import { NewExperimentPage } from './pages/NewExperimentPage'
import { RunsPage } from './pages/RunsPage'
import { SettingsPage } from './pages/SettingsPage'
import { hrefOf, navigate, useRoute, type Route } from './state/router'
import { TrainingProvider, useTrainingController, useTrainingSelector } from './state/training'

const NAV: { route: Route; key: string }[] = [
  { route: { page: 'runs' }, key: 'nav.runs' },
  { route: { page: 'new' }, key: 'nav.newExperiment' },
  { route: { page: 'live' }, key: 'nav.live' },
  { route: { page: 'compare', runIds: [] }, key: 'nav.compare' },
  { route: { page: 'explore', runId: null, withId: null }, key: 'nav.explore' },
  { route: { page: 'settings' }, key: 'nav.settings' },
]

/** Keys typed into a field are the field's, never a shortcut. */
const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable ||
    ['SELECT', 'TEXTAREA'].includes(target.tagName) ||
    (target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'range'].includes(target.type)))

/** The keyboard's shortcuts: what `?` lists. */
export const SHORTCUTS = [
  ['/', 'shortcuts.search'],
  ['c', 'shortcuts.compare'],
  ['e', 'shortcuts.explore'],
  ['Space', 'shortcuts.pause'],
  ['Alt+1 … Alt+6', 'shortcuts.pages'],
  ['?', 'shortcuts.help'],
] as const

/** Clicks a control of the page if it is there and enabled; says whether it did. */
function press(testId: string): boolean {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`)
  if (!el || (el as HTMLButtonElement).disabled) return false
  el.click()
  return true
}

/**
 * `/` search the runs, `c` compare the selected runs, `e` explore, Space pause or resume (Training),
 * Alt+1 … Alt+6 the pages in the header's order, `?` the list.
 */
function useShortcuts(page: Route['page'], toggleHelp: () => void) {
  const controller = useTrainingController()
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.ctrlKey || e.metaKey) return
      const n = e.altKey ? Number(e.code.replace(/^Digit/, '')) : Number.NaN
      if (n >= 1 && n <= NAV.length) {
        e.preventDefault()
        navigate(NAV[n - 1]!.route)
        return
      }
      if (e.altKey) return
      if (e.key === '?') return toggleHelp()
      if (e.key === '/') {
        e.preventDefault()
        if (page !== 'runs') navigate({ page: 'runs' })
        // The Runs page may still be rendering: focus its search box once it is there.
        const focus = (tries: number) => {
          const box = document.querySelector<HTMLInputElement>('[data-testid="filter-text"]')
          if (box) box.focus()
          else if (tries > 0) setTimeout(() => focus(tries - 1), 50)
        }
        return focus(20)
      }
      if (e.key === 'c' && page === 'runs') return void press('compare-selected')
      if (e.key === 'e')
        return void (press('compare-explore') || navigate({ page: 'explore', runId: null, withId: null }))
      if (page === 'live' && e.code === 'Space' && !(e.target instanceof HTMLButtonElement)) {
        const state = controller.getState()
        if (!state.live) return
        e.preventDefault()
        if (state.paused) controller.resume()
        else controller.pause()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [page, controller, toggleHelp])
}

function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation()
  return (
    <Dialog title={t('shortcuts.title')} onClose={onClose} testId="shortcuts">
      <h2>{t('shortcuts.title')}</h2>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{t(what)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="controls">
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  )
}

function Frame() {
  const { t } = useTranslation()
  const route = useRoute()
  const [help, setHelp] = useState(false)
  const toggleHelp = useCallback(() => setHelp((h) => !h), [])
  useShortcuts(route.page, toggleHelp)
  // Only what the frame shows: it must not re-render on every training report.
  const backend = useTrainingSelector((s) => s.backend)
  const training = useTrainingSelector((s) => s.live !== null)
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">{t('app.title')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <nav className="app-nav" aria-label="main">
          {NAV.map(({ route: r, key }, i) => (
            <a
              key={r.page}
              href={hrefOf(r)}
              title={`${t(key)} (Alt+${i + 1})`}
              className={r.page === route.page ? 'nav-item active' : 'nav-item'}
              aria-current={r.page === route.page ? 'page' : undefined}
            >
              {t(key)}
              {r.page === 'live' && training && <span className="nav-pulse" aria-label={t('live.running')} />}
            </a>
          ))}
        </nav>
        <div className="header-tools">
          <EnvBadge backend={backend} compact />
          <LanguageSwitch />
        </div>
      </header>
      <main className="app-main">
        {route.page === 'runs' && <RunsPage />}
        {route.page === 'new' && (
          <NewExperimentPage key={route.preset ?? ''} initialPreset={route.preset ?? 'bnVsLn'} />
        )}
        {route.page === 'live' && <LivePage />}
        {route.page === 'compare' && <ComparePage key={route.runIds.join(',')} runIds={route.runIds} />}
        {route.page === 'explore' && (
          <ExplorePage key={`${route.runId}:${route.withId}`} runId={route.runId} withId={route.withId} />
        )}
        {route.page === 'settings' && <SettingsPage />}
      </main>
      <WriteBlockedDialog />
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </div>
  )
}

export function App() {
  return (
    <TrainingProvider>
      <Frame />
    </TrainingProvider>
  )
}
