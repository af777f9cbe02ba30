// The findings of the runs on screen, first: each claim, its verdict and the numbers behind it
// (shared/lab/findings, the same code the report and the CLI use).
import { useTranslation } from 'react-i18next'
import { computeFindings, describeFinding, gatherStudyData } from '../../../shared/lab/findings'
import { api } from '../api'
import { useQuery } from '../data/use-query'
import { hrefOf } from '../state/router'

export function FindingsSection({ runIds }: { runIds: number[] }) {
  const { t, i18n } = useTranslation()
  const language = i18n.language === 'zh-CN' ? 'zh-CN' : 'en'
  const query = useQuery(`findings|${runIds.join(',')}`, async () => computeFindings(await gatherStudyData(api, runIds)), {
    enabled: runIds.length > 0,
    refreshOn: (e) => e.change !== 'data' && e.runIds.some((id) => runIds.includes(id)),
  })
  if (query.status === 'error') return <p className="error">{query.error}</p>
  if (!query.data) return <p className="muted">{t('findings.computing')}</p>
  return (
    <section className="card findings" data-testid="findings">
      <h2>{t('findings.title')}</h2>
      <p className="muted small">{t('findings.rule')}</p>
      {query.data.map((f) => {
        const words = describeFinding(f, language, (id) => t(`presets.${id}.title`))
        return (
          <article key={f.id} className={`finding verdict-${f.verdict}`} data-finding={f.id} data-verdict={f.verdict}>
            <p className="finding-claim">{words.claim}</p>
            <p>
              <span className="verdict-badge">{words.verdict}</span> {words.result}
            </p>
            {f.verdict !== 'not_applicable' && (
              <details>
                <summary className="muted small">{t('findings.measure')}</summary>
                <p className="muted small">{words.measure}</p>
              </details>
            )}
            {f.missing?.preset && (
              <a className="button" href={hrefOf({ page: 'new', preset: f.missing.preset })} data-testid={`run-preset-${f.missing.preset}`}>
                {t('findings.runPreset', { preset: t(`presets.${f.missing.preset}.title`) })}
              </a>
            )}
          </article>
        )
      })}
    </section>
  )
}
