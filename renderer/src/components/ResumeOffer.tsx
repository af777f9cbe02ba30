// What the lab can go on with: each study with runs left queued or interrupted (a closed window, a
// stop, a crash), how many, and from which step the interrupted ones resume. Shown on the Runs
// page (what the lab opens on) and the Training page while nothing trains.
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { useQuery } from '../data/use-query'
import { navigate } from '../state/router'
import { useOptionalTrainingController } from '../state/training'
import { useSyncExternalStore } from 'react'
import type { TrainingController } from '../training/controller'

interface Offer {
  studyId: number | null
  name: string | null
  queued: number
  interrupted: { runId: number; fromStep: number }[]
}

async function loadOffers(): Promise<Offer[]> {
  const [resumable, studies, running] = await Promise.all([
    api.listResumable({}),
    api.listStudies({}),
    api.listRuns({ filter: { status: 'running' } }),
  ])
  // A study with a run still training (here, in another window, or the CLI) is not offered yet: its
  // trainer may go on with it; a trainer that is gone is judged so when its lease runs out.
  const busy = new Set(running.map((r) => r.studyId))
  const offers = new Map<number | null, Offer>()
  for (const r of resumable.filter((x) => !busy.has(x.studyId))) {
    const offer = offers.get(r.studyId) ?? {
      studyId: r.studyId,
      name: studies.find((s) => s.id === r.studyId)?.name ?? null,
      queued: 0,
      interrupted: [],
    }
    if (r.status === 'queued') offer.queued++
    else offer.interrupted.push({ runId: r.runId, fromStep: r.fromStep })
    offers.set(r.studyId, offer)
  }
  return [...offers.values()]
}

/** Offered where the page can train (a view shown without a trainer offers nothing). */
export function ResumeOffer() {
  const controller = useOptionalTrainingController()
  return controller ? <Offers controller={controller} /> : null
}

function Offers({ controller }: { controller: TrainingController }) {
  const { t } = useTranslation()
  const busy = useSyncExternalStore(
    controller.subscribe,
    () => controller.getState().live !== null || controller.getState().queue.length > 0,
  )
  const offers = useQuery('resumable', loadOffers, { refreshOn: (event) => event.change !== 'data', enabled: !busy })
  if (busy || !offers.data || offers.data.length === 0) return null
  return (
    <div className="card resume-offer" data-testid="resume-offer">
      <h2>{t('resume.title')}</h2>
      <ul>
        {offers.data.map((o) => {
          const from = o.interrupted.filter((r) => r.fromStep > 0)
          return (
            <li key={o.studyId ?? 'none'} data-testid="resume-study" data-study-id={o.studyId ?? ''}>
              <strong>{o.name ?? t('resume.noStudy')}</strong>{' '}
              <span>
                {t('resume.counts', { queued: o.queued, interrupted: o.interrupted.length })}
                {from.length > 0 &&
                  ` · ${t('resume.fromSteps', { steps: from.map((r) => t('resume.atStep', { run: r.runId, step: r.fromStep })).join(', ') })}`}
              </span>{' '}
              <button
                type="button"
                className="primary"
                onClick={() => {
                  void controller.resumeStudy(o.studyId, o.name)
                  navigate({ page: 'live' })
                }}
              >
                {o.studyId === null ? t('resume.resumeRuns') : t('resume.resumeStudy')}
              </button>
            </li>
          )
        })}
      </ul>
      <p className="muted">{t('resume.explain')}</p>
    </div>
  )
}
