import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { configTable } from '../../../shared/lab/views/config-table'

export function ConfigDiff({ runs }: { runs: Run[] }) {
  const { t } = useTranslation()
  const [onlyDiff, setOnlyDiff] = useState(true)
  const rows = useMemo(
    () => configTable(runs.map((r) => r.config)).filter((r) => !onlyDiff || r.differs),
    [runs, onlyDiff],
  )
  return (
    <section className="card">
      <h2>{t('compare.config')}</h2>
      <label>
        <input
          type="checkbox"
          checked={onlyDiff}
          onChange={(e) => setOnlyDiff(e.target.checked)}
          data-testid="only-diff"
        />{' '}
        {t('compare.onlyDiff')}
      </label>
      <div className="table-wrap">
        <table className="config-table" data-testid="config-table">
          <thead>
            <tr>
              <th>{t('compare.field')}</th>
              {runs.map((r) => (
                <th key={r.id}>#{r.id}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={runs.length + 1} className="muted">
                  {t('compare.noDiff')}
                </td>
              </tr>
            )}
            {rows.map((r) => (
              <tr key={r.key}>
                <td className="mono">{r.key}</td>
                {r.values.map((v, i) => (
                  <td key={i} className="mono">
                    {v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
