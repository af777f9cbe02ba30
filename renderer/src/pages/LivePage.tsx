import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { LineChart, type Series } from '../charts/LineChart'
import { cellTerms } from '../../../shared/kinds'
import { ProfileChart } from '../charts/ProfileChart'
import { colorAt } from '../charts/setup'
import { hrefOf } from '../state/router'
import { useTrainingController, useTrainingTransition } from '../state/training'
import type { FinishedBatch } from '../training/controller'
import { startupFraction } from '../training/protocol'
import { ExportReport } from '../compare/ExportReport'
import { FindingsSection } from '../compare/FindingsSection'
import { SettleRounds } from '../components/SettleRounds'
import { ResumeOffer } from '../components/ResumeOffer'

const EMPTY_PROFILE = { count: [], normCount: null, mean: [], var: [] }
const PHASE_TEXT = {
  starting: 'backend.startingOne',
  checking: 'backend.checkingOne',
  probing: 'backend.probingOne',
} as const

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—'
  const s = Math.round(ms / 1000)
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
}

export function LivePage() {
  const { t } = useTranslation()
  const state = useTrainingTransition()
  const controller = useTrainingController()
  const live = state.live

  const curves = useMemo<Series[]>(() => {
    if (!live) return []
    return [
      { label: t('metric.loss'), points: live.loss.map((p) => ({ x: p.step, y: p.value })), color: colorAt(0) },
      { label: t('metric.evalLoss'), points: live.evalLoss.map((p) => ({ x: p.step, y: p.value })), color: colorAt(1) },
    ]
  }, [live, t])
  const accuracy = useMemo<Series[]>(
    () =>
      live
        ? [
            {
              label: t('metric.accuracy'),
              points: live.accuracy.map((p) => ({ x: p.step, y: p.value })),
              color: colorAt(2),
            },
          ]
        : [],
    [live, t],
  )

  if (!live) {
    const finished = state.finished
    return (
      <section className="page">
        <h1>{t('live.title')}</h1>
        <ResumeOffer />
        {state.settle && <SettleRounds settle={state.settle} />}
        {state.settle && state.settle.stop === null ? (
          <div className="card" data-testid="live-between-rounds">
            <p className="muted">{t('live.betweenRounds')}</p>
          </div>
        ) : finished && finished.runs.length > 0 ? (
          <FinishedStudy finished={finished} />
        ) : (
          <div className="empty-state" data-testid="live-idle">
            <h2>{t('live.idleTitle')}</h2>
            <p>{t('live.idleBody')}</p>
            <a className="button" href="#/new">
              {t('nav.newExperiment')}
            </a>
          </div>
        )}
        {state.lastError && <p className="error">{state.lastError}</p>}
      </section>
    )
  }

  const fraction = live.step / Math.max(1, live.totalSteps)
  // The study's time left, from the measured rates of the runs training now (side by side, they
  // add up): their own steps left and every queued run's.
  const training = [live, ...state.alongside]
  const rate = training.reduce((sum, run) => sum + run.stepsPerSecond, 0)
  const stepsLeft =
    training.reduce((sum, run) => sum + run.totalSteps - run.step, 0) +
    state.queue.reduce((sum, run) => sum + run.config.steps, 0)
  const studyLeftMs = rate > 0 ? Math.max(...training.map((r) => r.etaMs), (stepsLeft / rate) * 1000) : null
  const trainingFraction = training.reduce((sum, run) => sum + run.step / Math.max(1, run.totalSteps), 0)
  const batchFraction = (state.batch.done + trainingFraction) / Math.max(1, state.batch.total)
  return (
    <section className="page" data-testid="live-view" data-run-id={live.runId}>
      <h1>{t('live.title')}</h1>
      <div className="live-head">
        <div>
          <h2>{live.name}</h2>
          <progress max={1} value={fraction} aria-label={t('live.runProgress')} />
          <div className="muted" data-testid="live-progress">
            {t('live.progress', {
              step: live.step,
              total: live.totalSteps,
              rate: live.stepsPerSecond.toFixed(1),
              eta: duration(live.etaMs),
            })}
          </div>
          {state.backend.state === 'starting' && (
            // Before the first step: what the wait is for, so "0.0 steps/s" is not read as a hang.
            <div className="muted" data-testid="live-preparing" role="status">
              <progress
                className="startup"
                max={1}
                value={startupFraction(state.backend)}
                aria-label={t('live.preparingProgress')}
                data-testid="live-preparing-progress"
                data-index={state.backend.index}
                data-of={state.backend.of}
              />
              {state.backend.trying === null
                ? t('backend.initializing')
                : t(PHASE_TEXT[state.backend.phase], { backend: state.backend.trying })}
              {state.backend.of > 1 &&
                ` (${t('live.preparingStep', { index: state.backend.index + 1, of: state.backend.of })})`}{' '}
              {t('live.preparingHint')}
            </div>
          )}
          {state.alongside.length > 0 && (
            <div className="muted" data-testid="live-alongside">
              {t('live.alongside')}
              <ul>
                {state.alongside.map((run) => (
                  <li key={run.runId} data-run-id={run.runId}>
                    {run.name} <progress max={1} value={run.step / Math.max(1, run.totalSteps)} aria-label={run.name} />{' '}
                    {t('live.progress', {
                      step: run.step,
                      total: run.totalSteps,
                      rate: run.stepsPerSecond.toFixed(1),
                      eta: duration(run.etaMs),
                    })}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {state.batch.total > 1 && (
            <>
              <progress max={1} value={batchFraction} aria-label={t('live.studyProgress')} />
              <div className="muted" data-testid="live-study-progress">
                {t('live.studyRuns', { done: state.batch.done, total: state.batch.total })}
                {studyLeftMs !== null && ` · ${t('live.studyLeft', { eta: duration(studyLeftMs) })}`}
              </div>
            </>
          )}
        </div>
        <div className="controls">
          {state.paused ? (
            <button type="button" onClick={() => controller.resume()}>
              {t('live.resume')}
            </button>
          ) : (
            <button type="button" onClick={() => controller.pause()}>
              {t('live.pause')}
            </button>
          )}
          <button type="button" className="danger" onClick={() => controller.stop()}>
            {t('live.stop')}
          </button>
          <a className="button" href={hrefOf({ page: 'compare', runIds: [live.runId] })}>
            {t('live.openRun')}
          </a>
        </div>
      </div>
      {state.lastError && <p className="error">{state.lastError}</p>}
      {state.settle && <SettleRounds settle={state.settle} />}
      <div className="grid-2">
        <LineChart series={curves} xTitle={t('axis.step')} yTitle={t('metric.loss')} testId="live-loss" zoom={false} />
        <LineChart
          series={accuracy}
          xTitle={t('axis.step')}
          yTitle={live.task === 'adding' ? t('metric.accuracyRegression') : t('metric.accuracy')}
          testId="live-accuracy"
          zoom={false}
        />
      </div>
      <h2>{t('live.profileTitle')}</h2>
      <p className="muted">{t('live.profileBody')}</p>
      <div className="grid-3">
        {/* One slot per term of the cell, kept mounted across runs: charts redraw instead of being rebuilt. */}
        {cellTerms(live.cell).map((term, i) => {
          const record = live.profile.find((r) => r.term === term)
          return (
            <ProfileChart
              key={term}
              data={record ?? EMPTY_PROFILE}
              colorIndex={i}
              title={t(`term.${term}`, { step: record?.step ?? '—' })}
              testId={`live-profile-${term}`}
            />
          )
        })}
      </div>
    </section>
  )
}

/** After a study: what trained, how each run ended, and the way on to comparing them. */
function FinishedStudy({ finished }: { finished: FinishedBatch }) {
  const { t } = useTranslation()
  const ids = finished.runs.map((r) => r.runId)
  return (
    <div className="card" data-testid="live-idle" data-finished="true">
      <h2>{finished.study ? t('live.finishedStudy', { name: finished.study.name }) : t('live.finishedRuns')}</h2>
      <ul className="finished-runs" data-testid="finished-runs">
        {finished.runs.map((run) => (
          <li key={run.runId}>
            <a href={hrefOf({ page: 'compare', runIds: [run.runId] })}>
              #{run.runId} {run.name}
            </a>{' '}
            · <span className={`status status-${run.status}`}>{t(`status.${run.status}`)}</span>
            {run.error && <span className="error"> · {run.error}</span>}
          </li>
        ))}
      </ul>
      <ExportReport runIds={ids} />
      <FindingsSection runIds={ids} />
      <div className="controls">
        <a className="button primary" href={hrefOf({ page: 'compare', runIds: ids })} data-testid="compare-finished">
          {t('live.compareFinished', { count: ids.length })}
        </a>
        <a className="button" href="#/new">
          {t('nav.newExperiment')}
        </a>
      </div>
    </div>
  )
}
