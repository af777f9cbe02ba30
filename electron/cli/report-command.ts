// `npm run lab -- report`: a study's or chosen runs' report, as one self-contained HTML file and,
// on request, a PDF printed by headless Chromium. Prints each finding as `lab findings` does.
import { writeFileSync } from 'node:fs'
import { isLanguage } from '../../shared/i18n'
import { apiOf, DB_OPTION, runIdsFlag, studyIdFlag, UsageError, type Command } from './command'
import { findingLines } from './finding-lines'
import { outputFile } from './output-file'
import { ensureReportBuilt } from '../report/build'

export const reportCommand: Command = {
  usage:
    'report (--study N | --runs 1,2,3) --out REPORT.html [--pdf REPORT.pdf] [--force] [--provenance basic|full] [--lang en|zh-CN] [--paper A4|Letter] [--db PATH]',
  summary: 'write a self-contained HTML report (and a PDF) of a study or of chosen runs, findings first',
  options: {
    ...DB_OPTION,
    study: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string' },
    pdf: { type: 'string' },
    lang: { type: 'string', default: 'en' },
    paper: { type: 'string', default: 'A4' },
    force: { type: 'boolean' },
    provenance: { type: 'string', default: 'basic' },
  },
  async run({ services, values, io }) {
    if ((values.study === undefined) === (values.runs === undefined))
      throw new UsageError('give either --study N or --runs 1,2,3')
    if (!values.out && !values.pdf) throw new UsageError('give --out REPORT.html (and/or --pdf REPORT.pdf)')
    const language = values.lang
    if (!isLanguage(language)) throw new UsageError(`--lang must be en or zh-CN, got "${String(language)}"`)
    const paper = values.paper as string
    if (paper !== 'A4' && paper !== 'Letter') throw new UsageError(`--paper must be A4 or Letter, got "${paper}"`)
    const provenance = values.provenance
    if (provenance !== 'basic' && provenance !== 'full')
      throw new UsageError(`--provenance must be basic or full, got "${String(provenance)}"`)
    const study = values.study === undefined ? undefined : studyIdFlag(values.study as string)
    // Every output checked before anything is made: neither may be the archive, nor replace a file unasked.
    const safe = { force: values.force === true, archivePath: services.archive.path }
    const out = values.out ? outputFile(values.out as string, { ...safe, flag: '--out' }) : null
    const pdfOut = values.pdf ? outputFile(values.pdf as string, { ...safe, flag: '--pdf' }) : null
    if (out !== null && out === pdfOut) throw new UsageError('--out and --pdf name the same file (nothing was written)')
    ensureReportBuilt((line) => io.err(line))
    const api = apiOf(services)
    const request = {
      ...(study !== undefined ? { studyId: study } : { runIds: runIdsFlag(values.runs as string) }),
      language,
      paper,
      provenance,
    } as const
    const html = await api.exportReport({ ...request, format: 'html' })
    if (out !== null) {
      writeFileSync(out, Buffer.from(html.base64, 'base64'))
      io.out(`Wrote ${values.out as string}: ${html.title}`)
    }
    if (pdfOut !== null) {
      const pdf = await api.exportReport({ ...request, format: 'pdf' })
      writeFileSync(pdfOut, Buffer.from(pdf.base64, 'base64'))
      io.out(`Wrote ${values.pdf as string}`)
    }
    for (const f of html.findings) io.out(findingLines(f, language).join('\n'))
  },
}
