// The CLI's side of a study plan (shared/lab/study-plan.ts): a config file and flags become the
// runs' shared settings, and the grid flags (each a comma-separated list for `sweep`, one value
// for `train`) become the grid. Every dimension the app's form offers has a flag.
import { readFileSync } from 'node:fs'
import {
  DEFAULT_DRAFT,
  planInputOf,
  PRESET_IDS,
  PRESETS,
  type Grid,
  type PresetId,
  type StudyPlanInput,
} from '../../shared/lab/study-plan'
import { UsageError } from './command'

/** Settings every run shares; values are validated by the engine's TrainConfig schema. */
export const SHARED_FLAGS = {
  task: { type: 'string' },
  steps: { type: 'string' },
  hidden: { type: 'string' },
  groups: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  /** Clip the global gradient norm to this (0: no clipping). */
  'clip-norm': { type: 'string' },
  lengths: { type: 'string' },
  'record-every': { type: 'string' },
  'eval-every': { type: 'string' },
  /** first,middle,last or step numbers: keep one batch's values there for the explorable. */
  snapshots: { type: 'string' },
  data: { type: 'string' },
} as const

const AXIS_OF_FLAG = {
  cell: 'cells',
  norm: 'norms',
  batch: 'batchSizes',
  batching: 'batchings',
  seed: 'seeds',
} as const

/** `--preset ID`: one of the app's presets, or a usage error listing them. */
export function presetOf(value: unknown): PresetId | null {
  if (value === undefined) return null
  if (!(PRESET_IDS as readonly unknown[]).includes(value))
    throw new UsageError(`--preset must be one of ${PRESET_IDS.join(', ')}, got "${String(value)}"`)
  return value as PresetId
}

/** The grid: flag → TrainConfig field. */
export const GRID_FLAGS = {
  cell: 'cell',
  norm: 'norm',
  batch: 'batchSize',
  batching: 'batching',
  seed: 'seed',
} as const
type GridFlag = keyof typeof GRID_FLAGS

export const STUDY_FLAGS = {
  ...SHARED_FLAGS,
  cell: { type: 'string' },
  norm: { type: 'string' },
  batch: { type: 'string' },
  batching: { type: 'string' },
  seed: { type: 'string' },
  config: { type: 'string' },
  /** Scale steps with 1 / batch size (steps are for the largest batch). */
  'equal-samples': { type: 'boolean' },
  /** One of the app's presets: its settings and grid, exactly as the app trains them. */
  preset: { type: 'string' },
} as const

const NUMERIC = new Set(['steps', 'hidden', 'groups', 'lr', 'clip-norm', 'record-every', 'eval-every', 'batch', 'seed'])
const FIELD: Record<keyof typeof SHARED_FLAGS, string> = {
  task: 'task',
  steps: 'steps',
  hidden: 'hidden',
  groups: 'groups',
  lr: 'lr',
  optimizer: 'optimizer',
  'clip-norm': 'clipNorm',
  lengths: 'lengths',
  'record-every': 'recordEvery',
  'eval-every': 'evalEvery',
  snapshots: 'snapshots',
  data: 'dataFile',
}

/** The TrainConfig field each settings or grid flag sets (help reads its type, values and default there). */
export const FIELD_OF_FLAG: Record<string, string> = { ...FIELD, ...GRID_FLAGS }

/** The flag that sets a TrainConfig field (errors name the flag the user types). */
export const FLAG_OF_FIELD: Record<string, string> = Object.fromEntries(
  Object.entries(FIELD).map(([flag, field]) => [field, flag]),
)

/** "30" fixed, "10-50" uniform, "longtail:5-100". */
export function parseLengths(text: string): unknown {
  const tail = /^longtail:(\d+)-(\d+)$/.exec(text)
  if (tail) return { kind: 'longtail', min: Number(tail[1]), max: Number(tail[2]) }
  const range = /^(\d+)-(\d+)$/.exec(text)
  if (range) return { kind: 'uniform', min: Number(range[1]), max: Number(range[2]) }
  if (/^\d+$/.test(text)) return { kind: 'fixed', length: Number(text) }
  throw new UsageError(`--lengths "${text}" is not N, MIN-MAX or longtail:MIN-MAX`)
}

/** "first,middle,last", step numbers, or a mix ("none": no snapshots). */
export function parseSnapshots(text: string): (string | number)[] {
  if (text.trim() === 'none') return []
  return text.split(',').map((part) => {
    const p = part.trim()
    if (p === 'first' || p === 'middle' || p === 'last') return p
    if (/^\d+$/.test(p) && Number(p) >= 1) return Number(p)
    throw new UsageError(
      `--snapshots "${text}": each entry is first, middle, last or a step number (or the whole flag "none")`,
    )
  })
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

/**
 * The plan the flags describe. `lists`: grid flags may hold comma-separated values (sweep);
 * otherwise each takes one value (train). A grid field set in the config file is the default
 * for its axis.
 */
export function planInputFromFlags(values: Record<string, unknown>, lists: boolean): StudyPlanInput {
  const preset = presetOf(values.preset)
  if (preset && values.config !== undefined) throw new UsageError('give either --preset or --config, not both')
  // A preset is the app's study exactly (its settings and grid); flags change what they name.
  const base = preset ? planInputOf(PRESETS[preset]) : null
  // No preset and no file: the app's own defaults (the New experiment form's), so a run from
  // either trains alike and can be explored; only the task is always named (--task).
  const { task: _task, ...appDefaults } = planInputOf(DEFAULT_DRAFT).shared
  const shared: Record<string, unknown> = base
    ? { ...base.shared }
    : values.config
      ? readConfigFile(values.config as string)
      : { ...appDefaults }
  for (const [flag, field] of Object.entries(FIELD)) {
    const text = values[flag] as string | undefined
    if (text === undefined) continue
    shared[field] =
      flag === 'lengths'
        ? parseLengths(text)
        : flag === 'snapshots'
          ? parseSnapshots(text)
          : NUMERIC.has(flag)
            ? number(flag, text)
            : text
  }
  // No recording asked for: no snapshots either, unless named (they are taken at recorded steps).
  if (shared.recordEvery === 0 && values.snapshots === undefined) shared.snapshots = []
  const axis = (flag: GridFlag): unknown[] => {
    const field = GRID_FLAGS[flag]
    const fromFile = shared[field]
    delete shared[field]
    const text = values[flag] as string | undefined
    if (text === undefined && base) return [...base.grid[AXIS_OF_FLAG[flag]]]
    if (text === undefined) return fromFile === undefined ? [undefined] : [fromFile]
    const parts = lists ? text.split(',').map((v) => v.trim()) : [text.trim()]
    if (parts.some((v) => v === '')) throw new UsageError(`--${flag} has an empty value (check the commas)`)
    return parts.map((v) => (NUMERIC.has(flag) ? number(flag, v) : v))
  }
  // An axis left out gets the engine's default (undefined lets TrainConfig fill it in).
  const grid = {
    cells: axis('cell'),
    norms: axis('norm'),
    batchSizes: axis('batch'),
    batchings: axis('batching'),
    seeds: axis('seed'),
  } as unknown as Grid
  return {
    shared: shared as StudyPlanInput['shared'],
    grid,
    equalSamples: values['equal-samples'] === true || (base?.equalSamples ?? false),
  }
}
