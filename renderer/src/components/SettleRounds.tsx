// A study settled in rounds: each round's seeds, time and the verdict of every claim it settles,
// and why it stopped (or that another round follows). The rounds come from the training
// controller, which runs shared/lab/settle.ts.
import { useTranslation } from 'react-i18next'
import { levelPercent } from '../../../shared/lab/findings/describe'
import type { SettleView } from '../training/controller'

export function SettleRounds({ settle }: { settle: SettleView }) {
  const { t } = useTranslation()
  const { design, rounds, stop } = settle
  const last = rounds[rounds.length - 1]
  const claims = design.claims ?? (last ? Object.keys(last.verdicts) : [])
  return (
    <div className="card settle-rounds" data-testid="settle-rounds" data-stop={stop ?? ''}>
      <h2>{t('settle.title')}</h2>
      <p className="muted">
        {t('settle.hint', {
          looks: design.looks.join(' → '),
          level: levelPercent(settle.level),
          count: design.looks.length,
        })}
      </p>
      <table>
        <thead>
          <tr>
            <th>{t('findings.columns.seeds')}</th>
            <th>{t('settle.minutes')}</th>
            {claims.map((id) => (
              <th key={id}>{t(`findings.claims.${id}.claim`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rounds.map((r) => (
            <tr key={r.round} data-testid={`settle-round-${r.round}`}>
              <td>{r.seeds}</td>
              <td>{(r.elapsedMs / 60_000).toFixed(1)}</td>
              {claims.map((id) => {
                const v = r.verdicts[id as keyof typeof r.verdicts]
                return (
                  <td key={id} className={v ? `verdict-${v}` : ''}>
                    {v ? t(`findings.verdict.${v}`) : '—'}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="settle-status">
        {stop
          ? t(`settle.stops.${stop}`, { seeds: last?.seeds ?? 0, minutes: design.budgetMinutes ?? '' })
          : last && last.next.length > 0
            ? t('settle.adding', { seeds: last.next.join(', ') })
            : t('settle.training', { seeds: design.looks[Math.min(rounds.length, design.looks.length - 1)] })}
      </p>
    </div>
  )
}
