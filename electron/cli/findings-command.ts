// `npm run lab -- findings`: every finding of a study or of chosen runs, with its comparison sets,
// effect, interval and verdict; --json prints them as data (the contract's FindingSummary).
import { computeFindings, findingSummary, gatherStudyData } from '../../shared/lab/findings'
import { fill, isLanguage, words } from '../../shared/i18n'
import { apiOf, DB_OPTION, runIdsFlag, studyIdFlag, UsageError, type Command } from './command'
import { findingLines } from './finding-lines'

export const findingsCommand: Command = {
  usage: 'findings (--study N | --runs 1,2,3) [--json] [--lang en|zh-CN] [--db PATH]',
  summary: 'judge every claim on a study or chosen runs: effect, interval, verdict',
  options: {
    ...DB_OPTION,
    study: { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'boolean' },
    lang: { type: 'string', default: 'en' },
  },
  async run({ services, values, positionals, io }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    if ((values.study === undefined) === (values.runs === undefined))
      throw new UsageError('give either --study N or --runs 1,2,3')
    const language = values.lang
    if (!isLanguage(language)) throw new UsageError(`--lang must be en or zh-CN, got "${String(language)}"`)
    let runIds: number[]
    if (values.study !== undefined) {
      const study = studyIdFlag(values.study as string)
      runIds = (await services.archive.runs.list({ filter: { studyId: study } })).map((r) => r.id).sort((a, b) => a - b)
      if (runIds.length === 0) throw new UsageError(`study ${study} has no runs (see npm run lab -- runs list)`)
    } else runIds = runIdsFlag(values.runs as string)
    const findings = computeFindings(await gatherStudyData(apiOf(services), runIds)).map(findingSummary)
    if (values.json) return io.out(JSON.stringify({ findings }, null, 2))
    const w = words(language).findings
    io.out(
      values.study !== undefined
        ? fill(w.cliStudy, { study: values.study as string, count: runIds.length })
        : fill(w.cliRuns, { count: runIds.length }),
    )
    for (const f of findings) io.out(findingLines(f, language).join('\n'))
  },
}
