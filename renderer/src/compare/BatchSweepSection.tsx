// The final metric against batch size, one line per group (runs alike but for seed, batch size and
// steps): the mean over seeds with its 95 % band.
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { MetricSeries, Run } from '../../../shared/contract'
import { batchSweepView } from '../../../shared/lab/views'
import { GroupLinesChart } from '../charts/GroupLinesChart'
import { ScaleControls, useLogScale } from '../charts/ScaleControls'
import { finalMetric } from './final-metric'

export function BatchSweepSection({ runs, series }: { runs: Run[]; series: MetricSeries[] }) {
  const { t } = useTranslation()
  const [showSeeds, setShowSeeds] = useState(false)
  const { metric, finalOf } = useMemo(() => finalMetric(series), [series])
  const metricLabel = t(`metricName.${metric.replace('/', '_')}`, { defaultValue: metric })
  const view = useMemo(() => batchSweepView(runs, finalOf, metric), [runs, finalOf, metric])
  const logY = useLogScale(view?.logByDefault ?? false)
  if (!view) return null
  return (
    <section className="card" data-testid="batch-sweep">
      <h2>{t('compare.batchSweep')}</h2>
      <p className="muted">{t('compare.batchSweepBody', { metric: metricLabel })}</p>
      <div className="toolbar">
        <ScaleControls showSeeds={showSeeds} onShowSeeds={setShowSeeds} />
      </div>
      <GroupLinesChart
        lines={view.lines}
        xTitle={t('runs.columns.batch')}
        yTitle={metricLabel}
        logY={logY}
        logX
        showSeeds={showSeeds}
        testId="compare-batch"
      />
    </section>
  )
}
