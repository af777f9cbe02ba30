// The Runs page's Export and Import: runs leave as one .normlab file (selected runs, or every run
// shown) and arrive from one, or from another archive, merged by UUID. The summary says what was
// added, already here, replaced or in conflict; a conflict where the incoming run is newer can be
// taken on request. The same work as `lab export` / `lab import` (electron/store/archive/transfer.ts).
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ImportSummary } from '../../../shared/contract'
import { api } from '../api'
import { Dialog } from '../components/Dialog'
import { downloadBase64, uploadInPieces } from '../data/files'

/** The picked file itself: read in pieces when imported (and again to take newer runs). */
type Picked = File

export function ArchiveTransfer({ runIds }: { runIds: number[] }) {
  const { t } = useTranslation()
  const input = useRef<HTMLInputElement>(null)
  const [busy, setBusy] = useState<'export' | 'import' | null>(null)
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null)
  const [sent, setSent] = useState<{ mb: string; total: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [result, setResult] = useState<{ file: Picked; summary: ImportSummary; replaced: boolean } | null>(null)

  useEffect(() => (busy === 'import' ? api.onEvent('importProgress', setProgress) : undefined), [busy])

  const exportRuns = async () => {
    setBusy('export')
    setError(null)
    try {
      const file = await api.exportArchive({ runIds })
      downloadBase64(file.fileName, 'application/vnd.sqlite3', file.base64)
      // A damaged archive yields what it can: say which runs are not in the file, and why.
      const problems = [
        ...(file.unreadable.length > 0
          ? [t('transfer.unreadable', { runs: file.unreadable.map((u) => `#${u.id} (${u.reason})`).join('; ') })]
          : []),
        ...(file.damagedTables.length > 0
          ? [t('transfer.damagedTables', { tables: file.damagedTables.join(', ') })]
          : []),
      ]
      if (problems.length > 0) setError(problems.join(' '))
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(null)
    }
  }

  const importFile = async (file: Picked, replaceNewer: boolean) => {
    setBusy('import')
    setProgress(null)
    setSent(null)
    setError(null)
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1)
    try {
      const uploadId = await uploadInPieces(file, api, (done, total) => setSent({ mb: mb(done), total: mb(total) }))
      setSent(null)
      const summary = await api.finishImport({ uploadId, replaceNewer })
      setResult({ file, summary, replaced: replaceNewer })
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(null)
    }
  }

  const picked = async (files: FileList | null) => {
    const file = files?.[0]
    if (input.current) input.current.value = ''
    if (!file) return
    await importFile(file, false)
  }

  const newer = result?.summary.conflicts.filter((c) => c.reason === 'incoming_newer') ?? []
  return (
    <div className="archive-transfer">
      <button
        type="button"
        disabled={busy !== null || runIds.length === 0}
        onClick={() => void exportRuns()}
        data-testid="export-archive"
        title={t('transfer.exportHint')}
      >
        {busy === 'export' ? t('transfer.exporting') : t('transfer.export', { count: runIds.length })}
      </button>
      <button
        type="button"
        disabled={busy !== null}
        onClick={() => input.current?.click()}
        data-testid="import-archive"
        title={t('transfer.importHint')}
      >
        {busy === 'import'
          ? sent
            ? t('transfer.uploading', sent)
            : progress
              ? t('transfer.importingProgress', progress)
              : t('transfer.importing')
          : t('transfer.import')}
      </button>
      <input
        ref={input}
        type="file"
        accept=".normlab,.sqlite,.db"
        hidden
        onChange={(e) => void picked(e.target.files)}
        data-testid="import-file"
      />
      {error && (
        <span className="error" role="alert" data-testid="transfer-error">
          {error}
        </span>
      )}
      {result && (
        <Dialog
          title={t('transfer.resultTitle', { file: result.file.name })}
          onClose={() => setResult(null)}
          testId="import-result"
        >
          <p data-testid="import-counts">
            {t('transfer.counts', {
              added: result.summary.added.length,
              skipped: result.summary.skipped.length,
              replaced: result.summary.replaced.length,
              conflicts: result.summary.conflicts.length,
            })}
          </p>
          {result.summary.added.length === 0 && result.summary.replaced.length === 0 && (
            <p className="muted">{t('transfer.nothingNew')}</p>
          )}
          {result.summary.studiesAdded.length > 0 && (
            <p>{t('transfer.studiesAdded', { names: result.summary.studiesAdded.map((s) => s.name).join(', ') })}</p>
          )}
          {result.summary.conflicts.length > 0 && (
            <ul className="conflicts">
              {result.summary.conflicts.map((c) => (
                <li key={c.uuid}>
                  <strong>{c.name}</strong>: {t(`transfer.conflict.${c.reason}`)}
                </li>
              ))}
            </ul>
          )}
          <div className="dialog-actions">
            {newer.length > 0 && !result.replaced && (
              <button
                type="button"
                onClick={() => void importFile(result.file, true)}
                data-testid="import-replace-newer"
              >
                {t('transfer.takeNewer', { count: newer.length })}
              </button>
            )}
            <button type="button" className="primary" onClick={() => setResult(null)}>
              {t('common.close')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  )
}
