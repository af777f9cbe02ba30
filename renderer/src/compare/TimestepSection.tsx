// Per-timestep statistics of every compared group at a chosen recorded step, side by side: one
// chart per group of seeds (the mean over seeds with its band; each seed on demand).
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run, Term } from '../../../shared/contract'
import { isLanguage } from '../../../shared/i18n'
import { setLabelText } from '../../../shared/lab/findings'
import { groupBySeed, profileView, type StepStats } from '../../../shared/lab/views'
import { GroupProfileChart } from '../charts/ProfileChart'
import { api } from '../api'
import { useQuery } from '../data/use-query'

export function TimestepSection({ runs }: { runs: Run[] }) {
  const { t, i18n } = useTranslation()
  const language = isLanguage(i18n.language) ? i18n.language : 'en'
  const [term, setTerm] = useState<Term>('h')
  const [chosen, setChosen] = useState<number | null>(null)
  const [showSeeds, setShowSeeds] = useState(false)
  const ids = runs.map((r) => r.id).join(',')
  const groups = useMemo(() => groupBySeed(runs), [runs])

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
      const list = await Promise.all(
        runs.map((run) => api.getTimestepProfile({ runId: run.id, term, step }).catch(() => null)),
      )
      return list.flatMap((p, i): StepStats[] =>
        p
          ? [{ runId: runs[i]!.id, step: p.step, count: p.count, normCount: p.normCount, mean: p.mean, var: p.var }]
          : [],
      )
    },
    { enabled: step !== undefined },
  )
  const views = useMemo(
    () => groups.map((g) => ({ g, view: profiles.data ? profileView(g, profiles.data) : null })),
    [groups, profiles.data],
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
            <input
              type="range"
              min={0}
              max={steps.length - 1}
              value={Math.max(0, index)}
              onChange={(e) => setChosen(Number(e.target.value))}
              aria-label={t('compare.trainingStep')}
              data-testid="step-slider"
            />
          </label>
        )}
        <label>
          <input type="checkbox" checked={showSeeds} onChange={(e) => setShowSeeds(e.target.checked)} />{' '}
          {t('groups.showSeeds')}
        </label>
      </div>
      {recorded.status === 'error' && <p className="error">{recorded.error}</p>}
      {profiles.status === 'error' && <p className="error">{profiles.error}</p>}
      {recorded.status === 'ready' && steps.length === 0 ? (
        <p className="muted">{t('compare.noStats')}</p>
      ) : (
        <div className="grid-auto">
          {views.map(({ g, view }) =>
            view ? (
              <GroupProfileChart
                key={g.key}
                view={view}
                showSeeds={showSeeds}
                title={`${setLabelText(g.label, language)} · ${t('groups.seeds', { count: view.seeds.length })} · ${t('compare.stepShort', { step: view.steps[0] })}`}
                testId={`profile-group-${g.index}`}
              />
            ) : (
              <div key={g.key} className="muted profile-missing">
                {setLabelText(g.label, language)}: {profiles.data ? t('compare.noStatsForRun') : t('runs.loading')}
              </div>
            ),
          )}
        </div>
      )}
    </section>
  )
}
