import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ResponseOf, Run } from '../../../shared/contract'
import { api } from '../api'
import { LineChart, type Series } from '../charts/LineChart'
import { colorAt } from '../charts/setup'
import { useQuery } from '../data/use-query'

type Evaluations = ResponseOf<'listEvaluations'>

export function LengthSection({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const [metric, setMetric] = useState<'loss' | 'accuracy'>('loss')
  const query = useQuery(runs.map((r) => r.id).join(','), () => api.listEvaluations({ runIds: runs.map((r) => r.id) }), { enabled: runs.length > 0 })
  const rows: Evaluations = useMemo(() => query.data ?? [], [query.data])
  const series = useMemo<Series[]>(() => {
    const out: Series[] = []
    runs.forEach((run, i) => {
      const mine = rows.filter((r) => r.runId === run.id && r.metric === metric)
      let lastStep = -1
      for (const r of mine) if (r.step > lastStep) lastStep = r.step
      const policies = [...new Set(mine.map((r) => r.policy))]
      policies.forEach((policy, k) => {
        const points = mine.filter((r) => r.policy === policy && r.step === lastStep).sort((a, b) => a.length - b.length).map((r) => ({ x: r.length, y: r.value }))
        out.push({ label: `#${run.id} ${t(`norm.${run.norm}`)} · ${t(`policy.${policy}.name`)}`, points, color: colorAt(i), dashed: k > 0 })
      })
    })
    return out
  }, [rows, runs, metric, t])
  if (query.status === 'error') return <p className="error">{query.error}</p>
  if (rows.length === 0) return null
  return (
    <section className="card" data-testid="length-section">
      <h2>{t('compare.lengths')}</h2>
      <p className="muted">{t('compare.lengthsBody')}</p>
      <select value={metric} onChange={(e) => setMetric(e.target.value as 'loss' | 'accuracy')} aria-label={t('compare.metric')}>
        <option value="loss">{t('metric.loss')}</option>
        <option value="accuracy">{t('metric.accuracy')}</option>
      </select>
      <LineChart series={series} xTitle={t('compare.evalLength')} yTitle={t(`metric.${metric}`)} zoom={false} />
    </section>
  )
}
