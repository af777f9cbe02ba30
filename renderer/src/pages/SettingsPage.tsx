import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf } from '../../../shared/contract'
import { describeFailure } from '../../../shared/engine/golden-result'
import { api, transport } from '../api'
import { EnvBadge } from '../components/EnvBadge'
import { LanguageSwitch } from '../components/LanguageSwitch'
import {
  PARALLEL_CHOICES,
  runsAtOnce,
  updateSettings,
  useSettings,
  type ParallelRuns,
  type Theme,
} from '../state/settings'
import { useTraining, useTrainingController } from '../state/training'
import { PROBE_CASE, PROBE_STEPS } from '../../../shared/engine/backend-probe'
import { benchLabel } from '../../../shared/engine/bench-cases'
import { ProbeTable } from '../components/ProbeTable'
import { BACKEND_CHOICES, type BackendChoice } from '../training/protocol'

export function SettingsPage() {
  const { t } = useTranslation()
  const settings = useSettings()
  const training = useTraining()
  const controller = useTrainingController()
  // Settings shows the backend and its numerics: start it (browsing elsewhere never waits for it).
  useEffect(() => controller.ensureBackend(), [controller])
  const [env, setEnv] = useState<ResponseOf<'getEnvironment'> | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    api.getEnvironment({}).then(setEnv, (e: unknown) => setError((e as Error).message))
  }, [])

  const check = training.selfCheck
  const passed = check.results.filter((r) => r.pass).length
  return (
    <section className="page settings">
      <h1>{t('settings.title')}</h1>

      <h2>{t('settings.archive')}</h2>
      {error && <p className="error">{error}</p>}
      <dl className="facts" data-testid="environment">
        <dt>{t('settings.archivePath')}</dt>
        <dd className="mono">
          {env?.archivePath ?? '…'}
          {transport === 'ipc' && (
            <button type="button" className="inline-button" onClick={() => void api.revealArchive({})}>
              {t('settings.openFolder')}
            </button>
          )}
        </dd>
        <dt>{t('settings.schemaVersion')}</dt>
        <dd>{env?.schemaVersion ?? '…'}</dd>
        <dt>{t('settings.appVersion')}</dt>
        <dd>{env?.appVersion ?? '…'}</dd>
        <dt>{t('settings.transport')}</dt>
        <dd>{transport === 'ipc' ? t('settings.transportIpc') : t('settings.transportHttp')}</dd>
      </dl>

      <h2>{t('settings.compute')}</h2>
      <EnvBadge backend={training.backend} />
      <label className="field">
        <span className="field-label">{t('settings.preferredBackend')}</span>
        <select
          value={settings.backend}
          data-testid="backend-select"
          onChange={(e) => {
            const backend = e.target.value as BackendChoice
            updateSettings({ backend })
            controller.setPreferredBackend(backend)
          }}
        >
          {BACKEND_CHOICES.map((b) => (
            <option key={b} value={b}>
              {t(`backendName.${b}`)}
            </option>
          ))}
        </select>
        <span className="field-hint">{t('settings.backendHint')}</span>
      </label>
      <label className="field">
        <span className="field-label">{t('settings.parallelRuns')}</span>
        <select
          value={String(settings.parallelRuns)}
          data-testid="parallel-select"
          onChange={(e) => {
            const value = e.target.value
            updateSettings({ parallelRuns: value === 'auto' ? 'auto' : (Number(value) as ParallelRuns) })
          }}
        >
          {PARALLEL_CHOICES.map((c) => (
            <option key={c} value={String(c)}>
              {c === 'auto' ? t('settings.parallelAuto', { count: runsAtOnce('auto') }) : String(c)}
            </option>
          ))}
        </select>
        <span className="field-hint">{t('settings.parallelHint')}</span>
      </label>
      {training.backend.state === 'ready' && training.backend.info.probes && (
        <>
          <h3>{t('settings.probeTitle')}</h3>
          <p className="muted">
            {t('settings.probeBody', { model: `${benchLabel(PROBE_CASE)} ${PROBE_CASE.norm}`, steps: PROBE_STEPS })}
          </p>
          <ProbeTable probes={training.backend.info.probes} used={training.backend.info.backend} />
        </>
      )}

      <h2>{t('selfCheck.title')}</h2>
      <p className="muted">{t('selfCheck.body')}</p>
      <button
        type="button"
        className="primary"
        data-testid="self-check"
        disabled={check.running || training.backend.state !== 'ready' || training.live !== null}
        onClick={() => controller.runSelfCheck()}
      >
        {check.running ? t('selfCheck.running') : t('selfCheck.run')}
      </button>
      {training.live !== null && <span className="muted"> {t('selfCheck.busy')}</span>}
      {check.results.length > 0 && (
        <>
          <p data-testid="self-check-summary" className={passed === check.results.length ? 'ok' : 'error'}>
            {t('selfCheck.summary', {
              passed,
              total: check.results.length,
              backend: check.backend ?? (training.backend.state === 'ready' ? training.backend.info.backend : ''),
            })}
          </p>
          <table className="summary-table" data-testid="self-check-table">
            <thead>
              <tr>
                <th>{t('selfCheck.case')}</th>
                <th>{t('selfCheck.result')}</th>
                <th>{t('selfCheck.worstError')}</th>
                <th>{t('selfCheck.ofTolerance')}</th>
                <th>{t('selfCheck.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {check.results.map((r) => (
                <tr key={r.name} data-pass={r.pass}>
                  <td className="mono">{r.name}</td>
                  <td className={r.pass ? 'ok' : 'error'}>{r.pass ? t('selfCheck.pass') : t('selfCheck.fail')}</td>
                  <td className="num">{Number.isFinite(r.worstAbs) ? r.worstAbs.toExponential(2) : '—'}</td>
                  <td className="num">{Number.isFinite(r.worstRatio) ? r.worstRatio.toFixed(3) : '—'}</td>
                  <td className="detail">{r.pass ? '' : describeFailure(r).slice(r.name.length + 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <h2>{t('language.label')}</h2>
      <LanguageSwitch />

      <h2>{t('settings.theme')}</h2>
      <select
        value={settings.theme}
        onChange={(e) => updateSettings({ theme: e.target.value as Theme })}
        aria-label={t('settings.theme')}
        data-testid="theme-select"
      >
        {(['system', 'light', 'dark'] as const).map((theme) => (
          <option key={theme} value={theme}>
            {t(`theme.${theme}`)}
          </option>
        ))}
      </select>
    </section>
  )
}
