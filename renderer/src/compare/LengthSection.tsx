// Held-out metric at test lengths beyond training, per group of seeds and BN policy (the mean with
// its 95 % band; each seed on demand).
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { groupBySeed, lengthsView } from '../../../shared/lab/views'
import { api } from '../api'
import { GroupLinesChart } from '../charts/GroupLinesChart'
import { ScaleControls, useLogScale } from '../charts/ScaleControls'
import { useQuery } from '../data/use-query'

export function LengthSection({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const [metric, setMetric] = useState<'loss' | 'accuracy'>('loss')
  const [showSeeds, setShowSeeds] = useState(false)
  const query = useQuery(
    runs.map((r) => r.id).join(','),
    () => api.listEvaluations({ runIds: runs.map((r) => r.id) }),
    { enabled: runs.length > 0 },
  )
  const view = useMemo(() => lengthsView(groupBySeed(runs), query.data ?? [], metric), [runs, query.data, metric])
  const logY = useLogScale(view.logByDefault)
  const policyName = useMemo(() => (policy: string) => t(`policy.${policy}.name`), [t])
  if (query.status === 'error') return <p className="error">{query.error}</p>
  if ((query.data ?? []).length === 0) return null
  return (
    <section className="card" data-testid="length-section">
      <h2>{t('compare.lengths')}</h2>
      <p className="muted">{t('compare.lengthsBody')}</p>
      <div className="toolbar">
        <select
          value={metric}
          onChange={(e) => setMetric(e.target.value as 'loss' | 'accuracy')}
          aria-label={t('compare.metric')}
        >
          <option value="loss">{t('metric.loss')}</option>
          <option value="accuracy">{t('metric.accuracy')}</option>
        </select>
        <ScaleControls showSeeds={showSeeds} onShowSeeds={setShowSeeds} />
      </div>
      <GroupLinesChart
        lines={view.lines}
        xTitle={t('compare.evalLength')}
        yTitle={t(`metric.${metric}`)}
        logY={logY}
        showSeeds={showSeeds}
        variantName={policyName}
        testId="compare-lengths"
      />
    </section>
  )
}
