import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf, Run } from '../../../shared/contract'
import { isBatchNorm } from '../../../shared/kinds'
import { api } from '../api'
import { LineChart, type Series } from '../charts/LineChart'
import { colorAt, faint } from '../charts/setup'
import { useQuery } from '../data/use-query'

type Snapshot = NonNullable<ResponseOf<'getPopulationStats'>>

const average = (row: (number | null)[]) => {
  const xs = row.filter((v): v is number => v !== null)
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null
}

export function PopulationSection({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const bnRuns = useMemo(() => runs.filter((r) => isBatchNorm(r.norm)), [runs])
  const query = useQuery(
    bnRuns.map((r) => r.id).join(','),
    async () => {
      const list = await Promise.all(bnRuns.map((r) => api.getPopulationStats({ runId: r.id })))
      return Object.fromEntries(bnRuns.map((r, i) => [r.id, list[i] ?? null])) as Record<number, Snapshot | null>
    },
    { enabled: bnRuns.length > 0 },
  )
  const snapshots = query.data ?? {}
  if (bnRuns.length === 0) return null
  if (query.status === 'error') return <p className="error">{query.error}</p>
  return (
    <section className="card">
      <h2>{t('compare.population')}</h2>
      <p className="muted">{t('compare.populationBody')}</p>
      <div className="grid-auto">
        {bnRuns.map((run, i) => {
          const snap = snapshots[run.id]
          if (!snap)
            return (
              <p key={run.id} className="muted">
                #{run.id}: {t('compare.noPopulation')}
              </p>
            )
          return snap.records.map((rec) => {
            const series: Series[] = [
              {
                label: t('compare.popMean'),
                points: rec.mean.map((row, x) => ({ x, y: average(row) })),
                color: colorAt(i),
              },
              {
                label: t('compare.popVar'),
                points: rec.var.map((row, x) => ({ x, y: average(row) })),
                color: colorAt(i + 3),
                dashed: true,
              },
              {
                label: t('compare.seen'),
                points: rec.seen.map((y, x) => ({ x, y })),
                color: faint('#868e96', 0.45),
                axis: 'y2',
                kind: 'bar',
              },
            ]
            return (
              <div key={`${run.id}-${rec.term}`}>
                <h4>
                  #{run.id} {t(`norm.${run.norm}`)} · {t(`termName.${rec.term}`)} ·{' '}
                  {t('compare.stepShort', { step: snap.step })}
                </h4>
                <LineChart
                  series={series}
                  xTitle={t('profile.timeStep')}
                  yTitle={t('compare.popValue')}
                  y2Title={t('compare.seen')}
                  zoom={false}
                  height={200}
                />
              </div>
            )
          })
        })}
      </div>
    </section>
  )
}
