// The explorable: one batch a run trained on (a snapshot), and which of its values share one
// normalization statistic — per-step BN a column of valid samples, sequence-wise BN every valid
// cell, LN one sample's features, GN a group, RMSNorm like LN without centering. Hover or move
// with the arrows to see that statistic and the formula with the numbers; step through time to
// watch BN's count fall and its σ get noisy while LN's stays put. Beside it, another run of the
// same study and seed: the same batch under another norm.
import { useCallback, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { TrainConfig } from '../../../shared/contract/train-config'
import { decodeSnapshot, trainedLength, type Cell } from '../../../shared/lab/views/explorable'
import { NORMS, type NormKind } from '../../../shared/kinds'
import { api } from '../api'
import { useQuery } from '../data/use-query'
import { hrefOf } from '../state/router'
import { SnapshotGrid } from './SnapshotGrid'
import { StatisticPanel } from './StatisticPanel'
import { StepThrough } from './StepThrough'

const GRID_WIDTH = 440

function useSnapshot(runId: number | null, step: number | null, term: string | null) {
  return useQuery(
    `snapshot:${runId}:${step}:${term}`,
    () =>
      api.getSnapshot({
        runId: runId!,
        ...(step !== null ? { step } : {}),
        ...(term !== null ? { term: term as 'x' } : {}),
      }),
    { enabled: runId !== null },
  )
}

export function ExplorePage({ runId, withId }: { runId: number | null; withId: number | null }) {
  const { t } = useTranslation()
  const run = useQuery(`run:${runId}`, () => api.getRun({ id: runId! }), { enabled: runId !== null })
  const withSnapshots = useQuery('explore-runs', async () => (await api.listRuns({ filter: {} })).slice(0, 500), {
    enabled: runId === null,
  })
  const [step, setStep] = useState<number | null>(null)
  const [term, setTerm] = useState<string | null>(null)
  const main = useSnapshot(runId, step, term)
  const snapshot = useMemo(() => (main.data?.snapshot ? decodeSnapshot(main.data.snapshot) : null), [main.data])
  const [norm, setNorm] = useState<NormKind | null>(null)
  const [cell, setCell] = useState<Cell>({ n: 0, t: 0, f: 0 })
  const [partnerChoice, setPartnerChoice] = useState<number | null | undefined>(withId ?? undefined)

  const studyRuns = useQuery(
    `study-runs:${run.data?.studyId}`,
    () => api.listRuns({ filter: { studyId: run.data!.studyId! } }),
    { enabled: !!run.data?.studyId },
  )
  // Runs of the same study and seed draw the same batches: the same values under another norm.
  const partners = (studyRuns.data ?? []).filter(
    (r) =>
      r.id !== runId &&
      r.seed === run.data?.seed &&
      r.norm !== run.data?.norm &&
      (r.config as { batching?: string }).batching === (run.data?.config as { batching?: string })?.batching,
  )
  const partnerId = partnerChoice === undefined ? (partners[0]?.id ?? null) : partnerChoice
  const partnerRun = partners.find((r) => r.id === partnerId) ?? null
  const other = useSnapshot(partnerId, snapshot?.step ?? null, snapshot?.term ?? null)
  const partner = useMemo(
    () =>
      other.data?.snapshot && snapshot && other.data.snapshot.step === snapshot.step
        ? decodeSnapshot(other.data.snapshot)
        : null,
    [other.data, snapshot],
  )

  const select = useCallback((c: Cell) => setCell(c), [])
  const onStep = useCallback((tt: number) => setCell((c) => ({ ...c, t: tt })), [])

  if (runId === null) {
    const runs = (withSnapshots.data ?? []).filter((r) => (r.config as { snapshots?: unknown[] }).snapshots?.length)
    return (
      <section className="page explore" data-testid="explore">
        <h1>{t('explore.title')}</h1>
        <p className="muted">{t('explore.pickRun')}</p>
        <ul data-testid="explore-runs">
          {runs.map((r) => (
            <li key={r.id}>
              <a href={hrefOf({ page: 'explore', runId: r.id, withId: null })}>{r.name}</a>
            </li>
          ))}
        </ul>
      </section>
    )
  }
  if (run.error || main.error)
    return (
      <section className="page explore">
        <p className="error">{run.error ?? main.error}</p>
      </section>
    )
  if (!run.data || !main.data)
    return (
      <section className="page explore">
        <p className="muted">{t('explore.loading')}</p>
      </section>
    )
  if (!snapshot) {
    return (
      <section className="page explore" data-testid="explore">
        <h1>{t('explore.title')}</h1>
        <p data-testid="explore-none">{t('explore.none')}</p>
      </section>
    )
  }
  const config = run.data.config as { groups?: number; eps?: number; evalPolicies?: string[] }
  const groups = config.groups ?? 1
  const eps = config.eps ?? 1e-5
  const shownNorm = norm ?? run.data.norm
  const policies = (config.evalPolicies ?? ['last']) as never[]
  const at: Cell = {
    n: Math.min(cell.n, snapshot.N - 1),
    t: Math.min(cell.t, snapshot.T - 1),
    f: Math.min(cell.f, snapshot.F - 1),
  }
  const steps = [...new Set(main.data.available.map((a) => a.step))]
  const terms = main.data.available.filter((a) => a.step === snapshot.step).map((a) => a.term)
  const side = (label: string, s: typeof snapshot, sideNorm: NormKind, suffix: string) => (
    <div className="explore-side" data-testid={`explore-side${suffix}`} data-norm={sideNorm}>
      <h2>{label}</h2>
      <SnapshotGrid
        snapshot={s}
        grid="time"
        norm={sideNorm}
        groups={groups}
        selected={at}
        onSelect={select}
        width={GRID_WIDTH}
        testId={`grid-time${suffix}`}
      />
      <SnapshotGrid
        snapshot={s}
        grid="features"
        norm={sideNorm}
        groups={groups}
        selected={at}
        onSelect={select}
        width={GRID_WIDTH}
        testId={`grid-features${suffix}`}
      />
      <StatisticPanel
        snapshot={s}
        norm={sideNorm}
        groups={groups}
        cell={at}
        eps={eps}
        trainedLength={trainedLength(run.data!.config as TrainConfig)}
        policies={policies}
        testId={`stat${suffix}`}
      />
    </div>
  )
  return (
    <section className="page explore" data-testid="explore" data-step={snapshot.step} data-term={snapshot.term}>
      <h1>{t('explore.title')}</h1>
      <p className="muted">{t('explore.intro')}</p>
      <div className="explore-controls">
        <label>
          {t('explore.step')}{' '}
          <select data-testid="explore-step" value={snapshot.step} onChange={(e) => setStep(Number(e.target.value))}>
            {steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('explore.term')}{' '}
          <select data-testid="explore-term" value={snapshot.term} onChange={(e) => setTerm(e.target.value)}>
            {terms.map((x) => (
              <option key={x} value={x}>
                {t(`explore.termName.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('explore.feature')}{' '}
          <input
            type="number"
            data-testid="explore-feature"
            min={0}
            max={snapshot.F - 1}
            value={at.f}
            onChange={(e) => setCell({ ...at, f: Math.max(0, Math.min(snapshot.F - 1, Number(e.target.value) || 0)) })}
          />
          <span className="muted small" title={t('explore.featuresStoredWhy')}>
            {' '}
            {snapshot.F < snapshot.C
              ? t('explore.featuresStored', { stored: snapshot.F, total: snapshot.C })
              : t('explore.featuresAll', { total: snapshot.C })}
          </span>
        </label>
        <fieldset className="explore-norms">
          <legend>{t('explore.pickNorm')}</legend>
          {NORMS.filter((k) => k !== 'none').map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="explore-norm"
                data-testid={`explore-norm-${k}`}
                checked={shownNorm === k}
                onChange={() => setNorm(k)}
              />{' '}
              {t(`norm.${k}`)}
            </label>
          ))}
        </fieldset>
        {partners.length > 0 && (
          <label>
            {t('explore.beside')}{' '}
            <select
              data-testid="explore-with"
              value={partnerId ?? ''}
              onChange={(e) => setPartnerChoice(e.target.value === '' ? null : Number(e.target.value))}
            >
              <option value="">{t('explore.nobody')}</option>
              {partners.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="explore-columns">
        {side(`${run.data.name} · ${t(`norm.${shownNorm}`)}`, snapshot, shownNorm, '')}
        {partner &&
          partnerRun &&
          side(`${partnerRun.name} · ${t(`norm.${partnerRun.norm}`)}`, partner, partnerRun.norm as NormKind, '-b')}
      </div>
      <h2>{t('explore.stepThrough')}</h2>
      <StepThrough
        snapshot={snapshot}
        norms={[...new Set<NormKind>(['bn_step', 'ln', shownNorm])]}
        groups={groups}
        cell={at}
        eps={eps}
        onStep={onStep}
      />
      <p>
        <a
          data-testid="explore-finding"
          href={hrefOf({ page: 'compare', runIds: [run.data.id, ...(partnerRun ? [partnerRun.id] : [])] })}
        >
          {t('explore.finding')}
        </a>
      </p>
    </section>
  )
}
