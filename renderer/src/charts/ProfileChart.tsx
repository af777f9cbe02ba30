// One recorded training step of one normalizer term, against the time step: the batch mean with
// a ±1 std band, and on the right axis how many valid samples (bars) and how many values each
// normalizer statistic averaged (dashed). BN's count falls at late steps; LN's does not.
import { memo, useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { LineChart, type Series } from './LineChart'
import { colorAt, faint } from './setup'

export interface ProfileData {
  count: number[]
  normCount?: number[] | null
  mean: (number | null)[]
  var: (number | null)[]
}

export const ProfileChart = memo(function ProfileChart({ data, title, colorIndex = 0, height = 220, testId }: { data: ProfileData; title: string; colorIndex?: number; height?: number; testId?: string }) {
  const { t } = useTranslation()
  const series = useMemo<Series[]>(() => {
    const color = colorAt(colorIndex)
    const std = data.var.map((v) => (v === null ? null : Math.sqrt(Math.max(0, v))))
    const at = (values: (number | null)[]) => values.map((y, x) => ({ x, y }))
    return [
      { label: t('profile.meanMinusStd'), points: at(data.mean.map((m, i) => (m === null || std[i] === null ? null : m - std[i]!))), color: faint(color, 0.15), faint: true },
      { label: t('profile.meanPlusStd'), points: at(data.mean.map((m, i) => (m === null || std[i] === null ? null : m + std[i]!))), color: faint(color, 0.15), faint: true, fillToPrevious: true },
      { label: t('profile.mean'), points: at(data.mean), color },
      { label: t('profile.validCount'), points: at(data.count), color: faint('#868e96', 0.45), axis: 'y2', kind: 'bar' },
      ...(data.normCount ? [{ label: t('profile.normCount'), points: at(data.normCount), color: '#e67700', axis: 'y2' as const, dashed: true }] : []),
    ]
  }, [data, colorIndex, t])
  return (
    <div className="profile-chart" data-testid={testId} data-min-count={data.count.some((c) => c > 0) ? Math.min(...data.count.filter((c) => c > 0)) : undefined}>
      <h4>{title}</h4>
      <LineChart series={series} xTitle={t('profile.timeStep')} yTitle={t('profile.activation')} y2Title={t('profile.count')} height={height} zoom={false} />
    </div>
  )
})
