// Archives built for the purpose: runs whose recorded numbers are chosen so that a finding's
// answer is known. Written through the contract into a real SQLite file, like training writes them.
import type { NormLabApi } from '../../shared/contract'
import { packMatrix } from '../../shared/contract/packed'
import { TrainConfig } from '../../shared/contract/train-config'
import { leaseRun, TEST_OWNER } from './writer'

export interface SyntheticStats {
  term: 'x' | 'h' | 'c'
  /** Valid samples per time step. */
  count: number[]
  /** Per-feature batch mean and variance [T][C]; the summaries are their averages over features. */
  featureMean: number[][]
  featureVar: number[][]
  /** Recorded steps (default 1, 10, 20). */
  steps?: number[]
}

export interface Synthetic {
  config: Record<string, unknown>
  /** The final held-out loss. */
  loss?: number
  stats?: SyntheticStats[]
  /** Held-out loss at evaluation lengths, per policy. */
  lengths?: { policy: string; length: number; value: number }[]
  population?: { term: 'h'; var: number[] }
  status?: 'completed' | 'diverged' | 'interrupted'
  /** Why it ended that way, written by its trainer as it ends. */
  error?: string
}

/** One feature column per value: [T][C] from per-time-step rows of C values. */
export const uniformFeatures = (T: number, C: number, value: (t: number, c: number) => number) =>
  Array.from({ length: T }, (_, t) => Array.from({ length: C }, (_, c) => value(t, c)))

const average = (row: number[]) => row.reduce((a, b) => a + b, 0) / row.length

export async function writeRuns(api: NormLabApi, runs: Synthetic[], studyId: number | null = null): Promise<number[]> {
  const ids: number[] = []
  for (const r of runs) {
    const config = TrainConfig.parse({ task: 'adding', hidden: 4, steps: 20, ...r.config })
    const run = await api.createRun({
      name: `${config.norm} b${config.batchSize} s${config.seed} ${config.batching}`,
      config,
      studyId,
    })
    ids.push(run.id)
    await leaseRun(api, run.id)
    const owner = TEST_OWNER
    const loss = r.loss ?? 1
    await api.appendMetrics({
      runId: run.id,
      owner,
      points: [
        ...Array.from({ length: 20 }, (_, i) => ({
          name: 'loss',
          step: i + 1,
          value: loss * (2 - i / 19),
          wallMs: i * 10,
        })),
        ...Array.from({ length: 20 }, (_, i) => ({ name: 'step_ms', step: i + 1, value: 10, wallMs: i * 10 })),
        { name: 'eval/loss', step: 20, value: loss, wallMs: 200 },
      ],
    })
    for (const s of r.stats ?? []) {
      await api.appendTimestepStats({
        runId: run.id,
        owner,
        records: (s.steps ?? [1, 10, 20]).map((step) => ({
          step,
          layer: 0,
          term: s.term,
          count: s.count,
          normCount: s.count,
          mean: s.featureMean.map((row, t) => (s.count[t]! > 0 ? average(row) : null)),
          var: s.featureVar.map((row, t) => (s.count[t]! > 0 ? average(row) : null)),
          featureMean: packMatrix(s.featureMean),
          featureVar: packMatrix(s.featureVar),
        })),
      })
    }
    if (r.lengths)
      await api.appendEvaluations({
        runId: run.id,
        owner,
        results: r.lengths.map((e) => ({
          step: 20,
          policy: e.policy as 'last',
          length: e.length,
          metric: 'loss',
          value: e.value,
        })),
      })
    if (r.population) {
      const T = r.population.var.length
      await api.appendPopulationStats({
        runId: run.id,
        owner,
        step: 20,
        records: [
          {
            layer: 0,
            term: 'h',
            mean: r.population.var.map(() => [0, 0]),
            var: r.population.var.map((v) => [v, v]),
            seen: new Array<number>(T).fill(2),
          },
        ],
      })
    }
    await api.updateRun({
      id: run.id,
      owner,
      status: r.status ?? 'completed',
      ...(r.error !== undefined ? { error: r.error } : {}),
    })
  }
  return ids
}
