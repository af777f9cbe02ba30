import { useTranslation } from 'react-i18next'
import type { TrainingState } from '../training/controller'

/** The compute backend the training worker got: backend, WebGL version, GPU, float32 support. */
export function EnvBadge({ backend }: { backend: TrainingState['backend'] }) {
  const { t } = useTranslation()
  if (backend.state === 'starting') {
    return (
      <div className="env-badge" data-testid="env-badge" data-state="starting">
        {t('backend.initializing')}
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
  return (
    <div className="env-badge" data-testid="env-badge" data-state="ready" data-backend={info.backend} title={info.fallbackReason ?? undefined}>
      <span className="env-backend">
        {t('backend.label')}: <strong>{info.backend}</strong>
      </span>
      {info.webglVersion !== null && <span>{t('backend.webglVersion', { version: info.webglVersion })}</span>}
      {info.backend === 'webgl' && <span className="env-gpu">{info.gpuRenderer ?? t('backend.unknownGpu')}</span>}
      {info.float32 !== null && <span className={info.float32 ? '' : 'warn'}>{info.float32 ? t('backend.float32Yes') : t('backend.float32No')}</span>}
      {info.fallbackReason && (
        <span className="warn" role="status" data-testid="backend-fallback">
          {t('backend.fallback', { reason: info.fallbackReason, backend: info.backend })}
        </span>
      )}
    </div>
  )
}
