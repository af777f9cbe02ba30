// Every finding on archives built for the purpose, where the answer is known: an effect present
// (reproduced), absent (not reproduced), or within seed noise (inconclusive); and what it says when
// the runs cannot answer it. Real SQLite archives, written and read through the contract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices, type Services } from '../../../electron/store'
import { createApi, type NormLabApi } from '../../../shared/contract'
import { TrainConfig } from '../../../shared/engine/config'
import { computeFindings, describeFinding, gatherStudyData, type Finding, type FindingId } from '../../../shared/lab/findings'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let services: Services
let api: NormLabApi

beforeEach(async () => {
  tmp = tempDir()
  services = await openServices({ dbPath: tmp.file('findings.sqlite'), host: 'cli', migrationsDir: MIGRATIONS })
  api = createApi((name, payload) => services.dispatch(name, payload))
})
afterEach(async () => {
  await services.close()
  tmp.cleanup()
})

interface Synthetic {
  config: Record<string, unknown>
  /** The final held-out loss. */
  loss?: number
  /** Per-timestep statistics of a term at recorded steps 10 and 20 (count, mean, var per time step). */
  stats?: { term: 'x' | 'h' | 'c'; count: number[]; mean: number[]; var: number[] }[]
  /** Loss at evaluation lengths, per policy. */
  lengths?: { policy: string; length: number; value: number }[]
  population?: { term: 'h'; var: number[] }
  status?: 'completed' | 'diverged'
}

async function archive(runs: Synthetic[]): Promise<number[]> {
  const ids: number[] = []
  for (const r of runs) {
    const config = TrainConfig.parse({ task: 'adding', hidden: 4, steps: 20, ...r.config })
    const run = await api.createRun({ name: `${config.norm} b${config.batchSize} s${config.seed}`, config })
    ids.push(run.id)
    const loss = r.loss ?? 1
    await api.appendMetrics({
      runId: run.id,
      points: [
        ...Array.from({ length: 20 }, (_, i) => ({ name: 'loss', step: i + 1, value: loss * (2 - i / 19), wallMs: i * 10 })),
        ...Array.from({ length: 20 }, (_, i) => ({ name: 'step_ms', step: i + 1, value: 10, wallMs: i * 10 })),
        { name: 'eval/loss', step: 20, value: loss, wallMs: 200 },
      ],
    })
    for (const s of r.stats ?? []) {
      await api.appendTimestepStats({
        runId: run.id,
        records: [10, 20].map((step) => ({ step, layer: 0, term: s.term, count: s.count, normCount: s.count, mean: s.mean, var: s.var })),
      })
    }
    if (r.lengths) await api.appendEvaluations({ runId: run.id, results: r.lengths.map((e) => ({ step: 20, policy: e.policy as 'last', length: e.length, metric: 'loss', value: e.value })) })
    if (r.population) {
      const T = r.population.var.length
      await api.appendPopulationStats({ runId: run.id, step: 20, records: [{ layer: 0, term: 'h', mean: r.population.var.map(() => [0, 0]), var: r.population.var.map((v) => [v, v]), seen: new Array<number>(T).fill(2) }] })
    }
    await api.updateRun({ id: run.id, status: r.status ?? 'completed' })
  }
  return ids
}

async function finding(id: FindingId, runs: Synthetic[]): Promise<Finding> {
  const ids = await archive(runs)
  return computeFindings(await gatherStudyData(api, ids)).find((f) => f.id === id)!
}

const T = 8
const alternating = (a: number) => Array.from({ length: T }, (_, t) => (t % 2 === 0 ? a : -a))
const full = (n: number) => new Array<number>(T).fill(n)
const ones = full(1)

describe('per-step distributions differ', () => {
  const bn = (seed: number, drift: number): Synthetic => ({ config: { norm: 'bn_step', seed, batchSize: 8 }, stats: [{ term: 'h', count: full(8), mean: alternating(drift), var: ones }] })
  it('reproduced: the mean moves by half a standard deviation across steps in every seed', async () => {
    const f = await finding('perStepDrift', [bn(1, 0.5), bn(2, 0.52), bn(3, 0.48)])
    expect(f.verdict).toBe('reproduced')
    expect(f.effect!.mean).toBeCloseTo(0.5 * Math.sqrt(8 / 7), 2)
    expect(describeFinding(f, 'en').result).toMatch(/drifts by 0\.53\d* within-step standard deviations/)
  })
  it('not reproduced: the mean stays put', async () => {
    expect((await finding('perStepDrift', [bn(1, 0.01), bn(2, 0.012), bn(3, 0.008)])).verdict).toBe('not_reproduced')
  })
  it('inconclusive: one seed drifts, the others do not', async () => {
    expect((await finding('perStepDrift', [bn(1, 0.3), bn(2, 0), bn(3, 0.02)])).verdict).toBe('inconclusive')
  })
  it('indicative with one seed', async () => {
    expect((await finding('perStepDrift', [bn(1, 0.5)])).verdict).toBe('indicative')
  })
})

describe('late steps have few valid samples', () => {
  const falling = [8, 8, 6, 4, 3, 2, 1, 1]
  const bn = (seed: number, count: number[]): Synthetic => ({
    config: { norm: 'bn_step', seed, batchSize: 8 },
    stats: [{ term: 'h', count, mean: alternating(0.1), var: ones }],
    population: { term: 'h', var: count.map((c) => (c < 4 ? 3 : 1)) },
  })
  const ln = (seed: number): Synthetic => ({ config: { norm: 'ln', seed, batchSize: 8 }, stats: [{ term: 'h', count: falling, mean: alternating(0.1), var: ones }] })
  it('reproduced: a long tail leaves late steps with one or two samples; LN counts its features', async () => {
    const f = await finding('lateSteps', [bn(1, falling), bn(2, falling), bn(3, falling), ln(1)])
    expect(f.verdict).toBe('reproduced')
    expect(f.numbers).toMatchObject({ firstFew: 5, share: 50, inflation: 3 })
    expect(describeFinding(f, 'en').result).toMatch(/from time step 5 on, statistics come from 2 samples or fewer; 50 % of time steps have fewer than 4; their running variance is 3× /)
  })
  it('not reproduced: fixed lengths keep every step full', async () => {
    expect((await finding('lateSteps', [bn(1, full(8)), bn(2, full(8)), bn(3, full(8))])).verdict).toBe('not_reproduced')
  })
  it('inconclusive: only one seed had a long tail', async () => {
    expect((await finding('lateSteps', [bn(1, falling), bn(2, full(8)), bn(3, full(8))])).verdict).toBe('inconclusive')
  })
})

describe('longer test sequences', () => {
  const run = (norm: 'bn_step' | 'ln', seed: number, at1: number, at4: number): Synthetic => ({
    config: { norm, seed },
    lengths: norm === 'ln' ? [{ policy: 'none', length: 20, value: at1 }, { policy: 'none', length: 80, value: at4 }] : [{ policy: 'last', length: 20, value: at1 }, { policy: 'last', length: 80, value: at4 }, { policy: 'batch', length: 20, value: at1 }, { policy: 'batch', length: 80, value: at1 }],
  })
  it('reproduced: BN’s loss grows far more than LN’s past the trained length', async () => {
    const f = await finding('longerTest', [run('bn_step', 1, 0.1, 0.6), run('bn_step', 2, 0.1, 0.62), run('bn_step', 3, 0.1, 0.58), run('ln', 1, 0.1, 0.11), run('ln', 2, 0.1, 0.12), run('ln', 3, 0.1, 0.1)])
    expect(f.verdict).toBe('reproduced')
    expect(f.numbers).toMatchObject({ policy: 'last', trained: 20, longest: 80 })
    expect(f.effect!.mean).toBeCloseTo(0.49, 2)
    // The "batch" policy is judged too, in the table.
    expect(f.table!.rows.map((r) => r[0])).toEqual(['LN', 'BN · last', 'BN · batch'])
  })
  it('not reproduced: both grow alike in absolute loss (the case from the report: 0.004 → 0.071 vs 0.12 → 0.19)', async () => {
    const f = await finding('longerTest', [run('bn_step', 1, 0.12, 0.19), run('bn_step', 2, 0.121, 0.191), run('bn_step', 3, 0.119, 0.189), run('ln', 1, 0.004, 0.071), run('ln', 2, 0.0041, 0.0711), run('ln', 3, 0.0039, 0.0709)])
    expect(f.verdict).toBe('not_reproduced')
  })
  it('inconclusive: the excess changes sign from seed to seed', async () => {
    const f = await finding('longerTest', [run('bn_step', 1, 0.1, 0.5), run('bn_step', 2, 0.1, 0.1), run('bn_step', 3, 0.1, 0.2), run('ln', 1, 0.1, 0.1), run('ln', 2, 0.1, 0.3), run('ln', 3, 0.1, 0.1)])
    expect(f.verdict).toBe('inconclusive')
  })
  it('not applicable without LN runs, naming the preset that answers it', async () => {
    const f = await finding('longerTest', [run('bn_step', 1, 0.1, 0.5)])
    expect(f.verdict).toBe('not_applicable')
    expect(describeFinding(f, 'en', (p) => `preset ${p}`).result).toBe(
      'Not applicable: it needs per-step BN and LN runs, alike otherwise, evaluated past their training length. The preset “preset longerTest” runs a study that answers it.',
    )
  })
})

describe('small batches', () => {
  // Equal samples seen: steps × batch size = 640.
  const run = (norm: 'bn_step' | 'ln', seed: number, batchSize: number, loss: number, steps = 640 / batchSize): Synthetic => ({ config: { norm, seed, batchSize, steps }, loss })
  const study = (bnSmall: number[], lnSmall: number[]) => [
    ...bnSmall.map((l, i) => run('bn_step', i + 1, 2, l)),
    ...[1, 2, 3].map((s) => run('bn_step', s, 64, 0.1)),
    ...lnSmall.map((l, i) => run('ln', i + 1, 2, l)),
    ...[1, 2, 3].map((s) => run('ln', s, 64, 0.1)),
  ]
  it('reproduced: BN’s loss rises at batch 2, LN’s does not', async () => {
    const f = await finding('smallBatch', study([0.5, 0.52, 0.48], [0.11, 0.1, 0.12]))
    expect(f.verdict).toBe('reproduced')
    expect(f.numbers).toMatchObject({ small: 2, large: 64, other: 'ln', samples: 640 })
  })
  it('not reproduced: both rise alike', async () => {
    expect((await finding('smallBatch', study([0.3, 0.31, 0.29], [0.299, 0.311, 0.29]))).verdict).toBe('not_reproduced')
  })
  it('inconclusive: the difference is within seed noise', async () => {
    expect((await finding('smallBatch', study([0.5, 0.1, 0.2], [0.1, 0.35, 0.1]))).verdict).toBe('inconclusive')
  })
  it('refuses runs that saw different numbers of samples: a small batch would also mean less data', async () => {
    const f = await finding('smallBatch', [run('bn_step', 1, 2, 0.5, 100), run('bn_step', 1, 64, 0.1, 100), run('ln', 1, 2, 0.5, 100), run('ln', 1, 64, 0.1, 100)])
    expect(f.verdict).toBe('not_applicable')
    expect(describeFinding(f, 'en').result).toMatch(/saw different numbers of samples \(batch 2 × 100 steps, batch 64 × 100 steps\)/)
    expect(f.missing!.preset).toBe('batchSize')
  })
})

describe('padding without a mask', () => {
  const mask = [8, 8, 8, 6, 4, 3, 2, 1]
  const run = (batching: 'mask' | 'pad', seed: number, lateVar: number): Synthetic => ({
    config: { norm: 'bn_step', batching, seed, batchSize: 8 },
    loss: batching === 'pad' ? 0.4 : 0.2,
    stats: [{ term: 'x', count: batching === 'mask' ? mask : full(8), mean: alternating(0.5), var: mask.map((c) => (c < 8 ? lateVar : 1)) }],
  })
  const study = (padVars: number[]) => [...[1, 2, 3].map((s) => run('mask', s, 1)), ...padVars.map((v, i) => run('pad', i + 1, v))]
  it('reproduced: counting the padding shrinks the late-step variance', async () => {
    const f = await finding('padding', study([0.4, 0.42, 0.38]))
    expect(f.verdict).toBe('reproduced')
    expect(f.numbers.shrink).toBeCloseTo(60, 0)
    expect(f.numbers).toMatchObject({ maskLoss: 0.2, padLoss: 0.4 })
  })
  it('not reproduced: no shrink', async () => {
    expect((await finding('padding', study([1, 1.01, 0.99]))).verdict).toBe('not_reproduced')
  })
  it('inconclusive: within seed noise', async () => {
    expect((await finding('padding', study([0.5, 1.3, 0.9]))).verdict).toBe('inconclusive')
  })
})

describe('all norms side by side', () => {
  const run = (norm: 'bn_step' | 'ln' | 'gn', seed: number, loss: number, status: 'completed' | 'diverged' = 'completed'): Synthetic => ({ config: { norm, seed }, loss, status })
  it('reproduced: LN ends lower than BN; the table lists every norm with time per step and divergences', async () => {
    const f = await finding('allNorms', [run('bn_step', 1, 0.5), run('bn_step', 2, 0.52), run('bn_step', 3, 0.48, 'diverged'), run('ln', 1, 0.1), run('ln', 2, 0.11), run('ln', 3, 0.09), run('gn', 1, 0.2)])
    expect(f.verdict).toBe('reproduced')
    expect(f.table!.rows.map((r) => [r[0], r[4], r[5]])).toEqual([
      ['bn_step', 10, '1 / 3'],
      ['ln', 10, '0 / 3'],
      ['gn', 10, '0 / 1'],
    ])
  })
  it('not reproduced: BN and LN end alike', async () => {
    expect((await finding('allNorms', [run('bn_step', 1, 0.2), run('bn_step', 2, 0.201), run('bn_step', 3, 0.199), run('ln', 1, 0.2), run('ln', 2, 0.2), run('ln', 3, 0.2)])).verdict).toBe('not_reproduced')
  })
  it('inconclusive: within seed noise', async () => {
    expect((await finding('allNorms', [run('bn_step', 1, 0.5), run('bn_step', 2, 0.1), run('bn_step', 3, 0.2), run('ln', 1, 0.2), run('ln', 2, 0.3), run('ln', 3, 0.1)])).verdict).toBe('inconclusive')
  })
  it('names what confounds a comparison of runs that differ in more than the norm', async () => {
    const f = await finding('allNorms', [{ config: { norm: 'bn_step', hidden: 8 } }, { config: { norm: 'ln', hidden: 16 } }])
    expect(f.verdict).toBe('not_applicable')
    expect(describeFinding(f, 'en').result).toMatch(/differ in hidden as well/)
    expect(describeFinding(f, 'zh-CN').result).toMatch(/不适用：逐步 BN 与 LN 运行在 hidden 上也不同/)
  })
})
