import { useTranslation } from 'react-i18next'
import type { BackendProbe } from '../../../shared/engine/backend-probe'

/** The backend probe's numbers: each backend's ms per training step, or why it cannot be used; the one in use marked. */
export function ProbeTable({ probes, used }: { probes: BackendProbe[]; used: string }) {
  const { t } = useTranslation()
  const fastest = probes.find((p) => p.backend === used)?.msPerStep ?? null
  return (
    <table className="summary-table" data-testid="probe-table">
      <thead>
        <tr>
          <th>{t('settings.probeBackend')}</th>
          <th>{t('settings.probeMs')}</th>
          <th>{t('settings.probeResult')}</th>
        </tr>
      </thead>
      <tbody>
        {probes.map((p) => (
          <tr key={p.backend} data-backend={p.backend} data-used={p.backend === used} data-ms={p.msPerStep ?? ''}>
            <td>{t(`backendName.${p.backend}`, { defaultValue: p.backend })}</td>
            <td className="num">{p.msPerStep === null ? '—' : p.msPerStep.toFixed(1)}</td>
            <td className={p.failure ? 'warn' : p.backend === used ? 'ok' : ''}>
              {p.failure
                ? t('settings.probeUnusable', { reason: p.failure })
                : p.backend === used
                  ? t('settings.probeChosen')
                  : fastest !== null && p.msPerStep !== null
                    ? t('settings.probeSlower', { times: (p.msPerStep / fastest).toFixed(1) })
                    : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
