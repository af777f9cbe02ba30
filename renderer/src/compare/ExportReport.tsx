// "Export report": one self-contained HTML file (findings first, charts, data attached), or its PDF,
// in the language chosen, downloaded by the browser (Electron asks where to save it).
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { downloadBase64 } from '../data/files'

export function ExportReport({ runIds }: { runIds: number[] }) {
  const { t, i18n } = useTranslation()
  const [language, setLanguage] = useState<'en' | 'zh-CN'>(i18n.language === 'zh-CN' ? 'zh-CN' : 'en')
  const [busy, setBusy] = useState<'html' | 'pdf' | null>(null)
  const [error, setError] = useState<string | null>(null)
  const run = async (format: 'html' | 'pdf') => {
    setBusy(format)
    setError(null)
    try {
      const report = await api.exportReport({ runIds, language, format })
      downloadBase64(report.fileName, report.mimeType, report.base64)
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(null)
    }
  }
  return (
    <div className="export-report" data-testid="export-report">
      <select
        value={language}
        onChange={(e) => setLanguage(e.target.value as 'en' | 'zh-CN')}
        aria-label={t('report.language')}
      >
        <option value="en">English</option>
        <option value="zh-CN">简体中文</option>
      </select>
      <button
        type="button"
        className="primary"
        disabled={busy !== null}
        onClick={() => void run('html')}
        data-testid="export-html"
      >
        {busy === 'html' ? t('report.working') : t('report.html')}
      </button>
      <button type="button" disabled={busy !== null} onClick={() => void run('pdf')} data-testid="export-pdf">
        {busy === 'pdf' ? t('report.working') : t('report.pdf')}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}
