// The findings' calibration: many simulated studies, through the same finding code as real
// archives. Where the true effect is zero (A/A: the same settings under two labels), a finding may
// say "reproduced" in at most 5 % of studies; where it is known, it must find it as often as the
// power estimate (stats.ts) predicts, and a clear effect almost always. The figures it prints are
// those in docs/findings.md.
import { describe, expect, it } from 'vitest'
import { FINDINGS, type FindingId, type RunData } from '../../../shared/lab/findings'
import { FIXED_SAMPLE, MIN_LOSS_RATIO, type Judging } from '../../../shared/lab/findings/method/conclude'
import { judgingOf } from '../../../shared/lab/findings/method/sequential'
import { settleDesign } from '../../../shared/lab/settle/settle-study'
import { estimate, power } from '../../../shared/lab/findings/method/stats'
import { judge } from '../../../shared/lab/findings/method/verdict'
import { Normal, runData, simulatedBatches, termRows } from '../../helpers/simulated-study'

type Simulate = (rng: Normal, seeds: number, effect: number) => RunData[]

/** Rate of "reproduced" over `studies` simulated studies. */
function reproducedRate(
  id: FindingId,
  simulate: Simulate,
  seeds: number,
  effect: number,
  studies: number,
  seed: number,
): number {
  const rng = new Normal(seed)
  let hits = 0
  for (let i = 0; i < studies; i++)
    if (FINDINGS[id].evaluate(simulate(rng, seeds, effect)).verdict === 'reproduced') hits++
  return hits / studies
}

const seedsOf = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

// ---- loss-ratio findings: per-seed effects are exactly normal in log space ------------------------

/** allNorms: log loss = seed's own level + norm's + noise σ; BN is e^effect times LN. Per-seed effect sd: σ√2. */
const LOSS_SD = 0.2
const allNorms: Simulate = (rng, n, effect) =>
  seedsOf(n).flatMap((seed) => {
    const level = rng.next(Math.log(0.1), 0.7)
    return [
      runData({ config: { norm: 'bn_step', seed }, loss: Math.exp(level + effect + rng.next(0, LOSS_SD)) }),
      runData({ config: { norm: 'ln', seed }, loss: Math.exp(level + rng.next(0, LOSS_SD)) }),
    ]
  })

/** smallBatch at equal samples: four log losses per seed, each with noise σ; per-seed effect sd 2σ. */
const smallBatch: Simulate = (rng, n, effect) =>
  seedsOf(n).flatMap((seed) => {
    // Learned at the largest batch (the trivial loss of the adding task is 1/6).
    const level = rng.next(Math.log(0.02), 0.5)
    const at = (norm: string, batchSize: number, rise: number) =>
      runData({
        config: { norm, seed, batchSize, steps: 640 / batchSize },
        loss: Math.exp(level + rise + rng.next(0, LOSS_SD / 2)),
      })
    return [at('bn_step', 4, 0.4 + effect), at('bn_step', 64, 0), at('ln', 4, 0.4), at('ln', 64, 0)]
  })

/**
 * longerTest: trained on 10–20, tested at the well-fed length 10 and at 40; each run's loss at 10
 * learned (well below the adding task's trivial 1/6), and the share of its skill it keeps at 40 is
 * LN's 0.5 and BN's 0.5 − effect, each with noise σ_k: the per-seed effect has sd σ_k·√2.
 */
const KEPT_SD = 0.1
const longerTest: Simulate = (rng, n, effect) =>
  seedsOf(n).flatMap((seed) => {
    const trivial = 1 / 6
    const curve = (norm: string, keep: number) => {
      const base = Math.exp(rng.next(Math.log(0.02), 0.3))
      const kept = keep + rng.next(0, KEPT_SD)
      const longer = trivial / Math.exp(kept * Math.log(trivial / base))
      const policy = norm === 'ln' ? 'none' : 'last'
      return runData({
        config: { norm, seed, lengths: { kind: 'uniform', min: 10, max: 20 } },
        lengths: [
          { policy, length: 10, value: base },
          { policy, length: 40, value: longer },
        ],
      })
    }
    return [curve('bn_step', 0.5 - effect), curve('ln', 0.5)]
  })

const LOSS_FINDINGS: { id: FindingId; simulate: Simulate; pairSd: number }[] = [
  { id: 'allNorms', simulate: allNorms, pairSd: LOSS_SD * Math.SQRT2 },
  { id: 'smallBatch', simulate: smallBatch, pairSd: LOSS_SD },
  { id: 'longerTest', simulate: longerTest, pairSd: KEPT_SD * Math.SQRT2 },
]

// ---- statistics findings ----------------------------------------------------------------------

/**
 * perStepDrift from samples, as training records it (simulatedBatches): 6 recorded batches of 8
 * sequences of 10–20 steps, each sample's state autocorrelated across steps (ρ = 0.9, so a batch's
 * chance error is shared by its steps: the structure the independence floor got wrong), step 0
 * constant by construction (h·Wh = 0) while every later step sits at a feature's own level (the
 * step-0 artefact), variable lengths (masked late steps), and a replicate run of seed 1. `effect`:
 * the true drift of the per-step mean across steps 1…, in within-step standard deviations.
 */
const perStepDrift: Simulate = (rng, n, effect) =>
  seedsOf(n).flatMap((seed) => {
    const C = 6
    const lengths = { kind: 'uniform', min: 10, max: 20 } as const
    const level = Array.from({ length: C }, () => rng.next(0, 1))
    const phase = Array.from({ length: C }, () => rng.uniform() * 2 * Math.PI)
    // √2 · sin has a variance of 1 over the steps: the drift is `effect` standard deviations.
    const profile = (t: number, c: number) => level[c]! + effect * Math.SQRT2 * Math.sin(0.6 * t + phase[c]!)
    const run = () =>
      runData({
        config: { norm: 'bn_step', seed, batchSize: 8, lengths },
        terms: {
          h: termRows(simulatedBatches(rng, { batches: 6, batchSize: 8, T: 20, C, rho: 0.9, lengths, profile })),
        },
      })
    return seed === 1 ? [run(), run()] : [run()]
  })

/** lateSteps: the valid counts of every recorded batch (31) of 16 sequences; effect 0: fixed lengths, else a long tail. */
const lateSteps: Simulate = (rng, n, effect) =>
  seedsOf(n).map((seed) => {
    const lengths =
      effect === 0 ? ({ kind: 'fixed', length: 30 } as const) : ({ kind: 'longtail', min: 5, max: 30 } as const)
    const rows = Array.from({ length: 31 }, () => {
      const drawn = Array.from({ length: 16 }, () => rng.length(lengths))
      const T = Math.max(...drawn)
      const count = Array.from({ length: T }, (_, t) => drawn.filter((L) => L > t).length)
      return { count, mean: new Float32Array(T), var: new Float32Array(T).fill(1), columns: 1 }
    })
    return runData({ config: { norm: 'bn_step', seed, batchSize: 16, lengths }, terms: { h: termRows(rows) } })
  })

/**
 * padding at step 1: the masked run's per-feature means (signal-to-noise drawn per feature) and the
 * padded run's. effect 1: zeros mixed in (mean × valid share); 0 (A/A): the same statistics, up to
 * float rounding noise.
 */
const padding: Simulate = (rng, n, effect) => {
  const T = 12
  const C = 8
  const N = 16
  const count = Array.from({ length: T }, (_, t) => Math.max(1, N - t * 2))
  return seedsOf(n).flatMap((seed) => {
    const m = new Float32Array(T * C)
    const v = new Float32Array(T * C)
    for (let i = 0; i < T * C; i++) {
      m[i] = rng.next(0.3, 0.5)
      v[i] = 1
    }
    const pm = new Float32Array(T * C)
    const pv = new Float32Array(T * C)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) {
        const i = t * C + c
        const share = effect === 0 ? 1 : count[t]! / N
        pm[i] = share * m[i]! + rng.next(0, 1e-6)
        pv[i] = share * (v[i]! + m[i]! ** 2) - share ** 2 * m[i]! ** 2
      }
    const rows = (mean: Float32Array, variance: Float32Array, counts: number[]) => ({
      x: termRows([{ count: counts, mean, var: variance, columns: C }]),
    })
    return [
      runData({ config: { norm: 'bn_step', batching: 'mask', seed, batchSize: N }, terms: rows(m, v, count) }),
      runData({
        config: { norm: 'bn_step', batching: 'pad', seed, batchSize: N },
        terms: rows(pm, pv, new Array<number>(T).fill(N)),
      }),
    ]
  })
}

/** An effect 3 seeds find 99 % of the time by the power estimate: clear, for these spreads. */
const clearEffect = (pairSd: number, minEffect: number) => {
  let delta = minEffect
  while (power('reproduced', delta, pairSd, 3, minEffect) < 0.99) delta += 0.05
  return delta
}

const ALL: { id: FindingId; simulate: Simulate; clear: number }[] = [
  ...LOSS_FINDINGS.map((f) => ({ ...f, clear: clearEffect(f.pairSd, FINDINGS[f.id].minEffect) })),
  { id: 'perStepDrift', simulate: perStepDrift, clear: 0.4 },
  { id: 'lateSteps', simulate: lateSteps, clear: 1 },
  { id: 'padding', simulate: padding, clear: 1 },
]

const report: string[] = []
const STUDIES = 1000

describe('the findings are calibrated', () => {
  for (const { id, simulate, clear } of ALL) {
    it(`${id}: no effect (A/A) is called "reproduced" in at most 5 % of studies; a clear one in at least 95 %`, () => {
      const nulls = [3, 5].map((n, k) => reproducedRate(id, simulate, n, 0, STUDIES, 11 + k))
      const found = reproducedRate(id, simulate, 3, clear, STUDIES / 2, 99)
      report.push(
        `${id}: false "reproduced" ${nulls.map((r) => `${(r * 100).toFixed(1)} %`).join(' (3 seeds), ')} (5 seeds); clear effect found ${(found * 100).toFixed(1)} % (3 seeds)`,
      )
      for (const rate of nulls) expect(rate).toBeLessThanOrEqual(0.05)
      expect(found).toBeGreaterThanOrEqual(0.95)
    })
  }

  for (const { id, simulate, pairSd } of LOSS_FINDINGS) {
    it(`${id}: a known effect is found at the rate the power estimate predicts`, () => {
      const { minEffect, unit } = FINDINGS[id]
      // δ where 3 seeds find it about half the time, and the seeds power() says reach 80 %.
      const delta = minEffect + 1.3 * pairSd
      const target = [3, 4, 5, 6, 8, 10].find((n) => power('reproduced', delta, pairSd, n, minEffect) >= 0.8)!
      for (const n of [3, target]) {
        const studies = 1500
        const predicted = power('reproduced', delta, pairSd, n, minEffect)
        const observed = reproducedRate(id, simulate, n, delta, studies, 1000 + n)
        const shown =
          unit === 'logRatio'
            ? `×${Math.exp(delta).toFixed(2)} at sd ${pairSd.toFixed(2)} (log)`
            : `${(delta * 100).toFixed(0)} points at sd ${(pairSd * 100).toFixed(0)}`
        report.push(
          `${id}: effect ${shown}, ${n} seeds: predicted ${(predicted * 100).toFixed(1)} %, found ${(observed * 100).toFixed(1)} %`,
        )
        // Four binomial standard errors of the simulation.
        expect(Math.abs(observed - predicted)).toBeLessThanOrEqual(
          4 * Math.sqrt((predicted * (1 - predicted)) / studies) + 0.005,
        )
      }
      expect(power('reproduced', delta, pairSd, target, minEffect)).toBeGreaterThanOrEqual(0.8)
    })
  }

  // ---- settling in rounds -------------------------------------------------------------------

  /** A study settled in rounds: every seed drawn up front, looked at after each round with the design's level; the verdict it stops at. */
  function settledVerdicts(
    id: FindingId,
    simulate: Simulate,
    effect: number,
    studies: number,
    seed: number,
    judging: Judging,
  ): { rates: Record<string, number>; meanSeeds: number } {
    const rng = new Normal(seed)
    const counts: Record<string, number> = { reproduced: 0, not_reproduced: 0, inconclusive: 0 }
    let seeds = 0
    for (let i = 0; i < studies; i++) {
      const runs = simulate(rng, LOOKS[LOOKS.length - 1]!, effect)
      let verdict = 'inconclusive'
      let used = LOOKS[LOOKS.length - 1]!
      for (const n of LOOKS) {
        const v = FINDINGS[id].evaluate(
          runs.filter((r) => r.run.seed <= n),
          judging,
        ).verdict
        if (v === 'reproduced' || v === 'not_reproduced') {
          verdict = v
          used = n
          break
        }
      }
      counts[verdict]!++
      seeds += used
    }
    return {
      rates: Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c / studies])),
      meanSeeds: seeds / studies,
    }
  }
  const LOOKS = settleDesign(3).looks
  const SEQUENTIAL = judgingOf(settleDesign(3))
  const SETTLED: { id: FindingId; simulate: Simulate; studies: number }[] = [
    ...LOSS_FINDINGS.map((f) => ({ ...f, studies: 1000 })),
    { id: 'perStepDrift', simulate: perStepDrift, studies: 200 },
  ]

  for (const { id, simulate, studies } of SETTLED) {
    it(`${id}: settled in rounds (${LOOKS.join(' → ')} seeds), a null is "reproduced" in at most 5 % of studies, looking after every round`, () => {
      const sequential = settledVerdicts(id, simulate, 0, studies, 500, SEQUENTIAL)
      const naive = settledVerdicts(id, simulate, 0, studies, 500, FIXED_SAMPLE)
      report.push(
        `${id}, settled in rounds, no effect: false "reproduced" ${(sequential.rates.reproduced! * 100).toFixed(1)} % at ${(SEQUENTIAL.level * 100).toFixed(1)} % intervals (${(naive.rates.reproduced! * 100).toFixed(1)} % with 95 % intervals at every look); mean seeds ${sequential.meanSeeds.toFixed(1)}`,
      )
      expect(sequential.rates.reproduced!).toBeLessThanOrEqual(0.05)
    })
  }
  for (const { id, simulate } of LOSS_FINDINGS) {
    it(`${id}: settled in rounds, an effect exactly at the threshold is "not reproduced" in at most 5 % of studies`, () => {
      const atThreshold = settledVerdicts(id, simulate, FINDINGS[id].minEffect, 1000, 700, SEQUENTIAL)
      report.push(
        `${id}, settled in rounds, effect at the threshold: false "not reproduced" ${(atThreshold.rates.not_reproduced! * 100).toFixed(1)} %`,
      )
      expect(atThreshold.rates.not_reproduced!).toBeLessThanOrEqual(0.05)
    })
  }
  it('the power estimate holds at the wider level of a settled study', () => {
    const pairSd = LOSS_SD * Math.SQRT2
    const delta = MIN_LOSS_RATIO + 1.3 * pairSd
    for (const n of [5, 8]) {
      const predicted = power('reproduced', delta, pairSd, n, MIN_LOSS_RATIO, SEQUENTIAL.level)
      const rng = new Normal(2000 + n)
      let hits = 0
      for (let i = 0; i < 1500; i++)
        if (FINDINGS.allNorms.evaluate(allNorms(rng, n, delta), SEQUENTIAL).verdict === 'reproduced') hits++
      const observed = hits / 1500
      report.push(
        `allNorms at ${(SEQUENTIAL.level * 100).toFixed(1)} % intervals, ${n} seeds: predicted ${(predicted * 100).toFixed(1)} %, found ${(observed * 100).toFixed(1)} %`,
      )
      expect(Math.abs(observed - predicted)).toBeLessThanOrEqual(0.05)
    }
  })

  /**
   * Each preset's own claims at the effect and per-seed spread its real study measured (`lab sweep
   * --preset ID --settle` on the 2-core machine, docs/findings.md "The presets"), as per-seed
   * values through the verdict rule at the settled level: how often a settled study decides.
   */
  const PRESET_EFFECTS: { preset: string; id: FindingId; mean: number; sd: number }[] = [
    { preset: 'bnVsLn', id: 'perStepDrift', mean: 0.0175, sd: 0.0044 },
    { preset: 'bnVsLn', id: 'lateSteps', mean: 0.437, sd: 0.0102 },
    { preset: 'batchSize', id: 'smallBatch', mean: 1.707, sd: 0.894 },
    { preset: 'longerTest', id: 'longerTest', mean: 0.29, sd: 0.211 },
    { preset: 'padMaskTruncate', id: 'padding', mean: 1.031, sd: 0.128 },
    { preset: 'allNorms', id: 'allNorms', mean: 2.4, sd: 0.094 },
  ]
  for (const { preset, id, mean, sd } of PRESET_EFFECTS) {
    it(`the ${preset} preset settles ${id} within ${LOOKS[LOOKS.length - 1]} seeds in at least 80 % of studies, at the effect its real study measured`, () => {
      const rng = new Normal(4242)
      const studies = 4000
      let decided = 0
      let seeds = 0
      for (let i = 0; i < studies; i++) {
        const values = Array.from({ length: LOOKS[LOOKS.length - 1]! }, () => rng.next(mean, sd))
        const at = LOOKS.find((n) =>
          ['reproduced', 'not_reproduced'].includes(
            judge(estimate(values.slice(0, n), SEQUENTIAL.level), FINDINGS[id].minEffect),
          ),
        )
        if (at !== undefined) decided++
        seeds += at ?? LOOKS[LOOKS.length - 1]!
      }
      report.push(
        `${preset} (${id}, per seed ${mean} ± ${sd}): decided within ${LOOKS[LOOKS.length - 1]} seeds in ${((decided / studies) * 100).toFixed(1)} % of settled studies, ${(seeds / studies).toFixed(1)} seeds on average`,
      )
      expect(decided / studies).toBeGreaterThanOrEqual(0.8)
    })
  }

  it('prints the figures for docs/findings.md', () => {
    console.log(`calibration (${STUDIES} studies per null):\n${report.join('\n')}`)
    expect(report.length).toBeGreaterThanOrEqual(ALL.length)
  })
})
