// Studies simulated in memory for the findings' calibration: runs whose recorded numbers are drawn
// from a known model (no effect, or a known one), fed to the same finding code as real archives.
import type { Run } from '../../shared/contract'
import { TrainConfig } from '../../shared/contract/train-config'
import { sampleLength, type LengthDistribution } from '../../shared/engine/data/lengths'
import { Rng } from '../../shared/engine/core/rng'
import type { TermName } from '../../shared/kinds'
import type { RunData, TermRows } from '../../shared/lab/findings'

/** A seeded normal generator (Box–Muller over the engine's mulberry32). */
export class Normal {
  private readonly rng: Rng
  constructor(seed: number) {
    this.rng = new Rng(seed)
  }
  next(mean = 0, sd = 1): number {
    const u = 1 - this.rng.next()
    const v = this.rng.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  uniform(): number {
    return this.rng.next()
  }
  length(d: LengthDistribution): number {
    return sampleLength(d, this.rng)
  }
}

let nextId = 1

export interface SimulatedRun {
  config: Record<string, unknown>
  /** Final held-out loss. */
  loss?: number
  status?: Run['status']
  terms?: Partial<Record<TermName, TermRows>>
  /** Held-out loss per policy and length. */
  lengths?: { policy: string; length: number; value: number }[]
}

export function runData(r: SimulatedRun): RunData {
  const config = TrainConfig.parse({ task: 'adding', hidden: 4, steps: 20, ...r.config })
  const id = nextId++
  const run: Run = {
    id,
    uuid: '00000000-0000-4000-8000-000000000000',
    studyId: null,
    name: `sim ${id}`,
    status: r.status ?? 'completed',
    config,
    configHash: '',
    task: config.task,
    cell: config.cell,
    norm: config.norm,
    batchSize: config.batchSize,
    seed: config.seed,
    device: null,
    createdAt: 0,
    startedAt: 0,
    endedAt: 0,
    tags: [],
    notes: '',
    starred: false,
    error: null,
    lease: null,
    host: null,
  }
  return {
    run,
    metrics: r.loss === undefined ? {} : { 'eval/loss': { steps: [20], values: [r.loss], wallMs: [0] } },
    terms: r.terms ?? {},
    evaluations: (r.lengths ?? []).map((e) => ({ step: 20, policy: e.policy as 'last', length: e.length, metric: 'loss', value: e.value })),
    population: null,
  }
}

/** Term rows of one recorded step per late row, with per-feature matrices [T × C]. */
export function termRows(rows: { count: number[]; mean: Float32Array; var: Float32Array; columns: number }[]): TermRows {
  const summary = (m: Float32Array, C: number, count: number[]) => count.map((n, t) => (n > 0 ? m.subarray(t * C, (t + 1) * C).reduce((a, b) => a + b, 0) / C : null))
  return {
    steps: rows.map((_, i) => i + 1),
    count: rows.map((r) => r.count),
    normCount: rows.map((r) => r.count),
    mean: rows.map((r) => summary(r.mean, r.columns, r.count)),
    var: rows.map((r) => summary(r.var, r.columns, r.count)),
    features: rows.map((r) => ({ columns: r.columns, mean: r.mean, var: r.var })),
    firstRow: 0,
    lateRows: rows.map((_, i) => i),
  }
}
