// `npm run lab -- train` and `npm run lab -- sweep`: headless training into the archive, through
// the same contract handlers as the app. Every configuration is validated before anything is
// written; Ctrl-C marks the run interrupted and keeps everything written so far.
import { readFileSync } from 'node:fs'
import type { NormLabApi } from '../../shared/contract'
import { TrainConfig } from '../../shared/engine/config'
import type { Task } from '../../shared/engine/data/task'
import { train, type TrainResult } from '../../shared/engine/trainer'
import { runName } from '../../shared/lab/naming'
import { createRunRecorder } from '../../shared/lab/run-recorder'
import { apiOf, DB_OPTION, UsageError, type Command, type CommandContext } from './command'
import { taskFor } from './node-tasks'
import type { GatedBackend } from './numerics-gate'
import { progressLine } from './progress'

const CONFIG_FLAGS = {
  task: { type: 'string' },
  cell: { type: 'string' },
  norm: { type: 'string' },
  batch: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  hidden: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  lengths: { type: 'string' },
  batching: { type: 'string' },
  'record-every': { type: 'string' },
  'eval-every': { type: 'string' },
  data: { type: 'string' },
} as const

const COMMON = {
  ...DB_OPTION,
  ...CONFIG_FLAGS,
  config: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
} as const

/** "30" fixed, "10-50" uniform, "longtail:5-100". */
export function parseLengths(text: string): unknown {
  const tail = /^longtail:(\d+)-(\d+)$/.exec(text)
  if (tail) return { kind: 'longtail', min: Number(tail[1]), max: Number(tail[2]) }
  const range = /^(\d+)-(\d+)$/.exec(text)
  if (range) return { kind: 'uniform', min: Number(range[1]), max: Number(range[2]) }
  if (/^\d+$/.test(text)) return { kind: 'fixed', length: Number(text) }
  throw new UsageError(`--lengths "${text}" is not N, MIN-MAX or longtail:MIN-MAX`)
}

function number(flag: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got "${text}"`)
  return value
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read --config ${path}: ${(error as Error).message}`)
  }
  try {
    const value = JSON.parse(text) as unknown
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('it must hold a JSON object')
    return value as Record<string, unknown>
  } catch (error) {
    throw new UsageError(`--config ${path} is not valid: ${(error as Error).message}`)
  }
}

/** The config file with single-valued flags laid over it. */
function rawConfig(values: Record<string, unknown>, single: Record<string, string | undefined>): Record<string, unknown> {
  const raw: Record<string, unknown> = values.config ? readConfigFile(values.config as string) : {}
  const set = (key: string, value: unknown) => {
    if (value !== undefined) raw[key] = value
  }
  set('task', single.task)
  set('cell', single.cell)
  set('norm', single.norm)
  set('optimizer', single.optimizer)
  set('batching', single.batching)
  set('dataFile', single.data)
  if (single.batch !== undefined) raw.batchSize = number('batch', single.batch)
  if (single.steps !== undefined) raw.steps = number('steps', single.steps)
  if (single.seed !== undefined) raw.seed = number('seed', single.seed)
  if (single.hidden !== undefined) raw.hidden = number('hidden', single.hidden)
  if (single.lr !== undefined) raw.lr = number('lr', single.lr)
  if (single['record-every'] !== undefined) raw.recordEvery = number('record-every', single['record-every'])
  if (single['eval-every'] !== undefined) raw.evalEvery = number('eval-every', single['eval-every'])
  if (single.lengths !== undefined) raw.lengths = parseLengths(single.lengths)
  return raw
}

export function validateConfig(raw: unknown, label = 'configuration'): TrainConfig {
  const parsed = TrainConfig.safeParse(raw)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`)
    throw new UsageError(`The ${label} is invalid; nothing was written:\n${lines.join('\n')}`)
  }
  return parsed.data
}

async function runOne(ctx: CommandContext, api: NormLabApi, config: TrainConfig, task: Task, gated: GatedBackend, studyId: number | null, label: string): Promise<TrainResult> {
  const run = await api.createRun({
    name: runName(config),
    config,
    studyId,
    status: 'running',
    device: { backend: gated.backend, gpuRenderer: null, webglVersion: null, floatPrecision: 32, numerics: gated.numerics },
  })
  ctx.io.out(`Run ${run.id}: ${run.name}`)
  const recorder = createRunRecorder(api, run.id)
  const started = Date.now()
  let lastDrawn = 0
  try {
    const result = await train(config, task, {
      ...recorder,
      onStep: async (r) => {
        await recorder.onStep(r)
        if (Date.now() - lastDrawn > 250 || r.step === config.steps) {
          lastDrawn = Date.now()
          ctx.io.progress?.(progressLine(label, r.step, config.steps, Date.now() - started, r.loss), false)
        }
      },
      shouldStop: ctx.interrupted,
    })
    await recorder.flush()
    ctx.io.progress?.('', true)
    await api.updateRun({ id: run.id, status: result.status, error: result.error })
    ctx.io.out(`Run ${run.id} ${result.status} after ${result.steps} steps${result.finalLoss === null ? '' : `, loss ${result.finalLoss.toPrecision(4)}`}${result.error ? ` (${result.error})` : ''}`)
    return result
  } catch (error) {
    ctx.io.progress?.('', true)
    await recorder.flush().catch(() => undefined)
    await api.updateRun({ id: run.id, status: 'failed', error: (error as Error).message }).catch(() => undefined)
    throw error
  }
}

/** The backend asked for, or the next one that passes the numerics gate. */
async function startBackend(ctx: CommandContext): Promise<GatedBackend> {
  const { gatedNodeBackend } = await import('./numerics-gate')
  try {
    const gated = await gatedNodeBackend(ctx.values.backend as string, (line) => ctx.io.err(line))
    ctx.io.out(`Backend ${gated.backend}: ${gated.numerics.passed} of ${gated.numerics.cases} reference cases pass (worst ${gated.numerics.worstRatio?.toFixed(2)} of tolerance, ${gated.numerics.ms} ms)`)
    return gated
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

async function taskOrUsage(config: TrainConfig): Promise<Task> {
  try {
    return await taskFor(config)
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nNothing was written.`)
  }
}

export const trainCommand: Command = {
  usage: 'train [--config exp.json] [--task T --cell C --norm N --batch B --steps S --seed K --hidden H --lr R --lengths 10-50 --batching mask|pad|truncate|bucket --data FILE] [--backend wasm|cpu] [--db PATH]',
  summary: 'train one model headless and write the run to the archive',
  options: COMMON,
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`)
    const config = validateConfig(rawConfig(ctx.values, ctx.values as Record<string, string | undefined>))
    const task = await taskOrUsage(config)
    const backend = await startBackend(ctx)
    const result = await runOne(ctx, apiOf(ctx.services), config, task, backend, null, 'train')
    if (result.status === 'diverged') process.exitCode = 3
  },
}

const GRID_FLAGS = ['norm', 'batch', 'seed', 'cell'] as const

export const sweepCommand: Command = {
  usage: 'sweep --norm bn_step,ln --batch 2,8,64 --seed 1,2,3 [--cell lstm,gru] [any train flag] [--study NAME] [--db PATH]',
  summary: 'train every combination of the listed values, one after another, as one study',
  options: { ...COMMON, study: { type: 'string' } },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`)
    const lists = Object.fromEntries(
      GRID_FLAGS.map((flag) => [flag, ctx.values[flag] === undefined ? [undefined] : String(ctx.values[flag]).split(',').map((v) => v.trim())]),
    ) as Record<(typeof GRID_FLAGS)[number], (string | undefined)[]>
    if (Object.values(lists).some((l) => l.some((v) => v === ''))) throw new UsageError('a list flag has an empty value (check the commas)')
    // Every combination is validated before the study or any run is written.
    const configs: TrainConfig[] = []
    for (const cell of lists.cell)
      for (const norm of lists.norm)
        for (const batch of lists.batch)
          for (const seed of lists.seed) {
            const single = { ...(ctx.values as Record<string, string | undefined>), cell, norm, batch, seed }
            configs.push(validateConfig(rawConfig(ctx.values, single), `combination cell=${cell ?? '-'} norm=${norm ?? '-'} batch=${batch ?? '-'} seed=${seed ?? '-'}`))
          }
    const tasks = await Promise.all(configs.map(taskOrUsage))
    const backend = await startBackend(ctx)
    const api = apiOf(ctx.services)
    const studyName = (ctx.values.study as string | undefined) ?? `Sweep ${new Date().toISOString().slice(0, 16).replace('T', ' ')}: ${GRID_FLAGS.filter((f) => ctx.values[f] !== undefined).map((f) => `${f} ${String(ctx.values[f])}`).join(' × ')}`
    const study = await api.createStudy({ name: studyName, description: `${configs.length} runs on ${configs[0]!.task}` })
    ctx.io.out(`Study ${study.id}: ${study.name} (${configs.length} runs)`)
    const counts: Record<string, number> = {}
    for (const [i, config] of configs.entries()) {
      if (ctx.interrupted()) break
      const result = await runOne(ctx, api, config, tasks[i]!, backend, study.id, `${i + 1}/${configs.length}`)
      counts[result.status] = (counts[result.status] ?? 0) + 1
    }
    ctx.io.out(`Study ${study.id} done: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}`)
  },
}
