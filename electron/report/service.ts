// The exportReport request: a study's or chosen runs' report as HTML, or printed to PDF by the
// host's printer (headless Chromium in web mode and the CLI, printToPDF in Electron).
import { ApiError, type NormLabApi, type RequestOf, type ResponseOf } from '../../shared/contract'
import type { Archive } from '../store/archive'
import { findingSummary } from '../../shared/lab/findings/summary'
import { makeReport, type PdfPrinter } from './generate'

export interface ReportHost {
  /** "NormLab app", "web mode" or "CLI", written into the report's provenance. */
  madeBy: string
  printer: PdfPrinter | null
}

export function reportService(archive: Archive, api: () => NormLabApi, host: ReportHost) {
  return async (req: RequestOf<'exportReport'>): Promise<ResponseOf<'exportReport'>> => {
    const runIds =
      req.runIds ??
      (await archive.runs.list({ filter: { studyId: req.studyId! } })).map((r) => r.id).sort((a, b) => a - b)
    if (runIds.length === 0) throw new ApiError('not_found', `study ${req.studyId} has no runs to report on`)
    // The same runs, in the same order (by id), as `export-data` writes them.
    const tables = async () =>
      archive.tidyCsv(await Promise.all([...runIds].sort((a, b) => a - b).map((id) => archive.runs.get(id))))
    const report = await makeReport(api(), {
      runIds,
      language: req.language,
      madeBy: host.madeBy,
      archivePath: archive.path,
      schemaVersion: archive.schemaVersion,
      tables,
      provenance: req.provenance,
    })
    const findings = report.findings.map(findingSummary)
    if (req.format === 'html')
      return {
        fileName: `${report.baseName}.html`,
        mimeType: 'text/html',
        base64: Buffer.from(report.html, 'utf8').toString('base64'),
        title: report.title,
        findings,
      }
    if (!host.printer) throw new ApiError('invalid_request', 'this host cannot print PDFs: ask for the HTML report')
    const pdf = await host.printer(report.html, req.paper)
    return {
      fileName: `${report.baseName}.pdf`,
      mimeType: 'application/pdf',
      base64: Buffer.from(pdf).toString('base64'),
      title: report.title,
      findings,
    }
  }
}
