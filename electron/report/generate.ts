// Makes a report of a set of runs: gather their data through the contract, compute the findings,
// build the model (shared/lab/report) and write it as one self-contained HTML file; print it to
// PDF with whichever printer the host has (headless Chromium, or Electron's printToPDF).
import { arch, release, type } from 'node:os'
import type { NormLabApi } from '../../shared/contract'
import { computeFindings, gatherStudyData, type Finding, type ReportLanguage } from '../../shared/lab/findings'
import { reportHtml } from '../../shared/lab/report/html'
import { buildReportModel } from '../../shared/lab/report/model'
import { reportAssets, buildInfo } from './assets'

export type Paper = 'A4' | 'Letter'

/** Prints a report's HTML to PDF once its charts are drawn. */
export type PdfPrinter = (html: string, paper: Paper) => Promise<Uint8Array>

export interface ReportRequest {
  runIds: number[]
  language: ReportLanguage
  /** Where it is made: "NormLab app", "web mode", "CLI". */
  madeBy: string
  archivePath: string
  schemaVersion: number
}

export interface Report {
  html: string
  title: string
  /** A file name for it, without the extension. */
  baseName: string
  findings: Finding[]
}

const PRESET_TITLES: Record<ReportLanguage, Record<string, string>> = {
  en: { bnVsLn: 'BN vs LN on variable-length sequences', batchSize: 'Batch size', longerTest: 'Test longer than train', padMaskTruncate: 'Pad vs mask vs truncate', allNorms: 'All norms' },
  'zh-CN': { bnVsLn: '变长序列上的 BN 与 LN', batchSize: '批大小', longerTest: '测试比训练更长', padMaskTruncate: '填充、掩码与截断', allNorms: '全部归一化' },
}

export async function makeReport(api: NormLabApi, request: ReportRequest): Promise<Report> {
  if (request.runIds.length === 0) throw new Error('a report needs at least one run')
  const data = await gatherStudyData(api, request.runIds, { maxGridRows: 100_000 })
  const findings = computeFindings(data)
  const studyIds = [...new Set(data.runs.map((r) => r.run.studyId))]
  const study = studyIds.length === 1 && studyIds[0] !== null ? (await api.listStudies({})).find((s) => s.id === studyIds[0]) : undefined
  const title = study?.name ?? (request.language === 'zh-CN' ? `${data.runs.length} 次运行` : `${data.runs.length} run${data.runs.length === 1 ? '' : 's'}`)
  const info = buildInfo()
  const model = buildReportModel(data, findings, request.language, {
    title,
    generatedAt: Date.now(),
    provenance: { appVersion: info.appVersion, commit: info.commit, schemaVersion: request.schemaVersion, madeBy: request.madeBy, platform: `${type()} ${release()} ${arch()}`, archivePath: request.archivePath },
    presetTitle: (id) => PRESET_TITLES[request.language][id] ?? id,
  })
  const baseName = `normlab-report-${(study ? `study-${study.id}` : `runs-${request.runIds.join('-')}`).slice(0, 60)}`
  return { html: reportHtml(model, reportAssets()), title, baseName, findings }
}
