// The findings of the runs on screen, first: each claim, its verdict, the numbers behind it, the
// runs it used and those it could not (shared/lab/findings: the same code and the same data the
// report and the CLI use).
import { useTranslation } from 'react-i18next'
import {
  columnName,
  computeFindingsYielding,
  describeFinding,
  gatherStudyData,
  showEffect,
  type Finding,
} from '../../../shared/lab/findings'
import type { Language } from '../../../shared/i18n'
import { api } from '../api'
import { useQuery } from '../data/use-query'
import { hrefOf } from '../state/router'

function FindingTable({ finding, language }: { finding: Finding; language: Language }) {
  const { t } = useTranslation()
  if (!finding.table) return null
  return (
    <div className="table-scroll">
      <table className="summary-table small">
        <thead>
          <tr>
            {finding.table.columns.map((c) => (
              <th key={c}>{columnName(c, language)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {finding.table.rows.map((row, i) => (
            <tr key={i}>
              {row.map((v, j) => (
                <td key={j}>
                  {v === null
                    ? '—'
                    : typeof v === 'string' && v in VERDICT_KEYS
                      ? t(`findings.verdict.${v}`)
                      : String(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A fresh task: the page paints between findings. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

const VERDICT_KEYS = { reproduced: 1, not_reproduced: 1, inconclusive: 1, indicative: 1, not_applicable: 1 }

export function FindingsSection({ runIds }: { runIds: number[] }) {
  const { t, i18n } = useTranslation()
  const language: Language = i18n.language === 'zh-CN' ? 'zh-CN' : 'en'
  const query = useQuery(
    `findings|${runIds.join(',')}`,
    async () => computeFindingsYielding(await gatherStudyData(api, runIds), nextTask),
    {
      enabled: runIds.length > 0,
      refreshOn: (e) => e.change !== 'data' && e.runIds.some((id) => runIds.includes(id)),
    },
  )
  if (query.status === 'error') return <p className="error">{query.error}</p>
  if (!query.data) return <p className="muted">{t('findings.computing')}</p>
  return (
    <section className="card findings" data-testid="findings">
      <h2>{t('findings.title')}</h2>
      <p className="muted small">{t('findings.rule')}</p>
      {query.data.map((f) => {
        const words = describeFinding(f, language)
        const effect = f.effect
          ? `${showEffect(f.effect.mean, f.unit)}${f.effect.low !== null ? ` [${showEffect(f.effect.low, f.unit)}, ${showEffect(f.effect.high, f.unit)}]` : ''}`
          : null
        return (
          <article
            key={f.id}
            className={`finding verdict-${f.verdict}`}
            data-finding={f.id}
            data-verdict={f.verdict}
            data-effect={effect ?? undefined}
          >
            <p className="finding-claim">{words.claim}</p>
            <p>
              <span className="verdict-badge">{words.verdict}</span> {words.result}
            </p>
            {f.verdict !== 'not_applicable' && (
              <details>
                <summary className="muted small">{t('findings.measure')}</summary>
                <p className="muted small">{words.measure}</p>
                <FindingTable finding={f} language={language} />
                <p className="muted small" data-testid={`used-${f.id}`}>
                  {t('findings.usedRuns', { runs: f.runIds.map((id) => `#${id}`).join(', ') })} {words.notUsed}
                </p>
              </details>
            )}
            {f.verdict !== 'not_applicable' && f.runIds.length > 0 && (
              <a
                className="small"
                href={hrefOf({ page: 'explore', runId: f.runIds[0]!, withId: null })}
                data-testid={`explore-${f.id}`}
              >
                {t('findings.explore')}
              </a>
            )}
            {f.verdict === 'not_applicable' && words.notUsed && <p className="muted small">{words.notUsed}</p>}
            {f.verdict === 'not_applicable' && (
              <a
                className="button"
                href={hrefOf({ page: 'new', preset: f.preset })}
                data-testid={`run-preset-${f.preset}`}
              >
                {t('findings.runPreset', { preset: t(`presets.${f.preset}.title`) })}
              </a>
            )}
          </article>
        )
      })}
    </section>
  )
}
