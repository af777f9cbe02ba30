// The Runs table's order: a run field, or the chosen metric's final or best value.
import type { Run, RunMetricSummary } from '../../../shared/contract'

type RunKey = 'id' | 'name' | 'status' | 'task' | 'cell' | 'norm' | 'batchSize' | 'seed' | 'createdAt' | 'studyId'
export type SortKey = RunKey | 'final' | 'best'
export interface RunSort {
  key: SortKey
  down: boolean
}

/** The runs in the table's order; runs without a value go last whichever way the column sorts. */
export function sortRuns(runs: readonly Run[], sort: RunSort, summaryOf: ReadonlyMap<number, RunMetricSummary>): Run[] {
  const valueOf = (run: Run): string | number | boolean | null =>
    sort.key === 'final' || sort.key === 'best'
      ? (summaryOf.get(run.id)?.[sort.key]?.value ?? null)
      : (run[sort.key] ?? null)
  return [...runs].sort((a, b) => {
    const x = valueOf(a)
    const y = valueOf(b)
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1
    return (x < y ? -1 : x > y ? 1 : 0) * (sort.down ? -1 : 1)
  })
}
