// `npm run lab -- train` and `npm run lab -- sweep`: the CLI's adapter over the lab's one study
// planner and run lifecycle (shared/lab). The engine runs in-process on Node's wasm (or cpu)
// backend after the numerics gate; runs are written through the same contract handlers as the
// app. Every combination is validated, and every task built, before anything is written; Ctrl-C
// marks the run interrupted and keeps everything written so far.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ZodError } from 'zod'
import { arch, availableParallelism, release, type } from 'node:os'
import { tf } from '../../shared/engine/core/tf'
import { ApiError, type NormLabApi, type Run, type Study } from '../../shared/contract'
import type { TrainConfig } from '../../shared/contract/train-config'
import type { Task } from '../../shared/engine/data/task'
import { train } from '../../shared/engine/trainer'
import {
  createStudyRuns,
  resumableRuns,
  runOne,
  type QueuedRun,
  type RunObserver,
  type RunOutcome,
  type StudyMeta,
  type TrainingHost,
  takenElsewhere,
} from '../../shared/lab/run-lifecycle'
import { sleep } from '../../shared/timers'
import {
  MAX_PLANNED_RUNS,
  PRESET_IDS,
  planStudy,
  planWarnings,
  type GridAxis,
  type PlannedRun,
} from '../../shared/lab/study-plan'
import { arrayChunk, PlannedRunFile, ReportPlan, SlurmOptions, sweepPlanFiles } from '../../shared/lab/sweep-plan'
import { reportModelOf } from '../../shared/lab/report/html'
import {
  apiOf,
  DB_OPTION,
  ExitWith,
  runIdsFlag,
  studyIdFlag,
  UsageError,
  type Command,
  type CommandContext,
} from './command'
import { taskFor } from './node-tasks'
import { configHash } from '../store/archive'
import type { GatedBackend } from './numerics-gate'
import { progressLine } from './progress'
import { FLAG_OF_FIELD, planInputFromFlags, presetOf, STUDY_FLAGS } from './study-flags'
import {
  presetClaims,
  roundRuns,
  settleDesign,
  settleStudy,
  type SettleOptions,
} from '../../shared/lab/settle/settle-study'
import { judgingOf } from '../../shared/lab/findings/method/sequential'
import { findingSummary, levelPercent } from '../../shared/lab/findings'
import { fill, words } from '../../shared/i18n'
import type { StudyDesign } from '../../shared/contract/schemas'
import type { Verdict } from '../../shared/kinds'
import type { StudyPlanInput } from '../../shared/lab/study-plan'
import { findingLines } from './finding-lines'
import { trainInProcesses } from './parallel-runs'

/** Errors on a grid axis name the flag that sets it. */
const FLAG_OF_AXIS: Record<GridAxis, string> = {
  cells: '--cell',
  norms: '--norm',
  batchSizes: '--batch',
  batchings: '--batching',
  seeds: '--seed',
}

const OPTIONS = { ...DB_OPTION, ...STUDY_FLAGS, backend: { type: 'string', default: 'wasm' } } as const

/** The runs the flags describe, validated together; a usage error listing every problem otherwise. */
export function planFromFlags(values: Record<string, unknown>, lists: boolean, maxRuns?: number): PlannedRun[] {
  const { runs, errors } = planStudy(planInputFromFlags(values, lists), maxRuns)
  if (errors.length > 0) {
    const flagOf = (field: string) =>
      FLAG_OF_AXIS[field as GridAxis] ?? (FLAG_OF_FIELD[field] ? `--${FLAG_OF_FIELD[field]}` : field)
    const lines = errors.map(
      (e) =>
        `  ${e.combination ? `combination ${e.combination}: ` : ''}${flagOf(e.field)}: ${e.message}${e.field === 'task' && lists ? ` (or --preset ID: ${PRESET_IDS.join(', ')}, the app's studies)` : ''}`,
    )
    throw new UsageError(
      `The ${lists ? 'sweep' : 'configuration'} is invalid; nothing was written:\n${lines.join('\n')}`,
    )
  }
  return runs
}

function warn(ctx: CommandContext, planned: readonly PlannedRun[]): void {
  for (const w of planWarnings(planned)) ctx.io.err(`Warning: ${w.message}.`)
}

async function tasksOrUsage(configs: readonly TrainConfig[]): Promise<Task[]> {
  try {
    return await Promise.all(configs.map(taskFor))
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nNothing was written.`)
  }
}

/** The backend asked for, or the next one that passes the numerics gate. */
async function startBackend(ctx: CommandContext): Promise<GatedBackend> {
  const { gatedNodeBackend } = await import('./numerics-gate')
  try {
    const gated = await gatedNodeBackend(ctx.values.backend as string, (line) => ctx.io.err(line))
    ctx.io.out(
      `Backend ${gated.backend}: ${gated.numerics.passed} of ${gated.numerics.cases} reference cases pass (worst ${gated.numerics.worstRatio?.toFixed(2)} of tolerance, ${gated.numerics.ms} ms)`,
    )
    return gated
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** Failures no wait can cure: the file is gone, or open read-only. */
const HOPELESS = new Set(['archive_gone', 'read_only'])

/**
 * How the CLI waits on a write the archive keeps refusing: it tries again every `retryEveryMs`,
 * and gives up `giveUpAfterMs` after the write first failed, so a run on a full disk ends "failed"
 * within two minutes instead of waiting forever. Tests shorten both.
 */
export const BLOCKED_WRITES = { retryEveryMs: 10_000, giveUpAfterMs: 100_000 }

/**
 * The terminal's answer to a write that keeps failing: say so, then try again every 10 s (a lock
 * may go away, disk space may be freed) until it succeeds, the time is up, the user stops, or
 * waiting cannot help.
 */
function cliObserver(ctx: CommandContext, archivePath: string): RunObserver {
  return {
    async onWriteBlocked(blocked) {
      const code = blocked.error instanceof ApiError ? blocked.error.code : ''
      const waited = Date.now() - blocked.since
      ctx.io.progress?.('', true)
      ctx.io.err(`Cannot write ${blocked.what} of run ${blocked.runId} to ${archivePath}: ${blocked.error.message}`)
      if (HOPELESS.has(code) || waited + BLOCKED_WRITES.retryEveryMs > BLOCKED_WRITES.giveUpAfterMs) {
        ctx.io.err('Stopping: the run ends "failed" with this reason.')
        return 'stop'
      }
      ctx.io.err(
        `Training is paused; trying again in ${BLOCKED_WRITES.retryEveryMs / 1000} s (refused for ${Math.round(waited / 1000)} s; giving up after ${BLOCKED_WRITES.giveUpAfterMs / 1000} s; Ctrl-C stops).`,
      )
      for (let slept = 0; slept < BLOCKED_WRITES.retryEveryMs; slept += 100) {
        if (ctx.interrupted()) return 'stop'
        await sleep(Math.min(100, BLOCKED_WRITES.retryEveryMs - slept))
      }
      return 'retry'
    },
    onWriteUnblocked() {
      ctx.io.err('The archive takes writes again; training goes on.')
    },
  }
}

/** "3 completed, 1 interrupted": how a command's runs ended, every run counted. */
function outcomeCounts(outcomes: readonly RunOutcome[]): string {
  const counts: Record<string, number> = {}
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1
  return (
    Object.entries(counts)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ') || 'nothing trained'
  )
}

/** The exit code of a command that trained runs: 1 if any failed, 3 if any diverged, else 0 (signals: see main.ts). */
export function exitCodeOf(outcomes: readonly RunOutcome[]): number {
  if (outcomes.some((o) => o.status === 'failed')) return 1
  if (outcomes.some((o) => o.status === 'diverged')) return 3
  return 0
}

/** The engine in this process, on the gated backend. */
function nodeHost(
  ctx: CommandContext,
  gated: GatedBackend,
  tasks: Map<number, Task>,
  label: () => string,
): TrainingHost {
  let stopped = false
  return {
    owner: randomUUID().replace(/-/g, ''),
    device: () => ({
      backend: gated.backend,
      gpuRenderer: null,
      webglVersion: null,
      floatPrecision: 32,
      numerics: gated.numerics,
      platform: `${type()} ${release()} ${arch()}, Node ${process.versions.node}`,
      tfjsVersion: tf.version_core,
    }),
    // The engine awaits every hook, so a blocked write holds training by itself.
    stop: () => {
      stopped = true
    },
    async train(run, hooks, checkpoint) {
      stopped = false
      const started = Date.now()
      let lastDrawn = 0
      if (checkpoint) ctx.io.out(`Run ${run.runId} resumes after step ${checkpoint.step} (its last checkpoint)`)
      const result = await train(
        run.config,
        tasks.get(run.runId)!,
        {
          ...hooks,
          onStep: async (r) => {
            await hooks.onStep(r)
            if (Date.now() - lastDrawn > 250 || r.step === run.config.steps) {
              lastDrawn = Date.now()
              ctx.io.progress?.(
                progressLine(
                  label(),
                  r.step,
                  run.config.steps,
                  Date.now() - started,
                  r.loss,
                  24,
                  checkpoint?.step ?? 0,
                ),
                false,
              )
            }
          },
          // A signal (Ctrl-C, a scheduler's SIGTERM or SIGUSR1 before its time limit) keeps a checkpoint, then stops.
          shouldStop: () => stopped || ctx.interrupted(),
        },
        checkpoint,
      )
      ctx.io.progress?.('', true)
      return result
    },
  }
}

/**
 * A plan's run already in its task's archive (the task ran before: preempted, requeued, resubmitted):
 * resumed, or left alone when it has ended; null when the archive does not have it yet.
 */
async function plannedRunIn(
  api: NormLabApi,
  planned: PlannedRun,
  study: NonNullable<StudyMeta['study']>,
): Promise<{ study: Study; run: Run } | null> {
  if (!study.uuid) return null
  const found = await api.createStudy({ name: study.name, description: study.description, uuid: study.uuid })
  const run = (await api.listRuns({ filter: { studyId: found.id } })).find(
    (r) => r.name === planned.name && r.configHash === configHash(planned.config),
  )
  return run ? { study: found, run } : null
}

/**
 * A study in the archive with exactly these runs (names and configurations) that did not finish:
 * the same sweep given again goes on with it instead of training every run a second time.
 */
async function unfinishedStudyOf(api: NormLabApi, planned: readonly PlannedRun[]): Promise<Study | null> {
  const wanted = planned
    .map((p) => `${p.name}\u0000${configHash(p.config)}`)
    .sort()
    .join('\n')
  const resumable = new Set((await api.listResumable({})).map((r) => r.studyId))
  for (const study of (await api.listStudies({})).filter((s) => resumable.has(s.id))) {
    const runs = await api.listRuns({ filter: { studyId: study.id } })
    if (
      runs
        .map((r) => `${r.name}\u0000${r.configHash}`)
        .sort()
        .join('\n') === wanted
    )
      return study
  }
  return null
}

/** Plans, writes and trains; returns each run's outcome. */
async function trainPlanned(
  ctx: CommandContext,
  planned: PlannedRun[],
  study: StudyMeta['study'],
): Promise<{ studyId: number | null; outcomes: RunOutcome[] }> {
  // Checked before anything is written, like every flag.
  const jobs = jobsOf(ctx.values.jobs)
  warn(ctx, planned)
  const tasks = await tasksOrUsage(planned.map((p) => p.config))
  const gated = await startBackend(ctx)
  // Everything is valid: only now may the archive be opened (and created).
  const services = await ctx.openForWriting()
  const api: NormLabApi = apiOf(services)
  const again = planned.length === 1 && study?.uuid ? await plannedRunIn(api, planned[0]!, study) : null
  if (again) {
    const { run } = again
    if (run.status === 'completed' || run.status === 'diverged') {
      ctx.io.out(`Run ${run.id}: ${run.name} has ${run.status} in this archive already; nothing to do`)
      return {
        studyId: again.study.id,
        outcomes: [
          { runId: run.id, status: run.status, steps: run.config.steps as number, error: run.error, finalLoss: null },
        ],
      }
    }
    const queued: QueuedRun = { runId: run.id, name: run.name, config: planned[0]!.config, resume: true }
    const outcomes = await trainQueued(
      ctx,
      api,
      gated,
      new Map([[run.id, tasks[0]!]]),
      [queued],
      services.archive.path,
      '',
    )
    return { studyId: again.study.id, outcomes }
  }
  const unfinished = study && !study.uuid ? await unfinishedStudyOf(api, planned) : null
  if (unfinished) {
    const runs = await resumableRuns(api, unfinished.id)
    ctx.io.out(
      `Study ${unfinished.id} (${unfinished.name}) has these ${planned.length} runs and did not finish: going on with its ${runs.length} queued or interrupted (npm run lab -- resume --study ${unfinished.id} does the same)`,
    )
    const outcomes = await trainQueued(
      ctx,
      api,
      gated,
      new Map(
        runs.map((r) => [
          r.runId,
          tasks[planned.findIndex((p) => p.name === r.name && configHash(p.config) === configHash(r.config))]!,
        ]),
      ),
      runs,
      services.archive.path,
      '',
    )
    return { studyId: unfinished.id, outcomes }
  }
  const created = await createStudyRuns(api, planned, { study })
  if (created.study) ctx.io.out(`Study ${created.study.id}: ${created.study.name} (${created.runs.length} runs)`)
  if (jobs > 1 && created.runs.length > 1) {
    ctx.io.out(
      `Training ${created.runs.length} runs ${Math.min(jobs, created.runs.length)} at a time, each in a process of its own`,
    )
    const outcomes = await trainInProcesses(ctx, api, created.runs, {
      jobs,
      dbPath: services.archive.path,
      backend: gated.backend,
      ...(typeof ctx.values.data === 'string' ? { data: resolve(ctx.values.data) } : {}),
    })
    return { studyId: created.study?.id ?? null, outcomes }
  }
  const taskOf = new Map(created.runs.map((r, i) => [r.runId, tasks[i]!]))
  const outcomes = await trainQueued(ctx, api, gated, taskOf, created.runs, services.archive.path, '')
  return { studyId: created.study?.id ?? null, outcomes }
}

/** `--jobs N`: how many runs train at once (1: one after another, in this process; default: one per core). */
function jobsOf(value: unknown): number {
  if (value === undefined) return availableParallelism()
  const jobs = value === 'auto' ? availableParallelism() : Number(value)
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256)
    throw new UsageError(
      `--jobs must be a whole number from 1 to 256, or auto (the machine's ${availableParallelism()} cores), got "${String(value)}"`,
    )
  return jobs
}

/**
 * Trains queued runs one after another; runs not started when the user stops end "interrupted".
 * `claim`: the runs are shared with other processes (sweep --jobs gives each every run): one
 * another process started first is skipped, not an error, and not stopped here.
 */
async function trainQueued(
  ctx: CommandContext,
  api: NormLabApi,
  gated: GatedBackend,
  tasks: Map<number, Task>,
  runs: readonly QueuedRun[],
  archivePath: string,
  prefix: string,
  claim = false,
): Promise<RunOutcome[]> {
  let index = 0
  const host = nodeHost(ctx, gated, tasks, () =>
    runs.length > 1 ? `${prefix}${index + 1}/${runs.length}` : prefix || 'train',
  )
  const outcomes: RunOutcome[] = []
  for (const [i, run] of runs.entries()) {
    index = i
    if (i > 0 && ctx.interrupted()) {
      // The process that shares them marks what none started.
      if (claim) break
      await api.updateRun({ id: run.runId, status: 'interrupted', error: 'stopped before it started' })
      outcomes.push({
        runId: run.runId,
        status: 'interrupted',
        steps: 0,
        error: 'stopped before it started',
        finalLoss: null,
      })
      continue
    }
    try {
      outcomes.push(await trainOne(ctx, api, host, run, archivePath))
    } catch (error) {
      if (!(claim && takenElsewhere(error))) throw error
    }
  }
  return outcomes
}

/** `sweep --settle`: the study's first round, then rounds of seeds until its claims are settled (shared/lab/settle.ts). */
async function settleSweep(
  ctx: CommandContext,
  input: StudyPlanInput,
  study: { name: string; description: string },
  options: SettleOptions,
): Promise<RunOutcome[]> {
  const seeds = input.grid.seeds
  if (seeds.length < 2)
    throw new UsageError(
      '--settle needs at least 2 seeds in the first round (--seed 1,2,3): one seed has no spread to judge against',
    )
  let design: StudyDesign
  let first: PlannedRun[]
  try {
    design = settleDesign(seeds.length, options)
    first = roundRuns(input, seeds)
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; nothing was written`)
  }
  warn(ctx, first)
  await tasksOrUsage(first.map((p) => p.config))
  const gated = await startBackend(ctx)
  const services = await ctx.openForWriting()
  const api: NormLabApi = apiOf(services)
  const created = await api.createStudy({ ...study, design })
  const w = words('en').settle
  const claims = design.claims ?? ['every claim its runs can answer']
  ctx.io.out(
    `Study ${created.id}: ${created.name}; settling ${claims.join(', ')} in rounds of ${design.looks.join(' → ')} seeds`,
  )
  ctx.io.out(
    fill(w.hint, {
      looks: design.looks.join(' → '),
      level: levelPercent(judgingOf(design).level),
      count: design.looks.length,
    }),
  )
  const outcomes: RunOutcome[] = []
  let round = 1
  const { findings } = await settleStudy(
    api,
    input,
    design,
    { id: created.id, tags: [] },
    {
      train: async (runs) => {
        const tasks = new Map(await Promise.all(runs.map(async (r) => [r.runId, await taskFor(r.config)] as const)))
        const done = await trainQueued(ctx, api, gated, tasks, runs, services.archive.path, `round ${round} · `)
        outcomes.push(...done)
        return done
      },
      onRound: (r) => {
        const verdicts = Object.entries(r.verdicts)
          .map(([id, v]) => `${id} ${words('en').findings.verdict[v as Verdict]}`)
          .join(', ')
        const next = r.stop
          ? fill(w.stops[r.stop], { seeds: r.seeds, minutes: design.budgetMinutes ?? '' })
          : fill(w.adding, { seeds: r.next.join(', ') })
        ctx.io.out(
          `${fill(w.round, { round: r.round, seeds: r.seeds, minutes: (r.elapsedMs / 60_000).toFixed(1), verdicts })}; ${next}.`,
        )
        round = r.round + 1
      },
      interrupted: ctx.interrupted,
      now: Date.now,
    },
  )
  ctx.io.out(`Findings of study ${created.id} (${design.claims ? design.claims.join(', ') : 'all claims'}):`)
  for (const f of findings.filter((x) => !design.claims || design.claims.includes(x.id)))
    ctx.io.out(findingLines(findingSummary(f), 'en').join('\n'))
  return outcomes
}

async function trainOne(
  ctx: CommandContext,
  api: NormLabApi,
  host: TrainingHost,
  run: QueuedRun,
  archivePath: string,
): Promise<RunOutcome> {
  const outcome = await runOne(api, host, run, {
    ...cliObserver(ctx, archivePath),
    // Said once the run is this process's (under sweep --jobs another may have started it first).
    onStart: () => ctx.io.out(`Run ${run.runId}: ${run.name}`),
  })
  ctx.io.out(
    `Run ${run.runId} ${outcome.status} after ${outcome.steps} steps${outcome.finalLoss === null ? '' : `, loss ${outcome.finalLoss.toPrecision(4)}`}${outcome.error ? ` (${outcome.error})` : ''}`,
  )
  return outcome
}

/** `train --from-plan runs/NNN.json`: one run of a planned sweep (sweep --plan), validated again here. */
function plannedRunOf(ctx: CommandContext): { planned: PlannedRun[]; study: StudyMeta['study'] } {
  const path = ctx.values['from-plan'] as string
  const others = Object.keys(STUDY_FLAGS).filter((flag) => ctx.values[flag] !== undefined && flag !== 'equal-samples')
  if (others.length > 0)
    throw new UsageError(
      `--from-plan takes its whole configuration from the file; drop ${others.map((f) => `--${f}`).join(', ')}`,
    )
  let parsed: PlannedRunFile
  try {
    parsed = PlannedRunFile.parse(JSON.parse(readFileSync(path, 'utf8')))
  } catch (error) {
    // Never the file's content: JSON.parse's message quotes it (train --from-plan /etc/passwd echoed lines of it).
    const issues =
      error instanceof ZodError
        ? error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n')
        : error instanceof SyntaxError
          ? '  (file): it is not JSON'
          : `  (file): ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`
    throw new UsageError(`--from-plan ${path} is not a run of a NormLab sweep plan; nothing was written:\n${issues}`)
  }
  return { planned: [{ name: parsed.name, config: parsed.config }], study: parsed.study }
}

export const trainCommand: Command = {
  usage:
    'train [--config exp.json] [--task T --cell C --norm N --batch B --batching mask|pad|truncate|bucket --seed K --steps S --hidden H --groups G --lr R --optimizer O --lengths 10-50 --snapshots first,middle,last --data FILE] [--from-plan runs/NNN.json] [--backend wasm|cpu] [--db PATH]',
  summary: 'train one model headless and write the run to the archive (--from-plan: one run of a planned sweep)',
  options: { ...OPTIONS, 'from-plan': { type: 'string' } },
  archive: 'write',
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`)
    if (ctx.values.preset !== undefined)
      throw new UsageError(
        'train trains one run: a preset is a study, so give it to sweep (npm run lab -- sweep --preset ID)',
      )
    const { planned, study } =
      ctx.values['from-plan'] !== undefined
        ? plannedRunOf(ctx)
        : { planned: planFromFlags(ctx.values, false), study: null }
    const { outcomes } = await trainPlanned(ctx, planned, study)
    if (exitCodeOf(outcomes) !== 0) throw new ExitWith(exitCodeOf(outcomes))
  },
}

/** With --plan: what run.sh asks the cluster's scheduler for, flag → SlurmOptions field (numbers where the field is one). */
const SCHEDULER_FLAGS = {
  time: 'time',
  mem: 'mem',
  partition: 'partition',
  account: 'account',
  'cpus-per-task': 'cpusPerTask',
  throttle: 'throttle',
  'max-array-size': 'maxArraySize',
} as const
const NUMERIC_SCHEDULER_FIELDS: ReadonlySet<string> = new Set(['cpusPerTask', 'throttle', 'maxArraySize'])

/** The scheduler's flags, checked; a usage error naming the flag otherwise. */
function slurmOf(values: Record<string, unknown>): SlurmOptions {
  const given = Object.entries(SCHEDULER_FLAGS).filter(([flag]) => values[flag] !== undefined)
  const parsed = SlurmOptions.safeParse(
    Object.fromEntries(
      given.map(([flag, field]) => [field, NUMERIC_SCHEDULER_FIELDS.has(field) ? Number(values[flag]) : values[flag]]),
    ),
  )
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const flag = given.find(([, field]) => field === issue.path[0])?.[0] ?? String(issue.path[0])
    throw new UsageError(`--${flag} ${String(values[flag])}: ${issue.message} (nothing was written)`)
  }
  return parsed.data
}

/** `sweep --plan DIR`: the runs as files and a script, trained elsewhere (shared/lab/sweep-plan.ts). */
function writePlan(ctx: CommandContext, planned: PlannedRun[], study: { name: string; description: string }): void {
  const planDir = resolve(ctx.values.plan as string)
  if (existsSync(planDir) && (!statSync(planDir).isDirectory() || readdirSync(planDir).length > 0))
    throw new UsageError(`${planDir} exists and is not an empty folder: give a new one (nothing was written)`)
  // Relative data files would be looked up from wherever a job starts: make them absolute now.
  const runs = planned.map((p) =>
    p.config.dataFile ? { ...p, config: { ...p.config, dataFile: resolve(p.config.dataFile) } } : p,
  )
  const labHome = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const slurm = slurmOf(ctx.values)
  const files = sweepPlanFiles(runs, { ...study, uuid: randomUUID() }, { planDir, labHome }, Date.now(), slurm)
  // One folder at a time, never recursively: a path that cannot be made (a typo's missing parent,
  // /proc) is an error naming it, not a loop.
  const parent = dirname(planDir)
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    throw new UsageError(`--plan ${planDir}: the folder ${parent} does not exist (make it first; nothing was written)`)
  try {
    if (!existsSync(planDir)) mkdirSync(planDir)
    for (const sub of ['runs', 'archives', 'logs']) mkdirSync(join(planDir, sub))
  } catch (error) {
    throw new UsageError(`--plan ${planDir} cannot be made here: ${(error as Error).message}`)
  }
  for (const file of files) writeFileSync(join(planDir, file.path), file.text, file.executable ? { mode: 0o755 } : {})
  const n = runs.length
  ctx.io.out(
    [
      `Planned ${n} runs in ${planDir} (study “${study.name}”):`,
      runs.length <= arrayChunk(slurm)
        ? `  Slurm:        sbatch ${join(planDir, 'run.sh')}`
        : `  Slurm:        bash ${join(planDir, 'submit.sh')}   (arrays of at most ${arrayChunk(slurm)}: the site's MaxArraySize)`,
      `  GNU parallel: seq ${n} | parallel -j 4 bash ${join(planDir, 'run.sh')} {}`,
      `  one by one:   for i in $(seq ${n}); do bash ${join(planDir, 'run.sh')} "$i"; done`,
      `  progress:     npm run lab -- plan status ${planDir}   (and plan resubmit: only what did not finish)`,
      `  then merge:   npm run lab -- import ${join(planDir, 'archives')}/*.sqlite [--db ARCHIVE]`,
    ].join('\n'),
  )
}

/** `sweep --from-report R.html`: the runs a report was made of, validated again here. */
function reportRunsOf(ctx: CommandContext): { planned: PlannedRun[]; name: string } {
  const path = ctx.values['from-report'] as string
  // --data: the user's own copy of a dataset the report's runs trained on; nothing else.
  const others = Object.keys(STUDY_FLAGS).filter((flag) => ctx.values[flag] !== undefined && flag !== 'data')
  if (others.length > 0)
    throw new UsageError(
      `--from-report takes every run's configuration from the report; drop ${others.map((f) => `--${f}`).join(', ')}`,
    )
  let html: string
  try {
    html = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`--from-report ${path}: ${(error as Error).message}`)
  }
  const model = reportModelOf(html)
  const plan = model && typeof model === 'object' ? (model as { plan?: unknown }).plan : undefined
  if (plan === undefined)
    throw new UsageError(
      `${path} is not a NormLab report with a study plan (made by NormLab 0.1.0 or later); nothing was written`,
    )
  const parsed = ReportPlan.safeParse(plan)
  // Name the field and what is wrong with it; never quote the file's content.
  if (!parsed.success)
    throw new UsageError(
      `${path}: its study plan is not valid; nothing was written:\n${parsed.error.issues
        .slice(0, 5)
        .map((i) => `  plan.${i.path.join('.')}: ${i.message}`)
        .join('\n')}`,
    )
  return {
    planned: withOwnData(parsed.data.runs, ctx.values.data as string | undefined, path),
    name: `Again: ${parsed.data.study}`.slice(0, 200),
  }
}

/**
 * A shared file is data, not instructions: a path it names is never read here. Runs that trained
 * on a user dataset train on the recipient's own copy (--data FILE), or are refused with why.
 */
function withOwnData(runs: readonly PlannedRun[], data: string | undefined, from: string): PlannedRun[] {
  const onData = runs.filter((r) => r.config.dataFile !== undefined || r.config.task === 'user')
  if (onData.length === 0) {
    if (data !== undefined) throw new UsageError(`--data: none of the runs in ${from} trains on a data file`)
    return [...runs]
  }
  if (data === undefined) {
    const names = [...new Set(onData.map((r) => basename(r.config.dataFile ?? '')))].join(', ')
    throw new UsageError(
      `${onData.length} run${onData.length === 1 ? '' : 's'} of ${from} trained on a data file (${names}); a shared file never makes NormLab read a path it names: give your own copy with --data FILE (nothing was written)`,
    )
  }
  return runs.map((r) =>
    r.config.dataFile !== undefined || r.config.task === 'user'
      ? { ...r, config: { ...r.config, dataFile: resolve(data) } }
      : r,
  )
}

/** A whole number or decimal flag above 0, or a usage error. */
function positiveFlag(name: string, text: unknown, integer: boolean): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new UsageError(`--${name} must be a positive ${integer ? 'whole number' : 'number'}, got "${String(text)}"`)
  return value
}

async function settleCommand(ctx: CommandContext): Promise<void> {
  if (ctx.values.plan !== undefined || ctx.values['from-report'] !== undefined)
    throw new UsageError('--settle trains here, in rounds: it does not go with --plan or --from-report')
  const input = planInputFromFlags(ctx.values, true)
  const preset = presetOf(ctx.values.preset)
  const maxSeeds = positiveFlag('max-seeds', ctx.values['max-seeds'], true)
  const budget = positiveFlag('budget', ctx.values.budget, false)
  const axes = (['preset', 'cell', 'norm', 'batch', 'batching'] as const).filter((f) => ctx.values[f] !== undefined)
  const name =
    (ctx.values.study as string | undefined) ??
    `Settle ${new Date().toISOString().slice(0, 16).replace('T', ' ')}: ${axes.map((f) => `${f} ${String(ctx.values[f])}`).join(' × ') || 'defaults'}`
  const outcomes = await settleSweep(
    ctx,
    input,
    { name, description: `seeds in rounds until settled, on ${input.shared.task ?? 'adding'}` },
    { maxSeeds, budgetMinutes: budget ?? null, claims: preset ? presetClaims(preset) : null },
  )
  ctx.io.out(`Done: ${outcomeCounts(outcomes)}`)
  if (exitCodeOf(outcomes) !== 0) throw new ExitWith(exitCodeOf(outcomes))
}

export const sweepCommand: Command = {
  usage:
    'sweep [--preset ID] [--cell lstm,gru] [--norm bn_step,ln] [--batch 2,8,64 [--equal-samples]] [--batching mask,pad] [--seed 1,2,3] [any train flag] [--study NAME] [--settle [--max-seeds N] [--budget MIN]] [--from-report R.html [--data FILE]] [--jobs N|auto] [--plan DIR [--time T --mem M --partition P --account A --cpus-per-task N --throttle K --max-array-size M]] [--db PATH]',
  summary:
    'train every combination of the listed values as one study (or a report’s runs again); --plan DIR: a Slurm/parallel plan',
  options: {
    ...OPTIONS,
    study: { type: 'string' },
    plan: { type: 'string' },
    'from-report': { type: 'string' },
    settle: { type: 'boolean' },
    'max-seeds': { type: 'string' },
    jobs: { type: 'string' },
    budget: { type: 'string' },
    ...Object.fromEntries(Object.keys(SCHEDULER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
  },
  archive: 'write',
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`)
    if (ctx.values.settle) return settleCommand(ctx)
    if (ctx.values['max-seeds'] !== undefined || ctx.values.budget !== undefined)
      throw new UsageError('--max-seeds and --budget go with --settle')
    const scheduler = Object.keys(SCHEDULER_FLAGS).filter((f) => ctx.values[f] !== undefined)
    if (scheduler.length > 0 && ctx.values.plan === undefined)
      throw new UsageError(
        `${scheduler.map((f) => `--${f}`).join(', ')} go${scheduler.length === 1 ? 'es' : ''} with --plan DIR (what run.sh asks the cluster's scheduler for)`,
      )
    const again = ctx.values['from-report'] !== undefined ? reportRunsOf(ctx) : null
    // The per-study limit is the one-machine queue's: a cluster plan runs each run as its own job.
    const planned = again
      ? again.planned
      : planFromFlags(ctx.values, true, ctx.values.plan !== undefined ? MAX_PLANNED_RUNS : undefined)
    const axes = (['cell', 'norm', 'batch', 'batching', 'seed'] as const).filter((f) => ctx.values[f] !== undefined)
    const name =
      again?.name ??
      (ctx.values.study as string | undefined) ??
      `Sweep ${new Date().toISOString().slice(0, 16).replace('T', ' ')}: ${axes.map((f) => `${f} ${String(ctx.values[f])}`).join(' × ')}`
    const study = { name, description: `${planned.length} runs on ${planned[0]!.config.task}` }
    if (ctx.values.plan !== undefined) {
      warn(ctx, planned)
      return writePlan(ctx, planned, study)
    }
    const { studyId, outcomes } = await trainPlanned(ctx, planned, study)
    ctx.io.out(`Study ${studyId} done: ${outcomeCounts(outcomes)}`)
    if (exitCodeOf(outcomes) !== 0) throw new ExitWith(exitCodeOf(outcomes))
  },
}

/** `resume --study N | --run N`: the queued and interrupted runs go on, each from its last checkpoint. */
export const resumeCommand: Command = {
  usage: 'resume (--study N | --run N | --runs 1,2,3 | --all) [--claim] [--data FILE] [--backend wasm|cpu] [--db PATH]',
  summary: 'go on with a study’s (or a run’s) queued and interrupted runs, each from its last checkpoint',
  options: {
    ...DB_OPTION,
    study: { type: 'string' },
    run: { type: 'string' },
    runs: { type: 'string' },
    all: { type: 'boolean' },
    /** Runs shared with other processes (sweep --jobs): each takes the next one no process has started. */
    claim: { type: 'boolean' },
    data: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
  archive: 'write',
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`)
    const given = (['study', 'run', 'runs', 'all'] as const).filter((f) => ctx.values[f] !== undefined)
    if (given.length !== 1) throw new UsageError('resume takes one of --study N, --run N, --runs 1,2,3 or --all')
    const studyId = ctx.values.study !== undefined ? studyIdFlag(ctx.values.study as string) : undefined
    const runId = ctx.values.run !== undefined ? Number(ctx.values.run) : undefined
    if (runId !== undefined && (!Number.isInteger(runId) || runId <= 0))
      throw new UsageError(`--run must be a run id (a positive whole number), got "${String(ctx.values.run)}"`)
    const services = await ctx.openForWriting()
    const api: NormLabApi = apiOf(services)
    let runs = await resumableRuns(api, studyId)
    // --run N is --runs N; --runs keeps the order given (sweep --jobs hands each process its share this way).
    const ids =
      runId !== undefined ? [runId] : ctx.values.runs !== undefined ? runIdsFlag(ctx.values.runs as string) : null
    const claim = ctx.values.claim === true
    if (ids && claim) {
      // Shared runs: those another process has started or finished already are simply not this one's.
      runs = ids.flatMap((id) => runs.filter((r) => r.runId === id))
    } else if (ids) {
      const cannot = ids.find((id) => !runs.some((r) => r.runId === id))
      if (cannot !== undefined)
        throw new UsageError(
          `run ${cannot} is ${(await api.getRun({ id: cannot })).status}: only a queued or interrupted run resumes`,
        )
      runs = ids.map((id) => runs.find((r) => r.runId === id)!)
    }
    if (runs.length === 0)
      return ctx.io.out(
        `Nothing to resume${studyId !== undefined ? ` in study ${studyId}` : ''}: no run is queued or interrupted.`,
      )
    const data = ctx.values.data as string | undefined
    const configs = runs.map((r) =>
      data !== undefined && (r.config.task === 'user' || r.config.dataFile !== undefined)
        ? { ...r, config: { ...r.config, dataFile: resolve(data) } }
        : r,
    )
    const tasks = await tasksOrUsage(configs.map((r) => r.config))
    const queued = runs.filter((r) => r.status === 'queued').length
    const interrupted = runs.filter((r) => r.status === 'interrupted')
    ctx.io.out(
      `Resuming ${runs.length} run${runs.length === 1 ? '' : 's'}: ${queued} queued, ${interrupted.length} interrupted` +
        (interrupted.length > 0
          ? ` (${interrupted.map((r) => (r.fromStep > 0 ? `#${r.runId} from step ${r.fromStep}` : `#${r.runId} from the start`)).join(', ')})`
          : ''),
    )
    const gated = await startBackend(ctx)
    const outcomes = await trainQueued(
      ctx,
      api,
      gated,
      new Map(configs.map((r, i) => [r.runId, tasks[i]!])),
      configs,
      services.archive.path,
      '',
      claim,
    )
    ctx.io.out(`Done: ${outcomeCounts(outcomes)}`)
    if (exitCodeOf(outcomes) !== 0) throw new ExitWith(exitCodeOf(outcomes))
  },
}
