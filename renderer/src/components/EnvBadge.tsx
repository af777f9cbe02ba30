import { useTranslation } from 'react-i18next'
import type { TrainingState } from '../training/controller'

/**
 * The compute backend the training worker got: backend, WebGL version, GPU, float32 support, its
 * numerics check, and why a preferred backend was skipped (with the full self-check one click away).
 */
export function EnvBadge({ backend, compact = false }: { backend: TrainingState['backend']; compact?: boolean }) {
  const { t } = useTranslation()
  if (backend.state === 'idle') {
    return (
      <div className="env-badge" data-testid="env-badge" data-state="idle" title={t('backend.idleHint')}>
        {t('backend.idle')}
      </div>
    )
  }
  if (backend.state === 'starting') {
    const phaseText = {
      starting: 'backend.startingOne',
      checking: 'backend.checkingOne',
      probing: 'backend.probingOne',
    } as const
    const label =
      backend.trying === null ? t('backend.initializing') : t(phaseText[backend.phase], { backend: backend.trying })
    return (
      <div className="env-badge" data-testid="env-badge" data-state="starting" data-phase={backend.phase} role="status">
        {label}
      </div>
    )
  }
  if (backend.state === 'failed') {
    return (
      <div className="env-badge error" data-testid="env-badge" data-state="failed">
        {t('backend.failed', { reason: backend.reason })}
      </div>
    )
  }
  const { info } = backend
  const numerics = info.numerics
  const numericsText = t('backend.numericsOk', {
    passed: numerics.passed,
    cases: numerics.cases,
    worst: numerics.worstRatio === null ? '—' : numerics.worstRatio.toFixed(2),
  })
  // The header's badge: backend and numerics at a glance, the GPU and the rest on hover and on Settings.
  if (compact) {
    return (
      <div
        className="env-badge compact"
        data-testid="env-badge"
        data-state="ready"
        data-backend={info.backend}
        data-numerics={info.numericsRemembered ? 'remembered' : 'checked'}
        title={[info.gpuRenderer, numericsText, info.fallbackReason].filter(Boolean).join('\n')}
      >
        <span className="env-backend">
          {t('backend.label')}: <strong>{info.backend}</strong>
        </span>
        <span className="ok" data-testid="backend-numerics">
          ✓ {numerics.passed}/{numerics.cases}
        </span>
        {info.fallbackReason && (
          <a className="warn" href="#/settings" data-testid="backend-fallback">
            {t('backend.fellBack')}
          </a>
        )}
      </div>
    )
  }
  return (
    <div
      className="env-badge"
      data-testid="env-badge"
      data-state="ready"
      data-backend={info.backend}
      data-numerics={info.numericsRemembered ? 'remembered' : 'checked'}
    >
      <span className="env-backend">
        {t('backend.label')}: <strong>{info.backend}</strong>
      </span>
      {info.webglVersion !== null && <span>{t('backend.webglVersion', { version: info.webglVersion })}</span>}
      {info.probes && (
        <span data-testid="backend-chosen">
          {t('backend.chosenFastest', { count: info.probes.filter((p) => p.msPerStep !== null).length })}
        </span>
      )}
      {(info.backend === 'webgl' || info.backend === 'webgpu') && (
        <span className="env-gpu" title={info.gpuRenderer ?? undefined}>
          {info.gpuRenderer ?? t('backend.unknownGpu')}
        </span>
      )}
      {info.float32 !== null && (
        <span className={info.float32 ? '' : 'warn'}>
          {info.float32 ? t('backend.float32Yes') : t('backend.float32No')}
        </span>
      )}
      <span
        className="ok"
        data-testid="backend-numerics"
        title={numerics.strict ? t('backend.numericsStrict') : undefined}
      >
        {numericsText}
      </span>
      {info.fallbackReason && (
        <span className="warn" role="status" data-testid="backend-fallback">
          {t('backend.fallback', { reason: info.fallbackReason, backend: info.backend })}{' '}
          <a href="#/settings">{t('backend.openSelfCheck')}</a>
        </span>
      )}
    </div>
  )
}
