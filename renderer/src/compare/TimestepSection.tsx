// Per-timestep statistics of every compared run at a chosen training step, side by side.
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf, Run, Term } from '../../../shared/contract'
import { ProfileChart } from '../charts/ProfileChart'
import { api } from '../api'

type Profile = ResponseOf<'getTimestepProfile'>

export function TimestepSection({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const [term, setTerm] = useState<Term>('h')
  const [steps, setSteps] = useState<number[]>([])
  const [index, setIndex] = useState(-1)
  const [profiles, setProfiles] = useState<Record<number, Profile | null>>({})

  // The recorded steps of the first run with statistics set the slider.
  useEffect(() => {
    let cancelled = false
    void (async () => {
      for (const run of runs) {
        const grid = await api.getTimestepGrid({ runId: run.id, term, field: 'count', maxRows: 100_000 }).catch(() => null)
        if (grid && grid.steps.length > 0) {
          if (!cancelled) {
            setSteps(grid.steps)
            setIndex(grid.steps.length - 1)
          }
          return
        }
      }
      if (!cancelled) setSteps([])
    })()
    return () => {
      cancelled = true
    }
  }, [runs, term])

  const step = steps[index]
  useEffect(() => {
    if (step === undefined) return
    let cancelled = false
    void Promise.all(runs.map((run) => api.getTimestepProfile({ runId: run.id, term, step }).catch(() => null))).then((list) => {
      if (!cancelled) setProfiles(Object.fromEntries(runs.map((r, i) => [r.id, list[i] ?? null])))
    })
    return () => {
      cancelled = true
    }
  }, [runs, term, step])

  const available = useMemo(() => runs.some((r) => r.cell === 'lstm'), [runs])
  return (
    <section className="card" data-testid="timestep-section">
      <h2>{t('compare.timesteps')}</h2>
      <p className="muted">{t('compare.timestepsBody')}</p>
      <div className="toolbar">
        <label>
          {t('compare.term')}{' '}
          <select value={term} onChange={(e) => setTerm(e.target.value as Term)} data-testid="term-select">
            <option value="x">{t('termName.x')}</option>
            <option value="h">{t('termName.h')}</option>
            {available && <option value="c">{t('termName.c')}</option>}
          </select>
        </label>
        {steps.length > 0 && (
          <label className="grow">
            {t('compare.atTrainingStep', { step: step ?? '—' })}{' '}
            <input type="range" min={0} max={steps.length - 1} value={Math.max(0, index)} onChange={(e) => setIndex(Number(e.target.value))} aria-label={t('compare.trainingStep')} data-testid="step-slider" />
          </label>
        )}
      </div>
      {steps.length === 0 ? (
        <p className="muted">{t('compare.noStats')}</p>
      ) : (
        <div className="grid-auto">
          {runs.map((run, i) => {
            const p = profiles[run.id]
            return p ? (
              <ProfileChart key={run.id} data={p} colorIndex={i} title={`#${run.id} ${t(`norm.${run.norm}`)} · ${t('runs.columns.batch')} ${run.batchSize} · ${t('compare.stepShort', { step: p.step })}`} testId={`profile-${run.id}`} />
            ) : (
              <div key={run.id} className="muted profile-missing">
                #{run.id}: {t('compare.noStatsForRun')}
              </div>
            )
          })}
        </div>
      )}
    </section>
  )
}
