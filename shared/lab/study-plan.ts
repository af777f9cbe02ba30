// A study as the user designs it, in the app's form or on the CLI: settings every run shares, and
// lists for the dimensions to compare (cell × norm × batch size × batching × seed). Each
// combination becomes one run; every combination is validated here before anything is written,
// so the form shows errors beside their fields and the CLI refuses with all of them.
import { TrainConfig, type TrainConfigInput } from '../contract/train-config'
import type { LengthDistribution } from '../engine/data/lengths'
import {
  isBatchNorm,
  NORMS,
  type Batching,
  type CellKind,
  type NormKind,
  type OptimizerKind,
  type Policy,
  type TaskKind,
} from '../kinds'
import { runName } from './naming'

/** The grid's dimensions, outermost first (seeds innermost: a study's runs read cell by cell). */
export const GRID_AXES = ['cells', 'norms', 'batchSizes', 'batchings', 'seeds'] as const
export type GridAxis = (typeof GRID_AXES)[number]

export interface Grid {
  cells: CellKind[]
  norms: NormKind[]
  batchSizes: number[]
  batchings: Batching[]
  seeds: number[]
}

/** The TrainConfig fields the grid sets, one per axis. */
type AxisField = 'cell' | 'norm' | 'batchSize' | 'batching' | 'seed'

export interface StudyPlanInput {
  /** Every other TrainConfig field the runs share (defaults fill the rest). */
  shared: Omit<TrainConfigInput, AxisField>
  grid: Grid
  /**
   * Every batch size sees the same number of samples: `steps` is for the largest batch size and a
   * batch k times smaller trains k times as many steps. Without it a small batch also means less
   * data, which hurts every norm alike and hides what batch size does to BN.
   */
  equalSamples?: boolean
}

/** A field of the plan that can carry an error: a grid axis or a shared setting ("lengths.min"). */
export type PlanField =
  GridAxis | Exclude<keyof TrainConfigInput, AxisField> | 'lengths.min' | 'lengths.max' | 'lengths.length'

/** An error in English, with an i18n key and values when the UI can say it in another language. */
export interface FieldError {
  message: string
  key?: string
  values?: Record<string, unknown>
}

export interface PlanError extends FieldError {
  field: PlanField
  /** The combination it was found in, e.g. "cell=gru norm=gn batch=2 batching=mask seed=1". */
  combination: string | null
}

export interface PlannedRun {
  name: string
  config: TrainConfig
}

/** At most this many runs in one study trained here, one after another (the app's queue, `lab sweep`). */
export const MAX_RUNS = 64
/** At most this many in a plan for a cluster (`sweep --plan`): each run is its own job there. */
export const MAX_PLANNED_RUNS = 100_000

const FIELD_OF_CONFIG: Record<AxisField, GridAxis> = {
  cell: 'cells',
  norm: 'norms',
  batchSize: 'batchSizes',
  batching: 'batchings',
  seed: 'seeds',
}

function fieldOf(path: readonly PropertyKey[]): PlanField {
  const [head, second] = path.map(String)
  if (head === 'lengths')
    return second === 'min' || second === 'max' || second === 'length' ? (`lengths.${second}` as PlanField) : 'lengths'
  return FIELD_OF_CONFIG[head as AxisField] ?? ((head ?? 'task') as PlanField)
}

export function combinationLabel(c: Pick<TrainConfig, 'cell' | 'norm' | 'batchSize' | 'batching' | 'seed'>): string {
  const show = (v: unknown) => (v === undefined ? '-' : String(v))
  return `cell=${show(c.cell)} norm=${show(c.norm)} batch=${show(c.batchSize)} batching=${show(c.batching)} seed=${show(c.seed)}`
}

/** Every combination, in grid order. */
export function gridCombinations(grid: Grid): Pick<TrainConfig, 'cell' | 'norm' | 'batchSize' | 'batching' | 'seed'>[] {
  const out: Pick<TrainConfig, 'cell' | 'norm' | 'batchSize' | 'batching' | 'seed'>[] = []
  for (const cell of grid.cells)
    for (const norm of grid.norms)
      for (const batchSize of grid.batchSizes)
        for (const batching of grid.batchings)
          for (const seed of grid.seeds) out.push({ cell, norm, batchSize, batching, seed })
  return out
}

/** Every run of the study, validated; or every error, with its field and combination. Nothing partial. */
export function planStudy(
  input: StudyPlanInput,
  maxRuns: number = MAX_RUNS,
): { runs: PlannedRun[]; errors: PlanError[] } {
  const errors: PlanError[] = []
  for (const axis of GRID_AXES)
    if (input.grid[axis].length === 0)
      errors.push({ field: axis, combination: null, message: 'pick at least one', key: 'pickOne' })
  const total = GRID_AXES.reduce((n, axis) => n * input.grid[axis].length, 1)
  if (total > maxRuns)
    errors.push({
      field: 'norms',
      combination: null,
      message: `${total} combinations; at most ${maxRuns} runs per study${maxRuns === MAX_RUNS ? ' trained here (a cluster plan, --plan DIR, takes more)' : ''}`,
      key: 'tooManyRuns',
      values: { total, max: maxRuns },
    })
  if (errors.length > 0) return { runs: [], errors }

  const runs: PlannedRun[] = []
  const largest = input.grid.batchSizes.reduce((m, b) => Math.max(m, b), 0)
  const steps = input.shared.steps ?? TrainConfig.parse({ task: 'adding' }).steps
  for (const combination of gridCombinations(input.grid)) {
    const scaled =
      input.equalSamples && typeof combination.batchSize === 'number'
        ? { steps: Math.round((steps * largest) / combination.batchSize) }
        : {}
    const parsed = TrainConfig.safeParse({ ...input.shared, ...combination, ...scaled })
    if (parsed.success) {
      runs.push({ name: runName(parsed.data), config: parsed.data })
      continue
    }
    for (const issue of parsed.error.issues) {
      const params = (issue as { params?: { key?: string; values?: Record<string, unknown> } }).params
      errors.push({
        field: fieldOf(issue.path),
        combination: combinationLabel(combination),
        message: issue.message,
        ...(params?.key ? { key: params.key, values: params.values ?? {} } : {}),
      })
    }
  }
  return errors.length > 0
    ? { runs: [], errors: collapseShared(errors, runs.length + new Set(errors.map((e) => e.combination)).size) }
    : { runs, errors: [] }
}

/** An error every combination has (a shared setting is wrong) is said once, without a combination. */
function collapseShared(errors: PlanError[], combinations: number): PlanError[] {
  const key = (e: PlanError) => `${e.field}\n${e.message}`
  const seen = new Map<string, number>()
  for (const e of errors) seen.set(key(e), (seen.get(key(e)) ?? 0) + 1)
  const said = new Set<string>()
  const out: PlanError[] = []
  for (const e of errors) {
    const k = key(e)
    if (seen.get(k) !== combinations) out.push(e)
    else if (!said.has(k)) {
      said.add(k)
      out.push({ ...e, combination: null })
    }
  }
  return out
}

/**
 * Things that are allowed but worth a word before training: BN over a batch of one (every
 * statistic comes from one sample, so every normalized value becomes β) can be shown on purpose.
 */
export function planWarnings(runs: readonly PlannedRun[]): PlanError[] {
  const bnOfOne = runs.filter((r) => isBatchNorm(r.config.norm) && r.config.batchSize === 1)
  if (bnOfOne.length === 0) return []
  return [
    {
      field: 'batchSizes',
      combination: null,
      message: `BN with batch size 1 (${bnOfOne.length} run${bnOfOne.length === 1 ? '' : 's'}): each statistic comes from one sample, so every normalized value becomes β; fine as a demonstration, not as a baseline`,
      key: 'bnBatchOfOne',
      values: { count: bnOfOne.length },
    },
  ]
}

/** The first error of each field: what a form shows beside it. */
export function errorsByField(errors: readonly PlanError[]): Partial<Record<PlanField, FieldError>> {
  const out: Partial<Record<PlanField, FieldError>> = {}
  for (const { field, combination: _c, ...error } of errors) out[field] ??= error
  return out
}

/** A study as the form and the presets hold it: typed settings and the grid. */
export interface ExperimentDraft extends Grid {
  /** Scale steps with 1 / batch size, so every batch size sees the same samples. */
  equalSamples: boolean
  task: TaskKind
  lengths: LengthDistribution
  hidden: number
  groups: number
  steps: number
  lr: number
  optimizer: OptimizerKind
  clipNorm: number
  recordEvery: number
  /** Snapshot points for the explorable (TrainConfig.snapshots); the presets keep the first, middle and last. */
  snapshots: TrainConfig['snapshots']
  evalEvery: number
  evalLengths: number[]
  evalPolicies: Policy[]
}

export function planInputOf(draft: ExperimentDraft, dataFile?: string): StudyPlanInput {
  const { cells, norms, batchSizes, batchings, seeds, equalSamples, ...shared } = draft
  return {
    shared: { ...shared, ...(dataFile ? { dataFile } : {}) },
    grid: { cells, norms, batchSizes, batchings, seeds },
    equalSamples,
  }
}

export const PRESET_IDS = ['bnVsLn', 'batchSize', 'longerTest', 'padMaskTruncate', 'allNorms'] as const
export type PresetId = (typeof PRESET_IDS)[number]

/** The New experiment form's settings before anything is changed; the CLI's defaults too (one set). */
export const DEFAULT_DRAFT: ExperimentDraft = {
  task: 'adding',
  lengths: { kind: 'uniform', min: 10, max: 40 },
  cells: ['lstm'],
  norms: ['bn_step', 'ln'],
  batchSizes: [16],
  equalSamples: false,
  // Three seeds: one can only ever be "indicative"; the findings judge an effect against seed noise.
  seeds: [1, 2, 3],
  batchings: ['mask'],
  hidden: 32,
  groups: 4,
  steps: 300,
  lr: 0.005,
  optimizer: 'adam',
  clipNorm: 1,
  recordEvery: 10,
  snapshots: ['first', 'middle', 'last'],
  evalEvery: 50,
  // 0.5×: a length where every step had at least half a batch valid, the longer-test finding's baseline.
  evalLengths: [0.5, 1, 1.5, 2, 4],
  evalPolicies: ['last', 'global', 'batch'],
}

/** One-click studies; their titles and explanations live in the UI's string tables. */
export const PRESETS: Record<PresetId, ExperimentDraft> = {
  // A long tail of lengths: late steps have few valid samples in every batch.
  bnVsLn: {
    ...DEFAULT_DRAFT,
    lengths: { kind: 'longtail', min: 5, max: 60 },
    norms: ['bn_step', 'ln'],
    batchSizes: [16],
  },
  // Equal samples seen: steps are for batch 64; batch 4 trains 16 times as many steps. 150 steps
  // at batch 64 learn the task (held-out loss 0.045 BN, 0.002 LN against the trivial 0.167); 60
  // did not, and a reference at chance cannot show what a smaller batch costs.
  batchSize: {
    ...DEFAULT_DRAFT,
    lengths: { kind: 'uniform', min: 10, max: 30 },
    norms: ['bn_step', 'ln', 'gn'],
    batchSizes: [4, 16, 64],
    equalSamples: true,
    steps: 150,
  },
  longerTest: { ...DEFAULT_DRAFT, lengths: { kind: 'uniform', min: 10, max: 20 }, norms: ['bn_step', 'ln'] },
  padMaskTruncate: {
    ...DEFAULT_DRAFT,
    lengths: { kind: 'longtail', min: 5, max: 50 },
    norms: ['bn_step'],
    batchings: ['mask', 'pad', 'truncate'],
  },
  allNorms: { ...DEFAULT_DRAFT, lengths: { kind: 'uniform', min: 10, max: 40 }, norms: [...NORMS] },
}
