// Everything the findings and a report read about a set of runs, gathered from the archive through
// the contract (the same in the app, web mode and the CLI). Findings are pure functions of this.
import type { NormLabApi } from '../../contract'
import type { EvaluationResult, Run } from '../../contract/schemas'
import { cellTerms, type TermName } from '../../kinds'

export interface Series {
  steps: number[]
  values: number[]
  wallMs: number[]
}

/** A term's recorded statistics: per recorded training step, one value per time step (null: no valid sample). */
export interface TermGrid {
  steps: number[]
  count: (number | null)[][]
  normCount: (number | null)[][]
  mean: (number | null)[][]
  var: (number | null)[][]
}

export interface PopulationData {
  step: number
  records: { term: TermName; mean: (number | null)[][]; var: (number | null)[][]; seen: number[] }[]
}

export interface RunData {
  run: Run
  metrics: Record<string, Series>
  terms: Partial<Record<TermName, TermGrid>>
  evaluations: EvaluationResult[]
  population: PopulationData | null
}

export interface StudyData {
  runs: RunData[]
}

/** By default, statistics of this many recorded steps at most per run (evenly spaced, first and last kept). */
const MAX_GRID_ROWS = 400

export interface GatherOptions {
  /** Recorded steps per term and run at most (evenly spaced); a report asks for all of them. */
  maxGridRows?: number
}

export async function gatherStudyData(api: NormLabApi, runIds: readonly number[], options: GatherOptions = {}): Promise<StudyData> {
  const maxRows = options.maxGridRows ?? MAX_GRID_ROWS
  const runs = await Promise.all(runIds.map((id) => api.getRun({ id })))
  const { series } = runs.length > 0 ? await api.queryMetrics({ runIds: runs.map((r) => r.id) }) : { series: [] }
  const evaluations = runs.length > 0 ? await api.listEvaluations({ runIds: runs.map((r) => r.id) }) : []
  const data: RunData[] = []
  for (const run of runs) {
    const metrics: Record<string, Series> = {}
    for (const s of series.filter((x) => x.runId === run.id)) metrics[s.name] = { steps: s.steps, values: s.values, wallMs: s.wallMs }
    const terms: RunData['terms'] = {}
    const recorded = new Set((await api.listTimestepSeries({ runId: run.id })).map((s) => s.term))
    for (const term of cellTerms(run.cell)) {
      if (!recorded.has(term)) continue
      const grid = (field: 'count' | 'normCount' | 'mean' | 'var') => api.getTimestepGrid({ runId: run.id, term, field, maxRows })
      const [count, normCount, mean, variance] = await Promise.all([grid('count'), grid('normCount'), grid('mean'), grid('var')])
      terms[term] = { steps: count.steps, count: count.values, normCount: normCount.values, mean: mean.values, var: variance.values }
    }
    const population = await api.getPopulationStats({ runId: run.id })
    data.push({ run, metrics, terms, evaluations: evaluations.filter((e) => e.runId === run.id).map(({ runId: _r, ...e }) => e), population })
  }
  return { runs: data }
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
