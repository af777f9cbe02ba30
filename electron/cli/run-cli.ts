// `npm run lab -- <command>`: the archive from the terminal. Commands are a table so later
// commands (train, sweep, golden) slot in beside these; all talk to the store through the same
// contract handlers the app uses, so validation is identical.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ApiError, type Run } from '../../shared/contract'
import { asGoldenCase, runGoldenCase } from '../../shared/engine/golden'
import { ArchiveRefusedError, defaultArchivePath, openServices, type OpenReport, type Services } from '../store'
import { isInMemoryPath } from '../store/paths'
import { CheckFailed, DB_OPTION, ExitWith, studyIdFlag, UsageError, type CliIo, type Command } from './command'
import { chromiumPrinter } from '../report/chromium-printer'
import { formatTable, formatTime } from './table'
import { wrap } from './text-width'
import { findingsCommand } from './findings-command'
import { reportCommand } from './report-command'
import { FLAG_HELP, flagMeaning } from './flag-help'
import { resumeCommand, sweepCommand, trainCommand } from './train-commands'
import { planResubmitCommand, planStatusCommand } from './plan-commands'
import { exportCommand, exportDataCommand, importCommand } from './transfer-commands'

export { CheckFailed, UsageError, type CliIo }

const COMMANDS: Record<string, Command> = {
  train: trainCommand,
  sweep: sweepCommand,
  resume: resumeCommand,
  'plan status': planStatusCommand,
  'plan resubmit': planResubmitCommand,
  findings: findingsCommand,
  report: reportCommand,
  export: exportCommand,
  import: importCommand,
  'export-data': exportDataCommand,
  golden: {
    usage: 'golden <dir> [--backend cpu|wasm]',
    summary: 'run every PyTorch reference case (*.json) in a folder and print each worst error',
    options: { backend: { type: 'string', default: 'cpu' } },
    archive: false,
    async run({ positionals, values, io }) {
      if (positionals.length !== 1) throw new UsageError('golden takes exactly one folder of reference cases')
      const dir = positionals[0]!
      let files: string[]
      try {
        files = statSync(dir).isDirectory()
          ? readdirSync(dir)
              .filter((f) => f.endsWith('.json'))
              .sort()
          : []
      } catch {
        throw new UsageError(`${dir} is not a folder`)
      }
      if (files.length === 0) throw new UsageError(`${dir} holds no *.json reference cases`)
      const { useNodeBackend } = await import('./node-backend')
      const backend = await useNodeBackend(values.backend as string)
      io.out(`Reference cases in ${dir} on the ${backend} backend:`)
      let failures = 0
      for (const file of files) {
        let result
        try {
          result = await runGoldenCase(file, asGoldenCase(file, JSON.parse(readFileSync(join(dir, file), 'utf8'))))
        } catch (error) {
          result = {
            name: file,
            pass: false,
            worstAbs: Infinity,
            worstRatio: Infinity,
            comparisons: [],
            error: (error as Error).message,
          }
        }
        if (!result.pass) failures++
        io.out(
          `  ${result.pass ? 'pass' : 'FAIL'}  ${file.padEnd(32)} worst |a-b| ${result.worstAbs.toExponential(2)}  (${result.worstRatio.toFixed(3)} of tolerance)`,
        )
        if (result.error) io.out(`        ${result.error}`)
        for (const c of result.comparisons.filter((c) => !c.pass))
          io.out(`        ${c.name}: worst |a-b| ${c.worstAbs.toExponential(2)}`)
      }
      io.out(`${files.length - failures} passed, ${failures} failed`)
      if (failures > 0) throw new CheckFailed(`${failures} reference case(s) failed`)
    },
  },
  'runs list': {
    usage: 'runs list [--study N] [--status S] [--norm N] [--tag T] [--json] [--db PATH]',
    summary: 'list the runs in the archive (or of one study), newest first',
    options: {
      ...DB_OPTION,
      study: { type: 'string' },
      status: { type: 'string' },
      norm: { type: 'string' },
      tag: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run({ services, values, io }) {
      const filter: Record<string, unknown> = {}
      for (const key of ['status', 'norm', 'tag'] as const) if (values[key] !== undefined) filter[key] = values[key]
      if (values.study !== undefined) filter.studyId = studyIdFlag(values.study as string)
      const runs = await call<Run[]>(services, 'listRuns', { filter })
      if (values.json) return io.out(JSON.stringify(runs, null, 2))
      if (runs.length === 0) return io.out('The archive has no runs yet.')
      io.out(
        formatTable(
          ['id', 'study', 'name', 'status', 'norm', 'batch', 'batching', 'seed', 'created'],
          runs.map((r) => [
            String(r.id),
            r.studyId === null ? '-' : String(r.studyId),
            r.name,
            r.status,
            r.norm,
            String(r.batchSize),
            String((r.config as { batching?: string }).batching ?? 'mask'),
            String(r.seed),
            formatTime(r.createdAt),
          ]),
        ),
      )
    },
  },
  'runs show': {
    usage: 'runs show <id> [--db PATH] [--json]',
    summary: 'show one run with its configuration and what was recorded',
    options: { ...DB_OPTION, json: { type: 'boolean' } },
    async run({ services, positionals, values, io }) {
      if (positionals.length !== 1) throw new UsageError('runs show takes exactly one run id')
      const id = Number(positionals[0])
      if (!Number.isInteger(id) || id <= 0)
        throw new UsageError(`"${positionals[0]}" is not a run id (a positive whole number)`)
      const run = await call<Run>(services, 'getRun', { id })
      const series = await call<{ layer: number; term: string; recordedSteps: number; timeSteps: number }[]>(
        services,
        'listTimestepSeries',
        { runId: id },
      )
      const metrics = await call<{ series: { name: string; steps: number[]; values: number[] }[] }>(
        services,
        'queryMetrics',
        { runIds: [id] },
      )
      if (values.json)
        return io.out(
          JSON.stringify(
            {
              run,
              timestepSeries: series,
              metrics: metrics.series.map((s) => ({ name: s.name, points: s.steps.length })),
            },
            null,
            2,
          ),
        )
      const last = (s: { values: number[] }) => s.values[s.values.length - 1]
      io.out(
        [
          `Run ${run.id}: ${run.name}`,
          `  status      ${run.status}${run.error ? ` (${run.error})` : ''}`,
          `  model       ${run.cell} + ${run.norm}, batch ${run.batchSize}, seed ${run.seed}, task ${run.task}`,
          `  device      ${run.device ? `${run.device.backend}${run.device.gpuRenderer ? ` on ${run.device.gpuRenderer}` : ''}` : '-'}`,
          `  created     ${formatTime(run.createdAt)}   started ${formatTime(run.startedAt)}   ended ${formatTime(run.endedAt)}`,
          `  tags        ${run.tags.join(', ') || '-'}${run.starred ? '   ★ starred' : ''}`,
          `  config      ${JSON.stringify(run.config)}  (hash ${run.configHash})`,
          `  metrics     ${metrics.series.map((s) => `${s.name}: ${s.steps.length} points, last ${last(s)?.toPrecision(4) ?? '-'}`).join('; ') || '-'}`,
          `  statistics  ${series.map((s) => `layer ${s.layer} ${s.term}: ${s.recordedSteps} steps × ${s.timeSteps} time steps`).join('; ') || '-'}`,
          ...(run.notes ? [`  notes       ${run.notes}`] : []),
        ].join('\n'),
      )
    },
  },
}

async function call<T>(services: Services, name: string, payload: unknown): Promise<T> {
  const envelope = await services.dispatch(name, payload)
  if (!envelope.ok) throw ApiError.fromBody(envelope.error)
  return envelope.value as T
}

/** Terminal width: every line of help fits it. */
const WIDTH = 100

/** The commands, one line each (details: `help <command>`). */
export function usage(): string {
  const names = Object.keys(COMMANDS)
  const width = Math.max(...names.map((n) => n.length))
  return [
    'Usage: npm run lab -- <command> [options]     (npm run lab -- help <command>: its options)',
    '',
    'Commands:',
    ...names.flatMap((name) =>
      wrap(COMMANDS[name]!.summary, WIDTH, ' '.repeat(width + 4), `  ${name.padEnd(width)}  `),
    ),
    '',
    ...wrap(`--db defaults to the app's archive: ${defaultArchivePath()}`, WIDTH),
  ].join('\n')
}

/** One command's usage after "Usage: ", wrapped to the terminal with a hanging indent. */
export function commandUsage(command: Command): string {
  return wrap(`npm run lab -- ${command.usage}`, WIDTH, '    ', 'Usage: ').join('\n')
}

/** `help <command>`: what it does, how it is called, each flag with what it means and takes. */
function commandHelp(name: string, command: Command): string {
  const flags = Object.entries(command.options).map(([flag, o]) => {
    const help = FLAG_HELP[flag]
    const named = `--${flag}${o.type === 'string' ? ` ${help?.value ?? 'VALUE'}` : ''}`
    const means = flagMeaning(flag) ?? (o.default !== undefined ? `default ${String(o.default)}` : '')
    return { named, means }
  })
  const width = Math.min(24, Math.max(0, ...flags.map((f) => f.named.length)))
  const lines = flags.flatMap(({ named, means }) =>
    named.length > width
      ? [`  ${named}`, ...wrap(means, WIDTH, ' '.repeat(width + 4), ' '.repeat(width + 4))]
      : wrap(means, WIDTH, ' '.repeat(width + 4), `  ${named.padEnd(width)}  `),
  )
  return [
    ...wrap(`${name}: ${command.summary}`, WIDTH),
    '',
    commandUsage(command),
    ...(flags.length > 0 ? ['', 'Options:', ...lines] : []),
  ].join('\n')
}

/** The known flag nearest to a mistyped one (a letter or two off), for "did you mean". */
function nearestFlag(given: string, known: readonly string[]): string | null {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) =>
      Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    )
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) {
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
        // A swap of two neighbours counts once (--nrom for --norm).
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
          d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
      }
    return d[a.length]![b.length]!
  }
  const best = known.map((k) => ({ k, d: distance(given, k) })).sort((x, y) => x.d - y.d)[0]
  return best && best.d <= Math.max(1, Math.floor(given.length / 3)) ? best.k : null
}

/** Runs one CLI invocation; returns the process exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  interrupted: () => boolean = () => false,
): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const asked = argv.slice(1).join(' ')
    if (asked && COMMANDS[asked]) {
      io.out(commandHelp(asked, COMMANDS[asked]!))
      return 0
    }
    io.out(usage())
    return argv.length === 0 || asked ? 2 : 0
  }
  const two = `${argv[0]} ${argv[1] ?? ''}`.trim()
  const key = COMMANDS[two] ? two : argv[0]!
  const command = COMMANDS[key]
  if (!command) {
    // The command is its first word, or two for a family ("runs list"): never the flags after it.
    const family = Object.keys(COMMANDS).some((k) => k.startsWith(`${argv[0]} `))
    const words = family && argv[1] !== undefined && !argv[1].startsWith('-') ? argv.slice(0, 2) : argv.slice(0, 1)
    const asked = words.join(' ')
    const candidates = Object.keys(COMMANDS).filter((k) => !family || k.startsWith(`${argv[0]} `))
    const near = nearestFlag(asked, candidates)
    const rest = argv.slice(words.length).join(' ')
    io.err(
      `Unknown command "${asked}".${near ? ` Did you mean "${near}"? npm run lab -- ${[near, rest].filter(Boolean).join(' ')}` : ''}`,
    )
    io.err(usage())
    return 2
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] }
  try {
    parsed = parseArgs({
      args: argv.slice(key.split(' ').length),
      options: command.options,
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    const code = (error as { code?: string }).code
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const near = nearestFlag(unknown.replace(/^-+/, ''), Object.keys(command.options))
      io.err(
        `unknown flag ${unknown}${near ? ` (did you mean --${near}?)` : ''}. Its flags: npm run lab -- help ${key}`,
      )
    } else io.err(`${(error as Error).message.split('. ')[0]}.\n${commandUsage(command)}`)
    return 2
  }
  let services: Services | undefined
  const dbPath = (parsed.values.db as string | undefined) ?? defaultArchivePath()
  // An in-memory database vanishes when the command ends: a run "completed" into it would be a lie.
  if (command.archive !== false && isInMemoryPath(dbPath)) {
    io.err(
      `--db ${dbPath} is an in-memory SQLite database: nothing would be kept when the command ends. Give a file path.`,
    )
    return 2
  }
  const say = (report: OpenReport) => {
    if (report.created) io.err(`Created the archive ${dbPath}`)
    if (report.tookOverEmpty) io.err(`${dbPath} was an empty file: it is now a NormLab archive`)
    if (report.integrity.status === 'unchecked')
      io.err(`Note: the integrity check of ${dbPath} was cut short (${report.integrity.detail})`)
    if (report.readOnly) io.err(`Warning: ${report.readOnly}. Export what you need and work on a copy.`)
  }
  let createdHere = false
  let discard = false
  const openForWriting = async () => {
    if (services) return services
    services = await openServices({ dbPath, host: 'cli', create: true, pdfPrinter: chromiumPrinter })
    createdHere = services.archive.report.created
    say(services.archive.report)
    if (services.archive.report.readOnly)
      throw new UsageError(`Nothing can be trained into it: ${services.archive.report.readOnly}.`)
    return services
  }
  try {
    if ((command.archive ?? 'read') === 'read') {
      services = await openServices({ dbPath, host: 'cli', create: false, pdfPrinter: chromiumPrinter })
      say(services.archive.report)
    }
    const discardIfCreated = () => {
      discard = createdHere
    }
    await command.run({
      services: services!,
      openForWriting,
      discardIfCreated,
      positionals: parsed.positionals,
      values: parsed.values,
      io,
      interrupted,
    })
    return 0
  } catch (error) {
    if (error instanceof CheckFailed) return 1
    if (error instanceof ExitWith) return error.code
    if (error instanceof ArchiveRefusedError) {
      io.err(error.message)
      return 1
    }
    // A request the contract refuses was made of the user's flags (`runs list --status bogus`):
    // a usage error, exit 2, as everywhere else.
    if (error instanceof UsageError || (error instanceof ApiError && error.code === 'invalid_request')) {
      io.err(`${error.message}\n${commandUsage(command)}`)
      return 2
    }
    io.err(`Error: ${(error as Error).message}`)
    return 1
  } finally {
    await services?.close()
    if (discard) {
      for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`]) rmSync(file, { force: true })
      io.err(`Removed ${dbPath} again: nothing was written into it.`)
    }
  }
}
