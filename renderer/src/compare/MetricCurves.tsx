// A metric against the training step or wall time, one line per group of seeds (the mean with its
// 95 % band; each seed on demand), and a table of final, best and at-step values per group.
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { MetricSeries, Run } from '../../../shared/contract'
import { higherIsBetter } from '../../../shared/kinds'
import { setLabelText } from '../../../shared/lab/findings'
import { curvesView, groupBySeed, meanSd } from '../../../shared/lab/views'
import type { CurvesX } from '../../../shared/lab/views/curves'
import { isLanguage } from '../../../shared/i18n'
import { GroupLinesChart } from '../charts/GroupLinesChart'
import { bestOf } from '../charts/range'
import { ScaleControls, useLogScale } from '../charts/ScaleControls'
import { colorAt } from '../charts/setup'

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toPrecision(4)
const meanPlusMinus = (values: (number | null | undefined)[]) => {
  const { mean, sd, n } = meanSd(values)
  return n === 0 ? '—' : sd === null ? fmt(mean) : `${fmt(mean)} ± ${sd.toPrecision(2)}`
}

export function MetricCurves({ runs, series }: { runs: Run[]; series: MetricSeries[] }) {
  const { t, i18n } = useTranslation()
  const language = isLanguage(i18n.language) ? i18n.language : 'en'
  const names = useMemo(
    () => [...new Set(series.map((s) => s.name))].filter((n) => n !== 'lr' && n !== 'step_ms').sort(),
    [series],
  )
  const [chosenMetric, setMetric] = useState('loss')
  const metric = names.includes(chosenMetric) ? chosenMetric : (names[0] ?? 'loss')
  const [xMode, setXMode] = useState<CurvesX>('step')
  const [weight, setWeight] = useState(0.6)
  const [showSeeds, setShowSeeds] = useState(false)
  const [atStep, setAtStep] = useState('')
  const [reset, setReset] = useState(0)

  const groups = useMemo(() => groupBySeed(runs), [runs])
  const view = useMemo(
    () => curvesView(groups, series, { metric, x: xMode, smoothing: weight }),
    [groups, series, metric, xMode, weight],
  )
  const logY = useLogScale(view.logByDefault)

  const seriesOf = (run: Run) => series.find((x) => x.runId === run.id && x.name === metric)
  const stepNumber = Number(atStep)
  const valueAt = (s: MetricSeries | undefined) => {
    if (!s || !atStep.trim() || !Number.isFinite(stepNumber)) return null
    let best: number | null = null
    s.steps.forEach((step, k) => {
      if (step <= stepNumber) best = s.values[k]!
    })
    return best
  }
  const metricName = t(`metricName.${metric.replace('/', '_')}`, { defaultValue: metric })

  return (
    <section className="card" data-testid="metric-curves">
      <h2>{t('compare.curves')}</h2>
      <div className="toolbar">
        <label>
          {t('compare.metric')}{' '}
          <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="metric-select">
            {names.map((n) => (
              <option key={n} value={n}>
                {t(`metricName.${n.replace('/', '_')}`, { defaultValue: n })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('compare.xAxis')}{' '}
          <select value={xMode} onChange={(e) => setXMode(e.target.value as CurvesX)} data-testid="curves-x">
            <option value="step">{t('axis.step')}</option>
            <option value="samples">{t('axis.samples')}</option>
            <option value="wall">{t('axis.wallTime')}</option>
          </select>
        </label>
        <label>
          {t('compare.smoothing')} {weight.toFixed(2)}{' '}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={weight}
            onChange={(e) => setWeight(Number(e.target.value))}
          />
        </label>
        <ScaleControls showSeeds={showSeeds} onShowSeeds={setShowSeeds} />
        <button type="button" onClick={() => setReset((r) => r + 1)}>
          {t('compare.resetZoom')}
        </button>
      </div>
      <p className="muted small">
        {t('groups.band')} {t('compare.zoomHint')}
      </p>
      <GroupLinesChart
        lines={view.lines}
        xTitle={xMode === 'step' ? t('axis.step') : xMode === 'samples' ? t('axis.samples') : t('axis.wallSeconds')}
        yTitle={metricName}
        logY={logY}
        showSeeds={showSeeds}
        zoom
        resetKey={reset}
        testId="compare-curves"
        height={300}
      />
      <div className="table-scroll">
        <table className="summary-table">
          <thead>
            <tr>
              <th>{t('compare.group')}</th>
              <th>{t('compare.seedsColumn')}</th>
              <th>{t('compare.final')}</th>
              <th>{t('compare.best')}</th>
              <th>
                {t('compare.atStep')}{' '}
                <input
                  className="narrow"
                  value={atStep}
                  onChange={(e) => setAtStep(e.target.value)}
                  inputMode="numeric"
                  aria-label={t('compare.atStep')}
                />
              </th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => {
              const of = g.runs.map(seriesOf)
              return (
                <tr key={g.key} data-testid="curve-group-row">
                  <td>
                    <span className="swatch" style={{ background: colorAt(g.index) }} />{' '}
                    {setLabelText(g.label, language)}
                    <span className="muted small"> · #{g.runs.map((r) => r.id).join(', #')}</span>
                  </td>
                  <td className="num">{g.runs.length}</td>
                  <td className="num">{meanPlusMinus(of.map((s) => s?.values[s.values.length - 1]))}</td>
                  <td className="num">
                    {meanPlusMinus(of.map((s) => (s ? bestOf(s.values, !higherIsBetter(metric)) : null)))}
                  </td>
                  <td className="num">{meanPlusMinus(of.map(valueAt))}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}
