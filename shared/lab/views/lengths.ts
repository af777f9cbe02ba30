// Held-out metric against the test length, per group of seeds and BN policy (the mean over seeds
// with its 95 % band): how each norm degrades past the trained length. Compare page and reports.
import type { EvaluationResult } from '../../contract/schemas'
import { bands, spansDecades, type GroupLine, type RunGroup } from './groups'

export interface LengthsView {
  metric: string
  lines: GroupLine[]
  logByDefault: boolean
}

/** `evaluations` with their run ids; each run's last evaluation step is the one drawn. */
export function lengthsView(
  groups: readonly RunGroup[],
  evaluations: readonly (EvaluationResult & { runId: number })[],
  metric: string,
): LengthsView {
  const lines: GroupLine[] = []
  for (const g of groups) {
    const mine = evaluations.filter((e) => e.metric === metric && g.runs.some((r) => r.id === e.runId))
    const policies = [...new Set(mine.map((e) => e.policy))]
    for (const policy of policies) {
      const seeds = g.runs
        .map((run) => {
          const own = mine.filter((e) => e.runId === run.id && e.policy === policy)
          const last = own.reduce((m, e) => Math.max(m, e.step), -1)
          const points = own
            .filter((e) => e.step === last)
            .sort((a, b) => a.length - b.length)
            .map((e) => ({ x: e.length, y: e.value }))
          return { runId: run.id, seed: run.seed, points }
        })
        .filter((s) => s.points.length > 0)
      if (seeds.length === 0) continue
      lines.push({
        group: g.index,
        label: g.label,
        variant: policy,
        runIds: seeds.map((s) => s.runId),
        ...bands(seeds.map((s) => ({ x: s.points.map((p) => p.x), y: s.points.map((p) => p.y) }))),
        seeds,
      })
    }
  }
  return { metric, lines, logByDefault: spansDecades(lines.flatMap((l) => l.points.map((p) => p.mean))) }
}
