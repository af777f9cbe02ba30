// `npm run lab -- report`: a study's or chosen runs' report, as one self-contained HTML file and,
// on request, a PDF printed by headless Chromium. Prints each finding as `lab findings` does.
import { writeFileSync } from 'node:fs'
import { isLanguage } from '../../shared/i18n'
import { apiOf, DB_OPTION, runIdsFlag, studyIdFlag, UsageError, type Command } from './command'
import { findingLines } from './finding-lines'
import { ensureReportBuilt } from '../report/build'

export const reportCommand: Command = {
  usage: 'report (--study N | --runs 1,2,3) --out REPORT.html [--pdf REPORT.pdf] [--lang en|zh-CN] [--paper A4|Letter] [--db PATH]',
  summary: 'write a self-contained HTML report (and a PDF) of a study or of chosen runs, findings first',
  options: { ...DB_OPTION, study: { type: 'string' }, runs: { type: 'string' }, out: { type: 'string' }, pdf: { type: 'string' }, lang: { type: 'string', default: 'en' }, paper: { type: 'string', default: 'A4' } },
  async run({ services, values, io }) {
    if ((values.study === undefined) === (values.runs === undefined)) throw new UsageError('give either --study N or --runs 1,2,3')
    if (!values.out && !values.pdf) throw new UsageError('give --out REPORT.html (and/or --pdf REPORT.pdf)')
    const language = values.lang
    if (!isLanguage(language)) throw new UsageError(`--lang must be en or zh-CN, got "${String(language)}"`)
    const paper = values.paper as string
    if (paper !== 'A4' && paper !== 'Letter') throw new UsageError(`--paper must be A4 or Letter, got "${paper}"`)
    const study = values.study === undefined ? undefined : studyIdFlag(values.study as string)
    ensureReportBuilt((line) => io.err(line))
    const api = apiOf(services)
    const request = { ...(study !== undefined ? { studyId: study } : { runIds: runIdsFlag(values.runs as string) }), language, paper } as const
    const html = await api.exportReport({ ...request, format: 'html' })
    if (values.out) {
      writeFileSync(values.out as string, Buffer.from(html.base64, 'base64'))
      io.out(`Wrote ${values.out as string}: ${html.title}`)
    }
    if (values.pdf) {
      const pdf = await api.exportReport({ ...request, format: 'pdf' })
      writeFileSync(values.pdf as string, Buffer.from(pdf.base64, 'base64'))
      io.out(`Wrote ${values.pdf as string}`)
    }
    for (const f of html.findings) io.out(findingLines(f, language).join('\n'))
  },
}
