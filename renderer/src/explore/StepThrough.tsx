// "Step through time": t plays from 0 to T; beside the grid, per time step, how many values the
// statistic comes from and its σ for per-step BN (falling counts, a noisy σ) and for LN (the
// feature count at every step).
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { LineChart, type Series } from '../charts/LineChart'
import { perStep, type Cell, type Snapshot } from '../../../shared/lab/views/explorable'
import type { NormKind } from '../../../shared/kinds'

export function StepThrough({
  snapshot,
  norms,
  groups,
  cell,
  eps,
  onStep,
}: {
  snapshot: Snapshot
  norms: NormKind[]
  groups: number
  cell: Cell
  eps: number
  onStep(t: number): void
}) {
  const { t } = useTranslation()
  const [playing, setPlaying] = useState(false)
  useEffect(() => {
    if (!playing) return
    const timer = setInterval(() => {
      const next = cell.t + 1
      if (next >= snapshot.T) setPlaying(false)
      else onStep(next)
    }, 350)
    return () => clearInterval(timer)
  }, [playing, cell.t, snapshot.T, onStep])
  const colors = ['#d1495b', '#00798c', '#edae49', '#66a182', '#8d96a3']
  const perNorm = norms.map((norm) => perStep(snapshot, norm, groups, cell.n, cell.f, eps))
  // BN's 16 → 1 beside LN's 128 on one axis would squash BN's fall flat: log where counts span a decade.
  const counts = perNorm
    .flat()
    .map((p) => p.count)
    .filter((c) => c > 0)
  const logCounts = counts.length > 0 && Math.max(...counts) / Math.min(...counts) > 10
  const series: Series[] = norms.flatMap((norm, i) => {
    const steps = perNorm[i]!
    return [
      // A step with no valid sample has no statistic: a gap, not a 0 (a log axis has no 0).
      {
        label: t('explore.countOf', { norm: t(`norm.${norm}`) }),
        points: steps.map((p) => ({ x: p.t, y: p.count > 0 ? p.count : null })),
        color: colors[i % colors.length]!,
        axis: 'y2' as const,
        dashed: true,
      },
      {
        label: t('explore.sigmaOf', { norm: t(`norm.${norm}`) }),
        points: steps.map((p) => ({ x: p.t, y: p.sigma })),
        color: colors[i % colors.length]!,
      },
    ]
  })
  return (
    <div className="step-through" data-testid="step-through">
      <div className="row">
        <button
          type="button"
          data-testid="play"
          onClick={() => (cell.t >= snapshot.T - 1 ? (onStep(0), setPlaying(true)) : setPlaying(!playing))}
        >
          {playing ? t('explore.pause') : t('explore.play')}
        </button>
        <label>
          t{' '}
          <input
            type="range"
            min={0}
            max={snapshot.T - 1}
            value={cell.t}
            aria-label={t('explore.timeStep')}
            data-testid="time-slider"
            onChange={(e) => onStep(Number(e.target.value))}
          />{' '}
          <span className="mono">{cell.t}</span>
        </label>
      </div>
      <LineChart
        series={series}
        xTitle={t('explore.timeStep')}
        yTitle="σ"
        y2Title={t('explore.count')}
        logY2={logCounts}
        height={200}
        testId="step-chart"
      />
    </div>
  )
}
