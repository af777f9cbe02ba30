import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Run } from '../../../shared/contract'
import { api } from '../api'

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; runs: Run[] }

export function RunsPage() {
  const { t, i18n } = useTranslation()
  const [state, setState] = useState<State>({ kind: 'loading' })

  const load = useCallback(() => {
    api.listRuns({}).then(
      (runs) => setState({ kind: 'ready', runs }),
      (error: unknown) => setState({ kind: 'error', message: (error as Error).message }),
    )
  }, [])

  useEffect(() => {
    load()
    // Another window, the CLI's writes through this host, or a training run: refresh on change.
    return api.onEvent('runsChanged', (event) => {
      if (event.change !== 'data') load()
    })
  }, [load])

  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })

  return (
    <section className="page" aria-labelledby="runs-title">
      <div className="page-head">
        <h1 id="runs-title">{t('runs.title')}</h1>
        {state.kind === 'ready' && <span className="muted">{t('runs.count', { count: state.runs.length })}</span>}
      </div>
      {state.kind === 'loading' && <p className="muted">{t('runs.loading')}</p>}
      {state.kind === 'error' && (
        <p className="error" role="alert">
          {t('runs.loadError', { message: state.message })}
        </p>
      )}
      {state.kind === 'ready' && state.runs.length === 0 && (
        <div className="empty-state" data-testid="runs-empty">
          <h2>{t('runs.emptyTitle')}</h2>
          <p>{t('runs.emptyBody')}</p>
        </div>
      )}
      {state.kind === 'ready' && state.runs.length > 0 && (
        <div className="table-wrap">
          <table className="runs-table" data-testid="runs-table">
            <thead>
              <tr>
                {(['id', 'name', 'status', 'task', 'cell', 'norm', 'batch', 'seed', 'created', 'tags'] as const).map((c) => (
                  <th key={c} scope="col">
                    {t(`runs.columns.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {state.runs.map((run) => (
                <tr key={run.id} data-run-id={run.id}>
                  <td className="num">{run.id}</td>
                  <td>
                    {run.starred && <span title={t('runs.starred')}>★ </span>}
                    {run.name}
                  </td>
                  <td>
                    <span className={`status status-${run.status}`}>{t(`status.${run.status}`)}</span>
                  </td>
                  <td>{run.task}</td>
                  <td>{run.cell.toUpperCase()}</td>
                  <td>{t(`norm.${run.norm}`)}</td>
                  <td className="num">{run.batchSize}</td>
                  <td className="num">{run.seed}</td>
                  <td>{date.format(run.createdAt)}</td>
                  <td>
                    {run.tags.map((tag) => (
                      <span key={tag} className="tag">
                        {tag}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
