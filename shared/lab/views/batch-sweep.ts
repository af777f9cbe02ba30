// The final metric against batch size: one line per group of runs alike but for the seed and the
// batch size (and the steps, which equal-samples studies scale with it), the mean over seeds with
// its 95 % band at each batch size. Compare page and reports.
import type { Run } from '../../contract/schemas'
import { bands, groupBySeed, spansDecades, type GroupLine } from './groups'

export interface BatchSweepView {
  metric: string
  lines: GroupLine[]
  logByDefault: boolean
}

/** `finalOf` gives a run's final metric (null: none); null when the runs have one batch size only. */
export function batchSweepView(
  runs: readonly Run[],
  finalOf: (run: Run) => number | null,
  metric: string,
): BatchSweepView | null {
  if (new Set(runs.map((r) => r.batchSize)).size < 2) return null
  // Runs of one line differ in seed, batch size and steps (scaled by equal-samples studies) only.
  const lines: GroupLine[] = groupBySeed(runs, ['batchSize', 'steps']).map((g) => {
    const members = g.runs
    const seeds = [...new Set(members.map((r) => r.seed))].map((seed) => {
      const own = members.filter((r) => r.seed === seed).sort((a, b) => a.batchSize - b.batchSize)
      return { runId: own[0]!.id, seed, points: own.map((r) => ({ x: r.batchSize, y: finalOf(r) })) }
    })
    return {
      group: g.index,
      label: g.label,
      variant: null,
      runIds: members.map((r) => r.id),
      ...bands(seeds.map((s) => ({ x: s.points.map((p) => p.x), y: s.points.map((p) => p.y) }))),
      seeds,
    }
  })
  return { metric, lines, logByDefault: spansDecades(lines.flatMap((l) => l.points.map((p) => p.mean))) }
}
