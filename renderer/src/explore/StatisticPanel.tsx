// "One statistic" and "Formula": for the selected cell, the μ and σ the norm normalizes it with,
// how many values they came from, the normalized value, written out with the actual numbers; for
// per-step BN past the trained length, which population statistic each policy would use.
import { useTranslation } from 'react-i18next'
import { populationUse, statisticAt, type Cell, type Snapshot } from '../../../shared/lab/views/explorable'
import { isBatchNorm, normDefinition, type NormKind, type Policy } from '../../../shared/kinds'

const fmt = (x: number) =>
  Number.isFinite(x) ? (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4)) : '—'

export function StatisticPanel({
  snapshot,
  norm,
  groups,
  cell,
  eps,
  trainedLength,
  policies,
  testId,
}: {
  snapshot: Snapshot
  norm: NormKind
  groups: number
  cell: Cell
  eps: number
  trainedLength: number
  policies: Policy[]
  testId: string
}) {
  const { t } = useTranslation()
  const stat = statisticAt(snapshot, norm, groups, cell, eps)
  const def = normDefinition(norm)
  return (
    <div className="statistic-panel" data-testid={testId} data-norm={norm}>
      <h4>{t('explore.oneStatistic', { norm: t(`norm.${norm}`) })}</h4>
      <p className="muted small">{t(`explore.domain.${def.over}`)}</p>
      {!stat ? (
        <p data-testid={`${testId}-padding`}>{t('explore.padding')}</p>
      ) : (
        <>
          <dl className="facts">
            <dt>{t('explore.cell')}</dt>
            <dd className="mono">{t('explore.cellAt', { n: cell.n, t: cell.t, f: cell.f })}</dd>
            <dt>x</dt>
            <dd className="mono" data-testid={`${testId}-value`} data-value={stat.value}>
              {fmt(stat.value)}
            </dd>
            <dt>μ</dt>
            <dd className="mono" data-testid={`${testId}-mean`} data-value={stat.mean}>
              {def.center ? fmt(stat.mean) : t('explore.notCentered')}
            </dd>
            <dt>{def.center ? 'σ' : t('explore.rms')}</dt>
            <dd className="mono" data-testid={`${testId}-sigma`} data-value={Math.sqrt(stat.variance)}>
              {fmt(Math.sqrt(stat.variance))}
            </dd>
            <dt>{t('explore.count')}</dt>
            <dd className="mono" data-testid={`${testId}-count`} data-value={stat.count}>
              {stat.count}
            </dd>
            <dt>x̂</dt>
            <dd className="mono" data-testid={`${testId}-xhat`}>
              {fmt(stat.xhat)}
            </dd>
          </dl>
          <p className="formula mono" data-testid={`${testId}-formula`}>
            x̂ = (x − μ) / √(σ² + ε) = ({fmt(stat.value)} − {fmt(stat.mean)}) / √({fmt(stat.variance)} + {eps}) ={' '}
            {fmt(stat.xhat)}
          </p>
          {stat.count === 1 && <p className="warn small">{t('explore.oneValue')}</p>}
        </>
      )}
      {isBatchNorm(norm) && def.over === 'batch-step' && (
        <div className="beyond" data-testid={`${testId}-beyond`}>
          <h4>{t('explore.atTestTime', { length: trainedLength })}</h4>
          <ul>
            {policies.map((p) => {
              const use = populationUse(trainedLength + cell.t, trainedLength, p)
              return (
                <li key={p}>
                  <strong>{t(`policy.${p}.name`)}</strong>: {t(`explore.use.${use.kind}`, { step: use.step ?? '' })}
                </li>
              )
            })}
          </ul>
        </div>
      )}
    </div>
  )
}
