// Everything the findings read about a set of runs, gathered from the archive through the contract
// at one resolution that belongs to the findings, not to the caller: the app, web mode, a report
// and the CLI all gather the same rows, so they compute the same numbers. Findings are pure
// functions of this.
import type { NormLabApi } from '../../../contract'
import { unpackFloat32 } from '../../../contract/packed'
import type { EvaluationResult, Run, StudyDesign } from '../../../contract/schemas'
import { analysisSteps, FEATURE_ROWS, type TrainConfig } from '../../../contract/train-config'
import { cellTerms, TRIVIAL_LOSS, type TermName } from '../../../kinds'

export interface Series {
  steps: number[]
  values: number[]
  wallMs: number[]
}

/** Per-feature statistics of one recorded step: [T × C] row-major, NaN where no sample was valid. */
export interface FeatureRows {
  columns: number
  mean: Float32Array
  var: Float32Array
}

/**
 * The recorded steps of one term that the findings read: every recorded step's valid counts and
 * summaries (per row, one value per time step; null: no valid sample), and per-feature matrices
 * where FEATURE_ROWS asks for them.
 */
export interface TermRows {
  steps: number[]
  count: number[][]
  normCount: (number[] | null)[]
  mean: (number | null)[][]
  var: (number | null)[][]
  features: (FeatureRows | null)[]
  /** The row of the first recorded step (training step 1: every run of a seed starts alike there). */
  firstRow: number
  /** The rows of the last half of training (at most LATE_ROWS, evenly spaced), when statistics have settled. */
  lateRows: number[]
}

export interface PopulationData {
  step: number
  records: { term: TermName; mean: (number | null)[][]; var: (number | null)[][]; seen: number[] }[]
}

export interface RunData {
  run: Run
  metrics: Record<string, Series>
  terms: Partial<Record<TermName, TermRows>>
  evaluations: EvaluationResult[]
  population: PopulationData | null
}

export interface StudyData {
  runs: RunData[]
  /** The design of the study every run belongs to (seeds added in rounds: its verdicts' level); null otherwise. */
  design: StudyDesign | null
}

// The rows the findings read are chosen where the trainer chooses which rows keep per-feature
// matrices (contract/train-config.ts), so a run stores exactly what is read.
export { analysisSteps, evenlySpaced, FEATURE_ROWS, LATE_ROWS } from '../../../contract/train-config'

export const configOf = (run: RunData) => run.run.config as unknown as TrainConfig

/** At most this many runs per metrics or evaluations request (the contract's limit). */
const CHUNK = 100

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** At most this many steps per getTimestepRows request (the contract's limit). */
const ROWS_PER_REQUEST = 64

async function termRows(api: NormLabApi, runId: number, term: TermName): Promise<TermRows | null> {
  const { steps: recorded } = await api.listRecordedSteps({ runId, term })
  const picked = analysisSteps(recorded)
  if (!picked) return null
  const withFeatures = new Set(
    FEATURE_ROWS[term] === 'first' ? [picked.first] : FEATURE_ROWS[term] === 'late' ? picked.late : [],
  )
  const rows = []
  for (const steps of chunks(recorded, ROWS_PER_REQUEST))
    rows.push(
      ...(await api.getTimestepRows({ runId, term, steps, featureSteps: steps.filter((s) => withFeatures.has(s)) }))
        .rows,
    )
  const rowOf = new Map(rows.map((r, i) => [r.step, i]))
  return {
    steps: rows.map((r) => r.step),
    count: rows.map((r) => r.count),
    normCount: rows.map((r) => r.normCount),
    mean: rows.map((r) => r.mean),
    var: rows.map((r) => r.var),
    features: rows.map((r) =>
      r.featureMean && r.featureVar
        ? { columns: r.featureMean.columns, mean: unpackFloat32(r.featureMean), var: unpackFloat32(r.featureVar) }
        : null,
    ),
    firstRow: rowOf.get(picked.first) ?? 0,
    lateRows: picked.late.map((s) => rowOf.get(s)).filter((i): i is number => i !== undefined),
  }
}

export async function gatherStudyData(api: NormLabApi, runIds: readonly number[]): Promise<StudyData> {
  const runs = await Promise.all(runIds.map((id) => api.getRun({ id })))
  const ids = runs.map((r) => r.id)
  const series = (await Promise.all(chunks(ids).map((part) => api.queryMetrics({ runIds: part })))).flatMap(
    (r) => r.series,
  )
  const evaluations = (await Promise.all(chunks(ids).map((part) => api.listEvaluations({ runIds: part })))).flat()
  const data: RunData[] = []
  for (const run of runs) {
    const metrics: Record<string, Series> = {}
    for (const s of series.filter((x) => x.runId === run.id))
      metrics[s.name] = { steps: s.steps, values: s.values, wallMs: s.wallMs }
    const recorded = new Set((await api.listTimestepSeries({ runId: run.id })).map((s) => s.term))
    const terms: RunData['terms'] = {}
    for (const term of cellTerms(run.cell)) {
      if (!recorded.has(term)) continue
      const rows = await termRows(api, run.id, term)
      if (rows) terms[term] = rows
    }
    const population = await api.getPopulationStats({ runId: run.id })
    data.push({
      run,
      metrics,
      terms,
      evaluations: evaluations.filter((e) => e.runId === run.id).map(({ runId: _r, ...e }) => e),
      population,
    })
  }
  return { runs: data, design: await designOf(api, runs) }
}

/** The design of the one study all the runs belong to, when it has one. */
async function designOf(api: NormLabApi, runs: readonly Run[]): Promise<StudyDesign | null> {
  const studies = new Set(runs.map((r) => r.studyId))
  const [only] = [...studies]
  if (studies.size !== 1 || only === null || only === undefined) return null
  return (await api.listStudies({})).find((s) => s.id === only)?.design ?? null
}

/** The last value of a metric, or null. */
export function finalValue(run: RunData, name: string): number | null {
  const s = run.metrics[name]
  return s && s.values.length > 0 ? s.values[s.values.length - 1]! : null
}

/** The run's held-out metric: the final evaluation loss, or the training loss when it was never evaluated. */
export function heldOutLoss(run: RunData): number | null {
  return finalValue(run, 'eval/loss') ?? finalValue(run, 'loss')
}

/** The log of the held-out loss: how findings compare losses (they span decades); null when there is none. */
export function logHeldOutLoss(run: RunData): number | null {
  const v = heldOutLoss(run)
  return v !== null && v > 0 ? Math.log(v) : null
}

/** The held-out loss of the best constant prediction for the run's task: recorded by the run, else the task's stated one (kinds' TRIVIAL_LOSS); null when unknown. */
export function trivialLossOf(run: RunData): number | null {
  return finalValue(run, 'eval/trivial_loss') ?? TRIVIAL_LOSS[run.run.task as keyof typeof TRIVIAL_LOSS] ?? null
}

/**
 * A held-out loss counts as learned at most at this share of the trivial loss. A model within 20 %
 * of the best constant prediction learned too little for a change of its loss (with length, with
 * batch size) to say anything about normalization: its loss cannot grow past chance.
 */
export const LEARNED_SHARE = 0.8

/** Whether a held-out loss of this run beats its trivial loss by the margin; true when the trivial loss is unknown (nothing to check against). */
export function beatsChance(run: RunData, loss: number | null): boolean {
  const trivial = trivialLossOf(run)
  return trivial === null || (loss !== null && loss <= LEARNED_SHARE * trivial)
}
