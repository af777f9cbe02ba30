// Every finding on archives built for the purpose, where the answer is known: an effect present
// (reproduced), absent (not reproduced), or within seed noise (inconclusive); what it says when the
// runs cannot answer it; and one test per defect of the first findings (padding judged on the
// variance, drift averaged over features, losses compared by absolute difference, the last run per
// seed silently winning, one comparison set picked silently, a baseline length BN was starved at).
// Real SQLite archives, written and read through the contract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices, type Services } from '../../../electron/store'
import { createApi, type NormLabApi } from '../../../shared/contract'
import {
  computeFindings,
  describeFinding,
  findingSummary,
  gatherStudyData,
  type Finding,
  type FindingId,
} from '../../../shared/lab/findings'
import { findingLines } from '../../../electron/cli/finding-lines'
import { skillKept } from '../../../shared/lab/findings/claims/longer-test'
import { MIGRATIONS, tempDir } from '../../helpers/temp'
import { uniformFeatures, writeRuns, type Synthetic } from '../../helpers/synthetic-runs'
import { Normal } from '../../helpers/simulated-study'
import { leaseRun, TEST_OWNER } from '../../helpers/writer'

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

async function finding(id: FindingId, runs: Synthetic[]): Promise<Finding> {
  const ids = await writeRuns(api, runs)
  return computeFindings(await gatherStudyData(api, ids)).find((f) => f.id === id)!
}
const numbers = (f: Finding) => f.numbers as Record<string, number | string | null>

const T = 8
const C = 4
const full = (n: number) => new Array<number>(T).fill(n)
const falling = [8, 8, 6, 4, 3, 2, 1, 1]

describe('per-step distributions differ', () => {
  /** Feature c's mean alternates ±a across time steps, with the sign of (−1)^c: the average over features is 0 at every step. */
  const bn = (seed: number, a: number, count = full(8)): Synthetic => ({
    config: { norm: 'bn_step', seed, batchSize: 8 },
    stats: [
      {
        term: 'h',
        count,
        featureMean: uniformFeatures(T, C, (t, c) => (t % 2 === 0 ? a : -a) * (c % 2 === 0 ? 1 : -1) + seed * 1e-3),
        featureVar: uniformFeatures(T, C, () => 1),
      },
    ],
  })
  /** The between-step sample variance of ±a over time steps 1 … T − 1 (step 0 is left out). */
  const alternating = (a: number) => {
    const xs = Array.from({ length: T - 1 }, (_, i) => ((i + 1) % 2 === 0 ? a : -a))
    const m = xs.reduce((p, x) => p + x, 0) / xs.length
    return xs.reduce((p, x) => p + (x - m) ** 2, 0) / (xs.length - 1)
  }
  /**
   * Recorded batches of one run, each with its own chance error: a per-feature offset common to all
   * of the batch's steps (the same samples are in every step: sd `shared`) plus a little
   * independent noise, over a true profile `drift(t, c)`; step 0 holds h·Wh = 0 exactly.
   */
  const batches = (
    seed: number,
    batchSize: number,
    drift: (t: number, c: number) => number,
    shared: number,
    rng: Normal,
  ): Synthetic => ({
    config: { norm: 'bn_step', seed, batchSize, steps: 200 },
    stats: Array.from({ length: 10 }, (_, k) => {
      const offset = Array.from({ length: C }, () => rng.next(0, shared))
      return {
        term: 'h' as const,
        steps: [100 + k * 10],
        count: full(batchSize),
        featureMean: uniformFeatures(T, C, (t, c) => (t === 0 ? 0 : drift(t, c) + offset[c]! + rng.next(0, 0.02))),
        featureVar: uniformFeatures(T, C, (t) => (t === 0 ? 0 : 1)),
      }
    }),
  })
  it('reproduced per feature when the features drift in opposite directions (their average stays put: the old finding said "not reproduced")', async () => {
    const f = await finding('perStepDrift', [bn(1, 0.5), bn(2, 0.52), bn(3, 0.48)])
    expect(f.verdict).toBe('reproduced')
    // Every recorded batch has the same profile: what two batches share is all of it.
    expect(f.effect!.mean).toBeCloseTo(Math.sqrt((alternating(0.5) + alternating(0.52) + alternating(0.48)) / 3), 2)
    expect(numbers(f).floor).toBeCloseTo(0, 3)
    expect(describeFinding(f, 'en').result).toMatch(
      /^Across time steps, the batch mean of h·Wh drifts by 0\.5\d+ within-step standard deviations/,
    )
  })
  it('leaves out time step 0, constant by construction (h₀ = 0): a profile that moves only there is not a drift (the old finding said "reproduced")', async () => {
    const rng = new Normal(7)
    // The batch mean is 0 at step 0 and 1.5 at every later step in every feature: a large jump, at step 0 only.
    const runs = [1, 2, 3].map((seed) => batches(seed, 16, () => 1.5, 0.25, rng))
    const f = await finding('perStepDrift', runs)
    expect(f.verdict).toBe('not_reproduced')
    expect(Math.abs(f.effect!.mean)).toBeLessThan(0.05)
  })
  it('a batch’s chance error is shared by its steps: at batch 4 a real drift of 0.3 sd is found (the independence floor v/(n − 1) = 0.58 hid it)', async () => {
    const rng = new Normal(11)
    const drift = (t: number, c: number) => 0.3 * Math.SQRT2 * Math.sin(0.9 * t + c)
    const f = await finding(
      'perStepDrift',
      [1, 2, 3].map((seed) => batches(seed, 4, drift, 0.5, rng)),
    )
    expect(f.verdict).toBe('reproduced')
    expect(f.effect!.mean).toBeGreaterThan(0.2)
    expect(f.effect!.mean).toBeLessThan(0.4)
  })
  it('a null where each batch moves by chance alone is not reproduced, however large the chance movement', async () => {
    const rng = new Normal(12)
    // Independent noise per step and batch of sd 0.5 (batch 4): within a batch the mean moves 0.5 sd.
    const noisy = (seed: number): Synthetic => ({
      config: { norm: 'bn_step', seed, batchSize: 4, steps: 200 },
      stats: Array.from({ length: 12 }, (_, k) => ({
        term: 'h' as const,
        steps: [100 + k * 10],
        count: full(4),
        featureMean: uniformFeatures(T, C, (t) => (t === 0 ? 0 : rng.next(0, 0.5))),
        featureVar: uniformFeatures(T, C, (t) => (t === 0 ? 0 : 1)),
      })),
    })
    const f = await finding('perStepDrift', [1, 2, 3].map(noisy))
    expect(numbers(f).raw as number).toBeGreaterThan(0.4)
    expect(f.verdict).toBe('not_reproduced')
  })
  it('inconclusive when one seed drifts and the others do not, saying how many seeds would settle it', async () => {
    const f = await finding('perStepDrift', [bn(1, 0.6), bn(2, 0.05), bn(3, 0.08)])
    expect(f.verdict).toBe('inconclusive')
    expect(f.seedsToSettle).toBeGreaterThan(3)
    expect(describeFinding(f, 'en').result).toMatch(/About \d+ seeds would likely settle it/)
  })
  it('indicative with one seed', async () => {
    expect((await finding('perStepDrift', [bn(1, 0.5)])).verdict).toBe('indicative')
  })
  it('names runs without per-feature statistics instead of averaging their features', async () => {
    const ids = await writeRuns(api, [bn(1, 0.5), bn(2, 0.5)])
    const bare = await api.createRun({
      name: 'no features',
      config: { task: 'adding', cell: 'lstm', norm: 'bn_step', batchSize: 8, seed: 3, hidden: 4, steps: 20 },
    })
    await leaseRun(api, bare.id)
    await api.appendTimestepStats({
      runId: bare.id,
      owner: TEST_OWNER,
      records: [{ step: 1, layer: 0, term: 'h', count: full(8), mean: full(0), var: full(1) }],
    })
    await api.updateRun({ id: bare.id, owner: TEST_OWNER, status: 'completed' })
    const f = computeFindings(await gatherStudyData(api, [...ids, bare.id])).find((x) => x.id === 'perStepDrift')!
    expect(f.excluded).toEqual([{ runId: bare.id, reason: 'noFeatures' }])
    expect(describeFinding(f, 'en').notUsed).toBe(`Not used: #${bare.id} (no per-feature statistics).`)
  })
})

describe('late steps have few valid samples', () => {
  const bn = (seed: number, count: number[], batching = 'mask'): Synthetic => ({
    config: { norm: 'bn_step', seed, batchSize: 8, batching },
    stats: [
      { term: 'h', count, featureMean: uniformFeatures(T, C, () => 0.1), featureVar: uniformFeatures(T, C, () => 1) },
    ],
    population: { term: 'h', var: count.map((c) => (c < 4 ? 3 : 1)) },
  })
  it('reproduced: a long tail leaves late steps with one or two samples; LN counts its features', async () => {
    const ln: Synthetic = {
      config: { norm: 'ln', seed: 1, batchSize: 8 },
      stats: [
        {
          term: 'h',
          count: falling,
          featureMean: uniformFeatures(T, C, () => 0),
          featureVar: uniformFeatures(T, C, () => 1),
        },
      ],
    }
    const f = await finding('lateSteps', [bn(1, falling), bn(2, falling), bn(3, falling), ln])
    expect(f.verdict).toBe('reproduced')
    expect(f.numbers).toMatchObject({ firstFew: 5, share: 50, inflation: 3 })
    expect(describeFinding(f, 'en').result).toMatch(
      /from time step 5 on, statistics come from 2 samples or fewer; 50 % of time steps have fewer than 4 /,
    )
  })
  it('not reproduced: fixed lengths keep every step full', async () => {
    expect((await finding('lateSteps', [bn(1, full(8)), bn(2, full(8)), bn(3, full(8))])).verdict).toBe(
      'not_reproduced',
    )
  })
  it('uses the masked runs of a pad/mask/truncate study, names the others, and counts every run of a seed (the last run per seed used to win)', async () => {
    const runs = [1, 2, 3].flatMap((s) => [bn(s, falling, 'mask'), bn(s, full(8), 'truncate')])
    // A second masked run of seed 1 (the same settings run again) and padded runs written last.
    runs.push(bn(1, falling, 'mask'), ...[1, 2, 3].map((s) => bn(s, full(8), 'pad')))
    const ids = await writeRuns(api, runs)
    const f = computeFindings(await gatherStudyData(api, ids)).find((x) => x.id === 'lateSteps')!
    expect(f.verdict).toBe('reproduced')
    expect(f.effect!.n).toBe(3)
    const masked = [ids[0]!, ids[2]!, ids[4]!, ids[6]!]
    expect(f.runIds.sort()).toEqual(masked.sort())
    expect(f.excluded).toEqual(
      expect.arrayContaining([
        { runId: ids[1]!, reason: 'truncated' },
        { runId: ids[7]!, reason: 'padCountsAsData' },
      ]),
    )
    expect(f.excluded).toHaveLength(6)
  })
  it('reads every recorded batch and takes the share per batch (averaging counts first turned a 1 and a 7 into a 4: "no few-sample step")', async () => {
    const starved = [8, 8, 8, 8, 8, 8, 1, 1]
    const fed = [8, 8, 8, 8, 8, 8, 7, 7]
    const run = (seed: number): Synthetic => ({
      config: { norm: 'bn_step', seed, batchSize: 8, steps: 310 },
      // 31 recorded batches, alternating: a quarter of the time steps of every other batch have 1 sample.
      stats: Array.from({ length: 31 }, (_, k) => ({
        term: 'h' as const,
        steps: [k === 0 ? 1 : k * 10],
        count: k % 2 === 0 ? starved : fed,
        featureMean: uniformFeatures(T, C, () => 0),
        featureVar: uniformFeatures(T, C, () => 1),
      })),
    })
    const f = await finding('lateSteps', [1, 2, 3].map(run))
    expect(f.numbers).toMatchObject({ batches: 31 })
    // 16 of 31 batches have 2 of 8 steps below 4 samples: 16/31 × 25 %.
    expect(f.effect!.mean).toBeCloseTo((16 / 31) * 0.25, 6)
    expect(f.verdict).toBe('reproduced')
  })
})

describe('longer test sequences', () => {
  // Trained on 10–20 steps: at least half a batch is valid up to length 15.
  const run = (
    norm: 'bn_step' | 'ln',
    seed: number,
    losses: Record<number, number>,
    policies = ['last', 'batch'],
  ): Synthetic => ({
    config: { norm, seed, lengths: { kind: 'uniform', min: 10, max: 20 } },
    lengths: Object.entries(losses).flatMap(([length, value]) =>
      (norm === 'ln' ? ['none'] : policies).map((policy) => ({
        policy,
        length: Number(length),
        value: value * (1 + seed * 0.01),
      })),
    ),
  })
  const TRIVIAL = 1 / 6
  it('measures the skill kept beyond the training length from a length BN’s statistics were well fed at', async () => {
    // At length 20 (the longest trained) BN’s late statistics came from few samples: its loss there is already high.
    const bn = { 10: 0.05, 20: 0.12, 40: 0.15 }
    const ln = { 10: 0.05, 20: 0.05, 40: 0.06 }
    const f = await finding(
      'longerTest',
      [1, 2, 3].flatMap((s) => [run('bn_step', s, bn), run('ln', s, ln)]),
    )
    expect(f.numbers).toMatchObject({ baseline: '10', longer: '40', policy: 'last' })
    expect(f.verdict).toBe('reproduced')
    expect(f.unit).toBe('share')
    const expected = [1, 2, 3].map(
      (s) =>
        skillKept(TRIVIAL, 0.05 * (1 + s * 0.01), 0.06 * (1 + s * 0.01)) -
        skillKept(TRIVIAL, 0.05 * (1 + s * 0.01), 0.15 * (1 + s * 0.01)),
    )
    expect(f.effect!.mean).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 6)
    expect(describeFinding(f, 'en').result).toMatch(
      /^Beyond the longest training length, BN \(policy “last”\) keeps \d+(\.\d+)? % of its skill over predicting a constant .* LN \d+(\.\d+)? % .*: BN keeps \d+(\.\d+)? points less/,
    )
  })
  it('a model at chance keeps no skill, however low its loss started: BN at chance from 1.5× while LN stays far below it is reproduced (the growth of the loss said "not reproduced", ×0.12)', async () => {
    // The preset's study (12 seeds, geometric means over seeds): trained on 10–20, tested to 80.
    const bn = { 10: 0.0165, 20: 0.0549, 30: 0.1233, 40: 0.1556, 80: 0.2221 }
    const ln = { 10: 0.0018, 20: 0.0021, 30: 0.007, 40: 0.019, 80: 0.1973 }
    const f = await finding(
      'longerTest',
      [1, 2, 3].flatMap((s) => [run('bn_step', s, bn), run('ln', s, ln)]),
    )
    expect(f.numbers).toMatchObject({ longer: '30, 40, 80' })
    expect(f.verdict).toBe('reproduced')
    expect(f.effect!.mean).toBeGreaterThan(0.3)
  })
  it('is not applicable when no tested length was well fed (the old finding judged from the starved length 20 and said "not reproduced")', async () => {
    const f = await finding(
      'longerTest',
      [1, 2, 3].flatMap((s) => [run('bn_step', s, { 20: 0.2, 40: 0.21 }), run('ln', s, { 20: 0.05, 40: 0.06 })]),
    )
    expect(f.verdict).toBe('not_applicable')
    // It says which lengths were tested and which would have been well fed.
    expect(describeFinding(f, 'en').result).toMatch(
      /no tested length \(20, 40\) was at most 15, the longest length at least half of every training batch reached/,
    )
  })
  it('not reproduced when both keep the same share of their skill', async () => {
    const f = await finding(
      'longerTest',
      [1, 2, 3].flatMap((s) => [run('bn_step', s, { 10: 0.02, 40: 0.05 }), run('ln', s, { 10: 0.02, 40: 0.05 })]),
    )
    expect(f.verdict).toBe('not_reproduced')
    expect(f.table!.rows.map((r) => r[0])).toEqual(['LN', 'BN · last', 'BN · batch'])
  })
  it('learned before judged: runs at chance at the well-fed length are named, and with none left it is not applicable (it said "not reproduced")', async () => {
    // The adding task's best constant prediction scores 1/6: these runs never got below 0.16.
    const f = await finding(
      'longerTest',
      [1, 2, 3].flatMap((s) => [run('bn_step', s, { 10: 0.165, 40: 0.17 }), run('ln', s, { 10: 0.16, 40: 0.165 })]),
    )
    expect(f.verdict).toBe('not_applicable')
    expect(f.reason).toBe('notLearned')
    expect(f.excluded.every((e) => e.reason === 'atChance')).toBe(true)
    expect(f.excluded).toHaveLength(6)
    expect(describeFinding(f, 'en').result).toMatch(
      /the runs did not learn: their held-out loss \(0\.16\d*–0\.1\d+\) is not below 80 % of the best constant prediction’s \(0\.167\)/,
    )
    // The reason's values travel with the summary, so the CLI and a report fill them in.
    expect(findingSummary(f).reasonValues).toMatchObject({ trivial: '0.167', share: '80' })
    expect(findingLines(findingSummary(f), 'en').join(' ').replace(/\s+/g, ' ')).toMatch(
      /not below 80 % of the best constant prediction’s \(0\.167\)/,
    )
  })
  it('says "more" when BN keeps more of its skill than LN', async () => {
    const f = await finding(
      'longerTest',
      [1, 2, 3].flatMap((s) => [run('bn_step', s, { 10: 0.05, 40: 0.06 }), run('ln', s, { 10: 0.05, 40: 0.15 })]),
    )
    expect(f.verdict).toBe('not_reproduced')
    expect(f.effect!.mean).toBeLessThan(0)
    expect(describeFinding(f, 'en').result).toMatch(/BN keeps \d+(\.\d+)? points more \(/)
    expect(describeFinding(f, 'zh-CN').result).toMatch(/BN 保留得更多 \d+(\.\d+)? 个百分点/)
  })
  it('not applicable without LN runs, naming the preset that answers it', async () => {
    const f = await finding('longerTest', [run('bn_step', 1, { 10: 0.1, 40: 0.5 })])
    expect(f.verdict).toBe('not_applicable')
    expect(describeFinding(f, 'en').result).toBe(
      'Not applicable: it needs per-step BN and LN runs, alike otherwise, evaluated at several lengths. The preset “Test longer than train” runs a study that answers it.',
    )
  })
})

describe('small batches', () => {
  // Equal samples seen: steps × batch size = 640.
  const run = (
    norm: 'bn_step' | 'ln' | 'gn',
    seed: number,
    batchSize: number,
    loss: number,
    steps = 640 / batchSize,
  ): Synthetic => ({ config: { norm, seed, batchSize, steps }, loss })
  const study = (bnSmall: number[], lnSmall: number[], others: ('ln' | 'gn')[] = ['ln']) => [
    ...bnSmall.map((l, i) => run('bn_step', i + 1, 2, l)),
    ...[1, 2, 3].map((s) => run('bn_step', s, 64, 0.1)),
    ...others.flatMap((o) => [
      ...lnSmall.map((l, i) => run(o, i + 1, 2, l)),
      ...[1, 2, 3].map((s) => run(o, s, 64, 0.1)),
    ]),
  ]
  it('reproduced: BN’s loss rises at batch 2, LN’s does not', async () => {
    const f = await finding('smallBatch', study([0.5, 0.52, 0.48], [0.11, 0.1, 0.12]))
    expect(f.verdict).toBe('reproduced')
    expect(f.numbers).toMatchObject({ small: 2, large: 64, other: 'LN', samples: 640 })
    expect(describeFinding(f, 'en').result).toMatch(/Small batches hurt BN more than LN: BN’s change is ×\d/)
    expect(describeFinding(f, 'zh-CN').result).toMatch(/小批量对 BN 的损害比对 LN 更多/)
  })
  it('not reproduced: both rise by the same ratio', async () => {
    expect((await finding('smallBatch', study([0.3, 0.31, 0.29], [0.299, 0.311, 0.29]))).verdict).toBe('not_reproduced')
  })
  it('inconclusive: the difference is within seed noise', async () => {
    expect((await finding('smallBatch', study([0.5, 0.1, 0.2], [0.1, 0.35, 0.1]))).verdict).toBe('inconclusive')
  })
  it('judges BN against LN and against GN, each shown with its verdict; LN decides', async () => {
    const f = await finding('smallBatch', study([0.5, 0.52, 0.48], [0.11, 0.1, 0.12], ['ln', 'gn']))
    expect(f.sets.map((s) => s.label.versus)).toEqual(['LN', 'GN'])
    expect(f.sets.every((s) => s.verdict === 'reproduced')).toBe(true)
    expect(f.effect!.n).toBe(3)
  })
  it('says "less" when BN’s loss falls with the smaller batch (it read "BN’s loss rises ×0.5 as much as LN’s")', async () => {
    const f = await finding('smallBatch', study([0.05, 0.052, 0.048], [0.1, 0.1, 0.1]))
    expect(f.verdict).toBe('not_reproduced')
    expect(describeFinding(f, 'en').result).toMatch(/Small batches hurt BN less than LN: BN’s change is ×0\.5\d* LN’s/)
  })
  it('learned before judged: a largest batch at chance is no reference (batch 64 at 60 steps learned nothing)', async () => {
    const atChance = [
      ...[1, 2, 3].flatMap((s) => [run('bn_step', s, 2, 0.12), run('ln', s, 2, 0.05)]),
      ...[1, 2, 3].flatMap((s) => [run('bn_step', s, 64, 0.17), run('ln', s, 64, 0.168)]),
    ]
    const f = await finding('smallBatch', atChance)
    expect(f.verdict).toBe('not_applicable')
    expect(f.reason).toBe('notLearned')
    expect(f.excluded.filter((e) => e.reason === 'atChance')).toHaveLength(6)
  })
  it('refuses runs that saw different numbers of samples: a small batch would also mean less data', async () => {
    const f = await finding('smallBatch', [
      run('bn_step', 1, 2, 0.5, 100),
      run('bn_step', 1, 64, 0.1, 100),
      run('ln', 1, 2, 0.5, 100),
      run('ln', 1, 64, 0.1, 100),
    ])
    expect(f.verdict).toBe('not_applicable')
    expect(describeFinding(f, 'en').result).toMatch(
      /saw different numbers of samples \(batch 2 × 100 steps, batch 64 × 100 steps\)/,
    )
    expect(f.preset).toBe('batchSize')
  })
})

describe('padding without a mask', () => {
  const N = 8
  const maskCounts = [8, 8, 8, 6, 4, 3, 2, 1]
  /** A large mean and a small spread: mixing in zeros raises the variance while it pulls the mean toward zero. */
  const maskMean = (seed: number) => uniformFeatures(T, C, (t, c) => 2 + 0.1 * c + 0.01 * seed * t)
  const maskVar = uniformFeatures(T, C, () => 0.25)
  const mask = (seed: number): Synthetic => ({
    config: { norm: 'bn_step', batching: 'mask', seed, batchSize: N },
    loss: 0.054,
    stats: [{ term: 'x', count: maskCounts, featureMean: maskMean(seed), featureVar: maskVar }],
  })
  /** What BN computes over all N rows when the padded rows are zeros (x·Wx of a zero input). */
  const pad = (seed: number, counted = true): Synthetic => {
    const m = maskMean(seed)
    const share = (t: number) => (counted ? maskCounts[t]! / N : 1)
    return {
      config: { norm: 'bn_step', batching: 'pad', seed, batchSize: N },
      loss: 0.165,
      stats: [
        {
          term: 'x',
          count: full(N),
          featureMean: uniformFeatures(T, C, (t, c) => share(t) * m[t]![c]!),
          featureVar: uniformFeatures(
            T,
            C,
            (t, c) => share(t) * (0.25 + m[t]![c]! ** 2) - share(t) ** 2 * m[t]![c]! ** 2,
          ),
        },
      ],
    }
  }
  it('reproduced on the bias of the mean toward the padding value, though the variance rises (the old finding measured a variance shrink and said "not reproduced")', async () => {
    const f = await finding(
      'padding',
      [1, 2, 3].flatMap((s) => [mask(s), pad(s)]),
    )
    expect(f.verdict).toBe('reproduced')
    const n = numbers(f)
    // The padded mean is the masked mean times the share of valid samples, exactly.
    expect(n.ratio).toBeCloseTo(n.validShare as number, 3)
    expect(n.validShare).toBeCloseTo((6 / 8 + 4 / 8 + 3 / 8 + 2 / 8) / 4, 3)
    expect(n.varChange as number).toBeGreaterThan(0)
    expect(n.varPredicted).toBeCloseTo(n.varChange as number, 1)
    expect(n.step).toBe(1)
    expect(n.lossRatio).toBeCloseTo(0.165 / 0.054, 2)
  })
  it('with every sequence at full length there is no padding to bias: it says so (it blamed "no per-feature statistics")', async () => {
    const fullMask = (seed: number): Synthetic => ({
      ...mask(seed),
      stats: [{ term: 'x', count: full(N), featureMean: maskMean(seed), featureVar: maskVar }],
    })
    const f = await finding(
      'padding',
      [1, 2, 3].flatMap((s) => [fullMask(s), { ...pad(s, false), stats: fullMask(s).stats }]),
    )
    expect(f.verdict).toBe('not_applicable')
    expect(f.reason).toBe('noPaddedSteps')
    expect(f.excluded.every((e) => e.reason === 'noPaddedSteps')).toBe(true)
    expect(describeFinding(f, 'en').result).toMatch(/no time step of the first batch held padding/)
  })
  it('not reproduced when the padded run’s statistics equal the masked run’s (an A/A comparison)', async () => {
    const f = await finding(
      'padding',
      [1, 2, 3].flatMap((s) => [mask(s), { ...pad(s, false), stats: mask(s).stats }]),
    )
    expect(f.verdict).toBe('not_reproduced')
  })
  it('names a padded run whose seed has no masked run', async () => {
    const f = await finding('padding', [mask(1), pad(1), mask(2), pad(2), pad(4)])
    expect(f.excluded).toEqual([{ runId: expect.any(Number), reason: 'unpairedSeed' }])
    expect(f.effect!.n).toBe(2)
  })
})

describe('all norms side by side', () => {
  const run = (
    norm: 'bn_step' | 'ln' | 'gn',
    seed: number,
    loss: number,
    status: Synthetic['status'] = 'completed',
    batchSize = 32,
  ): Synthetic => ({ config: { norm, seed, batchSize }, loss, status })
  it('compares losses as ratios: LN 15–63× lower in every seed is reproduced (as a difference of losses spanning decades it was "inconclusive")', async () => {
    const bn = [0.9, 0.05, 3.0]
    const ln = [0.02, 0.003, 0.05]
    const f = await finding('allNorms', [
      ...bn.map((l, i) => run('bn_step', i + 1, l)),
      ...ln.map((l, i) => run('ln', i + 1, l)),
    ])
    expect(f.verdict).toBe('reproduced')
    expect(f.unit).toBe('logRatio')
    expect(describeFinding(f, 'en').result).toMatch(
      /^Per-step BN ends at ×3\d\.\d* LN’s held-out loss, higher \(95 % interval ×\d+(\.\d+)? … ×\d+(\.\d+)? over 3 seeds\)/,
    )
  })
  it('judges every comparison set (two batch sizes), none picked silently', async () => {
    const runs = [4, 16].flatMap((b) =>
      [1, 2, 3].flatMap((s) => [
        run('bn_step', s, b === 4 ? 0.5 + s / 100 : 0.2, 'completed', b),
        run('ln', s, 0.1 + s / 1000, 'completed', b),
      ]),
    )
    const f = await finding('allNorms', runs)
    expect(f.sets.map((s) => [s.label, s.verdict])).toEqual([
      [{ batchSize: 4 }, 'reproduced'],
      [{ batchSize: 16 }, 'reproduced'],
    ])
    // The same three seeds at two batch sizes: three units of replication, not six.
    expect(f.effect!.n).toBe(3)
    expect(describeFinding(f, 'en').result).toMatch(
      /Judged in 2 comparison sets: Batch 4: reproduced \(×5\.\d+\); Batch 16: reproduced/,
    )
  })
  it('lists every norm with time per step and divergences; names diverged runs instead of comparing their loss', async () => {
    const ids = await writeRuns(api, [
      run('bn_step', 1, 0.5),
      run('bn_step', 2, 0.52),
      run('bn_step', 3, 0.48, 'diverged'),
      run('ln', 1, 0.1),
      run('ln', 2, 0.11),
      run('ln', 3, 0.09),
      run('gn', 1, 0.2),
    ])
    const f = computeFindings(await gatherStudyData(api, ids)).find((x) => x.id === 'allNorms')!
    expect(f.table!.rows.slice(0, 3).map((r) => [r[0], r[3], r[4]])).toEqual([
      ['bn_step', 10, '1 / 3'],
      ['ln', 10, '0 / 3'],
      ['gn', 10, '0 / 1'],
    ])
    expect(f.excluded).toEqual(
      expect.arrayContaining([
        { runId: ids[2], reason: 'diverged' },
        { runId: ids[5], reason: 'unpairedSeed' },
      ]),
    )
    expect(f.effect!.n).toBe(2)
  })
  it('not reproduced: BN and LN end alike', async () => {
    expect(
      (
        await finding('allNorms', [
          run('bn_step', 1, 0.2),
          run('bn_step', 2, 0.201),
          run('bn_step', 3, 0.199),
          run('ln', 1, 0.2),
          run('ln', 2, 0.2),
          run('ln', 3, 0.2),
        ])
      ).verdict,
    ).toBe('not_reproduced')
  })
  it('without LN runs it asks for them, not for removing confounds (it said "confounded")', async () => {
    const f = await finding('allNorms', [
      { config: { norm: 'bn_step', hidden: 8 } },
      { config: { norm: 'bn_step', hidden: 16 } },
      { config: { norm: 'gn', hidden: 8 } },
    ])
    expect(f.reason).toBe('needBnLn')
    expect(describeFinding(f, 'en').result).toMatch(
      /^Not applicable: it needs per-step BN and LN runs, alike otherwise\./,
    )
  })
  it('says "lower" when BN ends below LN', async () => {
    const f = await finding('allNorms', [
      ...[0.05, 0.051, 0.049].map((l, i) => run('bn_step', i + 1, l)),
      ...[0.1, 0.1, 0.1].map((l, i) => run('ln', i + 1, l)),
    ])
    expect(f.verdict).toBe('not_reproduced')
    expect(describeFinding(f, 'en').result).toMatch(/^Per-step BN ends at ×0\.5 LN’s held-out loss, lower/)
    expect(describeFinding(f, 'zh-CN').result).toMatch(/更低/)
  })
  it('names what confounds a comparison of runs that differ in more than the norm', async () => {
    const f = await finding('allNorms', [
      { config: { norm: 'bn_step', hidden: 8 } },
      { config: { norm: 'ln', hidden: 16 } },
    ])
    expect(f.verdict).toBe('not_applicable')
    expect(describeFinding(f, 'en').result).toMatch(/differ in hidden as well/)
    expect(describeFinding(f, 'zh-CN').result).toMatch(/不适用：逐步 BN 与 LN 运行在 hidden 上也不同/)
  })
})
