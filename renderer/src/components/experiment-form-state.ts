// The form's own state (numbers as typed text) and its conversion to an experiment draft, with
// an error per field for anything that is not a number or a list of numbers.
import {
  BATCHINGS,
  type Batching,
  type CellKind,
  type NormKind,
  type OptimizerKind,
  type Policy,
  type TaskKind,
} from '../../../shared/kinds'
import {
  errorsByField,
  planInputOf,
  planStudy,
  planWarnings,
  type ExperimentDraft,
  type FieldError,
  type PlanField,
  type PlannedRun,
  type StudyPlanInput,
} from '../../../shared/lab/study-plan'

export type FormErrors = Partial<Record<PlanField, FieldError>>

export interface FormState {
  task: TaskKind
  lengthKind: 'fixed' | 'uniform' | 'longtail'
  lengthMin: string
  lengthMax: string
  lengthFixed: string
  cells: CellKind[]
  norms: NormKind[]
  batchSizes: string
  equalSamples: boolean
  seeds: string
  batchings: Batching[]
  hidden: string
  groups: string
  steps: string
  lr: string
  optimizer: OptimizerKind
  clipNorm: string
  recordEvery: string
  /** Keep snapshots at the first, middle and last step (the explorable). */
  snapshots: boolean
  evalEvery: string
  evalLengths: string
  evalPolicies: Policy[]
}

export function formFromDraft(d: ExperimentDraft): FormState {
  return {
    task: d.task,
    lengthKind: d.lengths.kind,
    lengthMin: String(d.lengths.kind === 'fixed' ? d.lengths.length : d.lengths.min),
    lengthMax: String(d.lengths.kind === 'fixed' ? d.lengths.length : d.lengths.max),
    lengthFixed: String(d.lengths.kind === 'fixed' ? d.lengths.length : d.lengths.max),
    cells: [...d.cells],
    norms: [...d.norms],
    batchSizes: d.batchSizes.join(', '),
    equalSamples: d.equalSamples,
    seeds: d.seeds.join(', '),
    batchings: [...d.batchings],
    hidden: String(d.hidden),
    groups: String(d.groups),
    steps: String(d.steps),
    lr: String(d.lr),
    optimizer: d.optimizer,
    clipNorm: String(d.clipNorm),
    recordEvery: String(d.recordEvery),
    snapshots: d.snapshots.length > 0,
    evalEvery: String(d.evalEvery),
    evalLengths: d.evalLengths.join(', '),
    evalPolicies: [...d.evalPolicies],
  }
}

const NOT_A_NUMBER = { message: 'must be a number', key: 'notANumber' }
const NOT_A_LIST = { message: 'must be numbers separated by commas', key: 'notAList' }

function number(text: string): number | null {
  const value = Number(text.trim())
  return text.trim() === '' || !Number.isFinite(value) ? null : value
}

function numberList(text: string): number[] | null {
  const parts = text.split(/[,，\s]+/).filter((p) => p !== '')
  const values = parts.map(number)
  return values.some((v) => v === null) ? null : (values as number[])
}

/** The study the form describes (shared/lab/study-plan.ts) and the first error of each field; `runs` is what Run would create. */
export function validateForm(
  form: FormState,
  dataFile?: string,
): { runs: PlannedRun[]; input: StudyPlanInput | null; errors: FormErrors; warnings: FormErrors } {
  const errors: FormErrors = {}
  const num = (field: PlanField, text: string) => {
    const v = number(text)
    if (v === null) errors[field] = NOT_A_NUMBER
    return v ?? 0
  }
  const list = (field: PlanField, text: string) => {
    const v = numberList(text)
    if (v === null) errors[field] = NOT_A_LIST
    return v ?? []
  }
  const lengths =
    form.lengthKind === 'fixed'
      ? { kind: 'fixed' as const, length: num('lengths.length', form.lengthFixed) }
      : { kind: form.lengthKind, min: num('lengths.min', form.lengthMin), max: num('lengths.max', form.lengthMax) }
  const draft: ExperimentDraft = {
    task: form.task,
    lengths,
    cells: form.cells,
    norms: form.norms,
    batchSizes: list('batchSizes', form.batchSizes),
    equalSamples: form.equalSamples,
    seeds: list('seeds', form.seeds),
    batchings: form.batchings.filter((b) => (BATCHINGS as readonly string[]).includes(b)),
    hidden: num('hidden', form.hidden),
    groups: num('groups', form.groups),
    steps: num('steps', form.steps),
    lr: num('lr', form.lr),
    optimizer: form.optimizer,
    clipNorm: num('clipNorm', form.clipNorm),
    recordEvery: num('recordEvery', form.recordEvery),
    snapshots: form.snapshots ? ['first', 'middle', 'last'] : [],
    evalEvery: num('evalEvery', form.evalEvery),
    evalLengths: list('evalLengths', form.evalLengths),
    evalPolicies: form.evalPolicies,
  }
  if (Object.keys(errors).length > 0) return { runs: [], input: null, errors, warnings: {} }
  const input = planInputOf(draft, dataFile)
  const planned = planStudy(input)
  return {
    runs: planned.runs,
    input: planned.errors.length > 0 ? null : input,
    errors: errorsByField(planned.errors),
    warnings: errorsByField(planWarnings(planned.runs)),
  }
}
