// Per-timestep statistics of every compared run at a chosen training step, side by side.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf, Run, Term } from '../../../shared/contract'
import { ProfileChart } from '../charts/ProfileChart'
import { api } from '../api'
import { useQuery } from '../data/use-query'

type Profile = ResponseOf<'getTimestepProfile'>

export function TimestepSection({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const [term, setTerm] = useState<Term>('h')
  const [chosen, setChosen] = useState<number | null>(null)
  const ids = runs.map((r) => r.id).join(',')

  // The recorded steps of the first run with statistics set the slider.
  const recorded = useQuery(`${ids}|${term}`, async () => {
    for (const run of runs) {
      const { steps } = await api.listRecordedSteps({ runId: run.id, term })
      if (steps.length > 0) return steps
    }
    return []
  })
  const steps = recorded.data ?? []
  const index = chosen === null || chosen >= steps.length ? steps.length - 1 : chosen
  const step = steps[index]

  const profiles = useQuery(
    `${ids}|${term}|${step}`,
    async () => {
      // A run with nothing recorded at or before this step has no profile to show.
      const list = await Promise.all(runs.map((run) => api.getTimestepProfile({ runId: run.id, term, step }).catch(() => null)))
      return Object.fromEntries(runs.map((r, i) => [r.id, list[i] ?? null])) as Record<number, Profile | null>
    },
    { enabled: step !== undefined },
  )

  const hasCell = runs.some((r) => r.cell === 'lstm')
  return (
    <section className="card" data-testid="timestep-section">
      <h2>{t('compare.timesteps')}</h2>
      <p className="muted">{t('compare.timestepsBody')}</p>
      <div className="toolbar">
        <label>
          {t('compare.term')}{' '}
          <select
            value={term}
            onChange={(e) => {
              setTerm(e.target.value as Term)
              setChosen(null)
            }}
            data-testid="term-select"
          >
            <option value="x">{t('termName.x')}</option>
            <option value="h">{t('termName.h')}</option>
            {hasCell && <option value="c">{t('termName.c')}</option>}
          </select>
        </label>
        {steps.length > 0 && (
          <label className="grow">
            {t('compare.atTrainingStep', { step: step ?? '—' })}{' '}
            <input type="range" min={0} max={steps.length - 1} value={Math.max(0, index)} onChange={(e) => setChosen(Number(e.target.value))} aria-label={t('compare.trainingStep')} data-testid="step-slider" />
          </label>
        )}
      </div>
      {recorded.status === 'error' && <p className="error">{recorded.error}</p>}
      {profiles.status === 'error' && <p className="error">{profiles.error}</p>}
      {recorded.status === 'ready' && steps.length === 0 ? (
        <p className="muted">{t('compare.noStats')}</p>
      ) : (
        <div className="grid-auto">
          {runs.map((run, i) => {
            const p = profiles.data?.[run.id]
            return p ? (
              <ProfileChart key={run.id} data={p} colorIndex={i} title={`#${run.id} ${t(`norm.${run.norm}`)} · ${t('runs.columns.batch')} ${run.batchSize} · ${t('compare.stepShort', { step: p.step })}`} testId={`profile-${run.id}`} />
            ) : (
              <div key={run.id} className="muted profile-missing">
                #{run.id}: {profiles.data ? t('compare.noStatsForRun') : t('runs.loading')}
              </div>
            )
          })}
        </div>
      )}
    </section>
  )
}
