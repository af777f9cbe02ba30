// One recorded training step of one normalizer term against the time step, for a group of seeds
// (shared/lab/views/profiles.ts): the batch mean (mean over seeds, shaded: its 95 % interval),
// ±1 within-step std (dashed), and on the right axis how many valid samples (bars) and how many
// values each normalizer statistic averaged (dashed). BN's count falls at late steps; LN's does not.
// A single run (the live view) is a group of one.
import { memo, useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import type { ProfileView } from '../../../shared/lab/views'
import { LineChart, type Series } from './LineChart'
import { colorAt, faint } from './setup'

export interface ProfileData {
  count: number[]
  normCount?: number[] | null
  mean: (number | null)[]
  var: (number | null)[]
}

/** One run's profile as a view of its own (the live view's). */
export function singleRunProfile(data: ProfileData, colorIndex: number): ProfileView {
  return {
    group: colorIndex,
    label: {},
    runIds: [],
    steps: [],
    mean: data.mean.map((m, x) => ({ x, mean: m, low: null, high: null, n: m === null ? 0 : 1 })),
    std: data.var.map((v) => (v === null ? null : Math.sqrt(Math.max(0, v)))),
    count: data.count,
    normCount: data.normCount ?? null,
    seeds: [],
  }
}

export const GroupProfileChart = memo(function GroupProfileChart({
  view,
  title,
  height = 220,
  showSeeds = false,
  testId,
}: {
  view: ProfileView
  title: string
  height?: number
  showSeeds?: boolean
  testId?: string
}) {
  const { t } = useTranslation()
  const series = useMemo<Series[]>(() => {
    const color = colorAt(view.group)
    const at = (values: (number | null)[]) => values.map((y, x) => ({ x, y }))
    const mean = view.mean.map((p) => p.mean)
    const shifted = (sign: 1 | -1) =>
      view.mean.map((p, t) =>
        p.mean === null || view.std[t] === null || view.std[t] === undefined ? null : p.mean + sign * view.std[t]!,
      )
    const banded = view.mean.some((p) => p.low !== null)
    return [
      ...(banded
        ? [
            {
              label: 'low',
              points: view.mean.map((p) => ({ x: p.x, y: p.low })),
              color: faint(color, 0.15),
              faint: true,
            },
            {
              label: 'high',
              points: view.mean.map((p) => ({ x: p.x, y: p.high })),
              color: faint(color, 0.15),
              faint: true,
              fillToPrevious: true,
            },
          ]
        : []),
      { label: t('profile.mean'), points: at(mean), color },
      { label: t('profile.meanStd'), points: at(shifted(-1)), color: faint(color, 0.6), dashed: true },
      { label: t('profile.meanPlusStd'), points: at(shifted(1)), color: faint(color, 0.6), dashed: true, faint: true },
      {
        label: t('profile.validCount'),
        points: at(view.count),
        color: faint('#868e96', 0.45),
        axis: 'y2',
        kind: 'bar',
      },
      ...(view.normCount
        ? [
            {
              label: t('profile.normCount'),
              points: at(view.normCount),
              color: '#e67700',
              axis: 'y2' as const,
              dashed: true,
            },
          ]
        : []),
      ...(showSeeds
        ? view.seeds.map((s) => ({
            label: `seed ${s.seed}`,
            points: s.points,
            color: faint(color, 0.5),
            faint: true,
            dashed: true,
          }))
        : []),
    ]
  }, [view, showSeeds, t])
  const counts = view.count.filter((c) => c > 0)
  return (
    <div
      className="profile-chart"
      data-testid={testId}
      data-min-count={counts.length > 0 ? Math.min(...counts) : undefined}
      data-seeds={view.seeds.length}
    >
      <h4>{title}</h4>
      <LineChart
        series={series}
        xTitle={t('profile.timeStep')}
        yTitle={t('profile.activation')}
        y2Title={t('profile.count')}
        height={height}
        zoom={false}
      />
    </div>
  )
})

/** A single run's profile (the live view). */
export const ProfileChart = memo(function ProfileChart({
  data,
  title,
  colorIndex = 0,
  height = 220,
  testId,
}: {
  data: ProfileData
  title: string
  colorIndex?: number
  height?: number
  testId?: string
}) {
  const view = useMemo(() => singleRunProfile(data, colorIndex), [data, colorIndex])
  return <GroupProfileChart view={view} title={title} height={height} {...(testId ? { testId } : {})} />
})
