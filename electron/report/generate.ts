// Makes a report of a set of runs: gather their data through the contract, compute the findings,
// build the model (shared/lab/report) and write it as one self-contained HTML file; print it to
// PDF with whichever printer the host has (headless Chromium, or Electron's printToPDF).
import { basename } from 'node:path'
import { arch, release, type } from 'node:os'
import type { NormLabApi, SnapshotRead } from '../../shared/contract'
import { fill, words, type Language } from '../../shared/i18n'
import { computeFindings, gatherStudyData, type Finding } from '../../shared/lab/findings'
import { reportHtml } from '../../shared/lab/report/html'
import { buildReportModel, HEATMAP_ROWS, type HeatmapGrid } from '../../shared/lab/report/model'
import { reportAssets, buildInfo } from './assets'

export type Paper = 'A4' | 'Letter'

/** Prints a report's HTML to PDF once its charts are drawn. */
export type PdfPrinter = (html: string, paper: Paper) => Promise<Uint8Array>

export interface ReportRequest {
  runIds: number[]
  language: Language
  /** Where it is made: "NormLab app", "web mode", "CLI". */
  madeBy: string
  archivePath: string
  schemaVersion: number
  /** basic (default): the archive's file name only, no host names or platform strings; full: all of them. */
  provenance?: 'basic' | 'full'
  /** The export-data tables of these runs as CSV, with their dictionary (the archive writes them). */
  tables: () => Promise<{ csv: { name: string; text: string }[]; dictionary: string }>
}

export interface Report {
  html: string
  title: string
  /** A file name for it, without the extension. */
  baseName: string
  findings: Finding[]
}

export async function makeReport(api: NormLabApi, request: ReportRequest): Promise<Report> {
  if (request.runIds.length === 0) throw new Error('a report needs at least one run')
  const data = await gatherStudyData(api, request.runIds)
  const findings = computeFindings(data)
  const studyIds = [...new Set(data.runs.map((r) => r.run.studyId))]
  const study =
    studyIds.length === 1 && studyIds[0] !== null
      ? (await api.listStudies({})).find((s) => s.id === studyIds[0])
      : undefined
  const w = words(request.language).report
  const title =
    study?.name ?? fill(data.runs.length === 1 ? w.runsTitle_one : w.runsTitle_other, { count: data.runs.length })
  const heatmaps: HeatmapGrid[] = []
  for (const r of data.runs) {
    if (!r.terms.h) continue
    const grid = await api.getTimestepGrid({ runId: r.run.id, term: 'h', field: 'mean', maxRows: HEATMAP_ROWS })
    heatmaps.push({ runId: r.run.id, steps: grid.steps, values: grid.values })
  }
  // The explorable's pictures: each run's last snapshot of the recurrent term, where it kept one.
  const snapshots: { runId: number; snapshot: SnapshotRead }[] = []
  for (const r of data.runs) {
    const answer = await api.getSnapshot({ runId: r.run.id, term: 'h' })
    if (answer.snapshot) snapshots.push({ runId: r.run.id, snapshot: answer.snapshot })
  }
  const info = buildInfo()
  // A shared report says where the user keeps files only when asked (--provenance full).
  const full = request.provenance === 'full'
  const model = buildReportModel(data, findings, request.language, {
    title,
    generatedAt: Date.now(),
    provenance: full
      ? {
          appVersion: info.appVersion,
          commit: info.commit,
          schemaVersion: request.schemaVersion,
          madeBy: request.madeBy,
          platform: `${type()} ${release()} ${arch()}`,
          archivePath: request.archivePath,
        }
      : {
          appVersion: info.appVersion,
          commit: info.commit,
          schemaVersion: request.schemaVersion,
          madeBy: request.madeBy,
          platform: '—',
          archivePath: basename(request.archivePath),
        },
    hostDetails: full,
    heatmaps,
    snapshots,
    ...(await request.tables()),
  })
  const baseName = `normlab-report-${(study ? `study-${study.id}` : `runs-${request.runIds.join('-')}`).slice(0, 60)}`
  return { html: reportHtml(model, reportAssets()), title, baseName, findings }
}
