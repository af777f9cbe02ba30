// An experiment as the user designs it: one task and model, with lists for the dimensions to
// compare (norms × batch sizes × seeds × batching strategies). Each combination becomes a run of
// one study. Pure and validated here, so the form can show errors inline before anything runs.
import { TrainConfig } from '../engine/config'
import type { Batching } from '../engine/data/batch'
import type { LengthDistribution } from '../engine/data/lengths'
import type { NormKind } from '../engine/normalizers'
import type { CellKind, Policy } from '../engine/spec'

export interface ExperimentDraft {
  task: TrainConfig['task']
  lengths: LengthDistribution
  cell: CellKind
  norms: NormKind[]
  batchSizes: number[]
  seeds: number[]
  batchings: Batching[]
  hidden: number
  groups: number
  steps: number
  lr: number
  optimizer: TrainConfig['optimizer']
  clipNorm: number
  recordEvery: number
  evalEvery: number
  evalLengths: number[]
  evalPolicies: Policy[]
}

/** Form fields that can carry an error. */
export type DraftField = keyof ExperimentDraft | 'lengths.min' | 'lengths.max' | 'lengths.length' | 'dataFile'

/** An error in English, with an i18n key and values when the UI can say it in another language. */
export interface FieldError {
  message: string
  key?: string
  values?: Record<string, unknown>
}

export type DraftErrors = Partial<Record<DraftField, FieldError>>

export const MAX_RUNS = 64

const FIELD_OF: Record<string, DraftField> = {
  task: 'task',
  cell: 'cell',
  norm: 'norms',
  batchSize: 'batchSizes',
  seed: 'seeds',
  batching: 'batchings',
  hidden: 'hidden',
  groups: 'groups',
  steps: 'steps',
  lr: 'lr',
  optimizer: 'optimizer',
  clipNorm: 'clipNorm',
  recordEvery: 'recordEvery',
  evalEvery: 'evalEvery',
  evalLengths: 'evalLengths',
  evalPolicies: 'evalPolicies',
  dataFile: 'dataFile',
}

function fieldOf(path: readonly PropertyKey[]): DraftField {
  const [head, second] = path.map(String)
  if (head === 'lengths') return second === 'min' || second === 'max' || second === 'length' ? (`lengths.${second}` as DraftField) : 'lengths'
  return FIELD_OF[head ?? ''] ?? 'task'
}

/** Every combination as a validated training configuration, or the errors by form field. */
export function expandExperiment(draft: ExperimentDraft, dataFile?: string): { configs: TrainConfig[]; errors: DraftErrors } {
  const errors: DraftErrors = {}
  const need = (field: 'norms' | 'batchSizes' | 'seeds' | 'batchings', list: unknown[]) => {
    if (list.length === 0) errors[field] = { message: 'pick at least one', key: 'pickOne' }
  }
  need('norms', draft.norms)
  need('batchSizes', draft.batchSizes)
  need('seeds', draft.seeds)
  need('batchings', draft.batchings)
  const total = draft.norms.length * draft.batchSizes.length * draft.seeds.length * draft.batchings.length
  if (total > MAX_RUNS) errors.norms = { message: `${total} combinations; at most ${MAX_RUNS} runs per experiment`, key: 'tooManyRuns', values: { total, max: MAX_RUNS } }
  if (Object.keys(errors).length > 0) return { configs: [], errors }

  const configs: TrainConfig[] = []
  for (const norm of draft.norms)
    for (const batchSize of draft.batchSizes)
      for (const batching of draft.batchings)
        for (const seed of draft.seeds) {
          const { norms: _n, batchSizes: _b, seeds: _s, batchings: _g, ...common } = draft
          const parsed = TrainConfig.safeParse({ ...common, norm, batchSize, seed, batching, ...(dataFile ? { dataFile } : {}) })
          if (parsed.success) configs.push(parsed.data)
          else
            for (const issue of parsed.error.issues) {
              const params = (issue as { params?: { key?: string; values?: Record<string, unknown> } }).params
              errors[fieldOf(issue.path)] ??= params?.key ? { message: issue.message, key: params.key, values: params.values ?? {} } : { message: issue.message }
            }
        }
  return { configs: Object.keys(errors).length > 0 ? [] : configs, errors }
}

export const PRESET_IDS = ['bnVsLn', 'batchSize', 'longerTest', 'padMaskTruncate', 'allNorms'] as const
export type PresetId = (typeof PRESET_IDS)[number]

const BASE: ExperimentDraft = {
  task: 'adding',
  lengths: { kind: 'uniform', min: 10, max: 40 },
  cell: 'lstm',
  norms: ['bn_step', 'ln'],
  batchSizes: [16],
  seeds: [1],
  batchings: ['mask'],
  hidden: 32,
  groups: 4,
  steps: 300,
  lr: 0.005,
  optimizer: 'adam',
  clipNorm: 1,
  recordEvery: 10,
  evalEvery: 50,
  evalLengths: [1, 1.5, 2, 4],
  evalPolicies: ['last', 'global', 'batch'],
}

/** One-click experiments; their titles and explanations live in the UI's string tables. */
export const PRESETS: Record<PresetId, ExperimentDraft> = {
  // A long tail of lengths: late steps have few valid samples in every batch.
  bnVsLn: { ...BASE, lengths: { kind: 'longtail', min: 5, max: 60 }, norms: ['bn_step', 'ln'], batchSizes: [16] },
  batchSize: { ...BASE, lengths: { kind: 'uniform', min: 10, max: 30 }, norms: ['bn_step', 'ln'], batchSizes: [2, 8, 64] },
  longerTest: { ...BASE, lengths: { kind: 'uniform', min: 10, max: 20 }, norms: ['bn_step', 'ln'], evalLengths: [1, 1.5, 2, 4], evalPolicies: ['last', 'global', 'batch'] },
  padMaskTruncate: { ...BASE, lengths: { kind: 'longtail', min: 5, max: 50 }, norms: ['bn_step'], batchings: ['mask', 'pad', 'truncate'] },
  allNorms: { ...BASE, lengths: { kind: 'uniform', min: 10, max: 40 }, norms: ['none', 'bn_step', 'bn_seq', 'ln', 'gn'] },
}
