import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { MetricSeries, Run } from '../../../shared/contract'
import { LineChart, type Series } from '../charts/LineChart'
import { bestOf } from '../charts/range'
import { colorAt, faint } from '../charts/setup'
import { lowerIsBetter, smooth } from './smoothing'

export function MetricCurves({ runs, series }: { runs: Run[]; series: MetricSeries[] }) {
  const { t } = useTranslation()
  const names = useMemo(() => [...new Set(series.map((s) => s.name))].filter((n) => n !== 'lr' && n !== 'step_ms').sort(), [series])
  const [chosenMetric, setMetric] = useState('loss')
  const metric = names.includes(chosenMetric) ? chosenMetric : (names[0] ?? 'loss')
  const [xMode, setXMode] = useState<'step' | 'wall'>('step')
  const [weight, setWeight] = useState(0.6)
  const [logY, setLogY] = useState(false)
  const [atStep, setAtStep] = useState('')
  const [reset, setReset] = useState(0)

  const chosen = runs.map((run, i) => ({ run, i, s: series.find((x) => x.runId === run.id && x.name === metric) }))
  const chartSeries = useMemo<Series[]>(() => {
    const out: Series[] = []
    for (const { run, i, s } of chosen) {
      if (!s) continue
      const xs = xMode === 'step' ? s.steps : s.wallMs.map((w) => w / 1000)
      const raw = s.values
      const smoothed = smooth(raw, weight)
      if (weight > 0) out.push({ label: `${run.name} (raw)`, points: raw.map((y, k) => ({ x: xs[k]!, y })), color: faint(colorAt(i), 0.3), faint: true })
      out.push({ label: `#${run.id} ${run.name}`, points: smoothed.map((y, k) => ({ x: xs[k]!, y })), color: colorAt(i) })
    }
    return out
  }, [chosen, xMode, weight])

  const stepNumber = Number(atStep)
  const valueAt = (s: MetricSeries | undefined) => {
    if (!s || !atStep.trim() || !Number.isFinite(stepNumber)) return null
    let best: number | null = null
    s.steps.forEach((step, k) => {
      if (step <= stepNumber) best = s.values[k]!
    })
    return best
  }
  const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toPrecision(4))

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
          <select value={xMode} onChange={(e) => setXMode(e.target.value as 'step' | 'wall')}>
            <option value="step">{t('axis.step')}</option>
            <option value="wall">{t('axis.wallTime')}</option>
          </select>
        </label>
        <label>
          {t('compare.smoothing')} {weight.toFixed(2)}{' '}
          <input type="range" min={0} max={0.99} step={0.01} value={weight} onChange={(e) => setWeight(Number(e.target.value))} />
        </label>
        <label>
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> {t('compare.logScale')}
        </label>
        <button type="button" onClick={() => setReset((r) => r + 1)}>
          {t('compare.resetZoom')}
        </button>
      </div>
      <p className="muted small">{t('compare.zoomHint')}</p>
      <LineChart series={chartSeries} xTitle={xMode === 'step' ? t('axis.step') : t('axis.wallSeconds')} yTitle={t(`metricName.${metric.replace('/', '_')}`, { defaultValue: metric })} logY={logY} resetKey={reset} testId="compare-curves" height={300} />
      <table className="summary-table">
        <thead>
          <tr>
            <th>{t('compare.run')}</th>
            <th>{t('compare.final')}</th>
            <th>{t('compare.best')}</th>
            <th>
              {t('compare.atStep')} <input className="narrow" value={atStep} onChange={(e) => setAtStep(e.target.value)} inputMode="numeric" aria-label={t('compare.atStep')} />
            </th>
          </tr>
        </thead>
        <tbody>
          {chosen.map(({ run, i, s }) => (
            <tr key={run.id}>
              <td>
                <span className="swatch" style={{ background: colorAt(i) }} /> #{run.id} {run.name}
              </td>
              <td className="num">{fmt(s?.values[s.values.length - 1])}</td>
              <td className="num">{fmt(s ? bestOf(s.values, lowerIsBetter(metric)) : null)}</td>
              <td className="num">{fmt(valueAt(s))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
