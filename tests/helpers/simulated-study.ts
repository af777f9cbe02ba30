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
    evaluations: (r.lengths ?? []).map((e) => ({
      step: 20,
      policy: e.policy as 'last',
      length: e.length,
      metric: 'loss',
      value: e.value,
    })),
    population: null,
  }
}

/** Term rows of one recorded step per late row, with per-feature matrices [T × C]. */
export function termRows(
  rows: { count: number[]; mean: Float32Array; var: Float32Array; columns: number }[],
): TermRows {
  const summary = (m: Float32Array, C: number, count: number[]) =>
    count.map((n, t) => (n > 0 ? m.subarray(t * C, (t + 1) * C).reduce((a, b) => a + b, 0) / C : null))
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

/**
 * A run's recorded batches of the recurrent term as training records them, simulated from
 * samples: each batch draws `batchSize` sequences (lengths from `lengths`), and each sample's
 * state follows its own AR(1) path across time steps (ρ: the same sample is in every step, so a
 * batch's chance error is shared by its steps), around a per-step, per-feature mean `profile`.
 * Step 0 is h₀·Wh = 0 exactly (constant by construction); padded steps hold no valid sample.
 */
export function simulatedBatches(
  rng: Normal,
  options: {
    batches: number
    batchSize: number
    T: number
    C: number
    rho: number
    lengths: LengthDistribution
    profile: (t: number, c: number) => number
  },
): { count: number[]; mean: Float32Array; var: Float32Array; columns: number }[] {
  const { batches, batchSize: N, T, C, rho, lengths, profile } = options
  const innovation = Math.sqrt(1 - rho * rho)
  return Array.from({ length: batches }, () => {
    const L = Array.from({ length: N }, () => Math.min(T, rng.length(lengths)))
    const sum = new Float64Array(T * C)
    const sq = new Float64Array(T * C)
    const count = Array.from({ length: T }, (_, t) => L.filter((l) => l > t).length)
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        let s = rng.next()
        for (let t = 0; t < L[n]!; t++) {
          if (t > 0) s = rho * s + innovation * rng.next()
          const v = t === 0 ? 0 : profile(t, c) + s
          sum[t * C + c]! += v
          sq[t * C + c]! += v * v
        }
      }
    const mean = new Float32Array(T * C)
    const variance = new Float32Array(T * C)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) {
        const n = count[t]!
        if (n === 0) {
          mean[t * C + c] = Number.NaN
          variance[t * C + c] = Number.NaN
          continue
        }
        const m = sum[t * C + c]! / n
        mean[t * C + c] = m
        variance[t * C + c] = Math.max(0, sq[t * C + c]! / n - m * m)
      }
    return { count, mean, var: variance, columns: C }
  })
}
