// The six claims the lab exists to test, each measured from the archive only. What each computes
// and its verdict rule are in docs/findings.md; the sentences that say it are in messages.ts.
import { POLICIES, type TermName } from '../../kinds'
import { bySeed, comparableSets, configOf, confounds } from './groups'
import { difference, estimate, mean, median } from './stats'
import { heldOutLoss, type RunData, type StudyData, type TermGrid } from './study-data'
import { notApplicable, type Finding } from './types'
import { judge } from './verdict'

const round = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(digits)))
const ids = (runs: readonly RunData[]) => runs.map((r) => r.run.id)

/** The recorded rows a finding reads: the last quarter of training (at least one row), when statistics have settled. */
function lateRows(grid: TermGrid): number[] {
  const n = grid.steps.length
  const from = Math.min(n - 1, Math.floor(n * 0.75))
  return Array.from({ length: n - from }, (_, i) => from + i)
}

/** Valid samples per time step, averaged over the recorded rows (0 where none). */
function averageCounts(grid: TermGrid, rows: readonly number[]): number[] {
  const T = grid.count.reduce((m, r) => Math.max(m, r.length), 0)
  return Array.from({ length: T }, (_, t) => mean(rows.map((i) => grid.count[i]?.[t] ?? 0)))
}

// ---- 1. per-step distributions differ ---------------------------------------------------------

/**
 * How far a term's batch mean moves across time steps, in units of its within-step standard
 * deviation: sd over t of mean[t] / √(mean over t of var[t]), at time steps with at least half
 * the batch valid (so late steps' few-sample noise does not pose as drift).
 */
export function stepDrift(grid: TermGrid, batchSize: number): number | null {
  const values: number[] = []
  for (const i of lateRows(grid)) {
    const means: number[] = []
    const vars: number[] = []
    grid.mean[i]!.forEach((m, t) => {
      const count = grid.count[i]?.[t] ?? 0
      const v = grid.var[i]?.[t]
      if (m !== null && v !== null && v !== undefined && count >= Math.max(2, Math.ceil(batchSize / 2))) {
        means.push(m)
        vars.push(v)
      }
    })
    if (means.length < 2) continue
    const spread = estimate(means).sd!
    const within = Math.sqrt(mean(vars))
    if (within > 0) values.push(spread / within)
  }
  return values.length > 0 ? mean(values) : null
}

export function perStepDrift(data: StudyData): Finding {
  const withStats = data.runs.filter((r) => r.terms.h)
  if (withStats.length === 0) return notApplicable('perStepDrift', 'noStats', 'bnVsLn')
  // The claim concerns what per-step BN normalizes: judge on BN runs when there are any.
  const judged = withStats.some((r) => r.run.norm === 'bn_step') ? withStats.filter((r) => r.run.norm === 'bn_step') : withStats
  const drift = (term: TermName) => (r: RunData) => (r.terms[term] ? stepDrift(r.terms[term]!, r.run.batchSize) : null)
  const effect = estimate([...bySeed(judged, drift('h')).values()])
  const MIN = 0.1
  const norms = [...new Set(withStats.map((r) => r.run.norm))]
  const rows = norms.map((norm) => {
    const runs = withStats.filter((r) => r.run.norm === norm)
    const h = estimate(runs.map(drift('h')).filter((v): v is number => v !== null))
    const c = estimate(runs.map(drift('c')).filter((v): v is number => v !== null))
    return [norm, round(h.mean, 3), round(h.sd, 2), c.n > 0 ? round(c.mean, 3) : null, runs.length]
  })
  return {
    id: 'perStepDrift',
    verdict: judge(effect, MIN),
    effect,
    minEffect: MIN,
    numbers: { drift: round(effect.mean, 3), low: round(effect.low, 3), high: round(effect.high, 3), seeds: effect.n, norm: judged[0]!.run.norm },
    table: { columns: ['norm', 'driftH', 'sd', 'driftC', 'runs'], rows },
    charts: ['profiles', 'heatmap'],
    runIds: ids(withStats),
    missing: null,
  }
}

// ---- 2. late steps have few valid samples ----------------------------------------------------

interface LateStepNumbers {
  firstFew: number | null
  shareBelow4: number
  inflation: number | null
}

/** Per BN run: the first time step with ≤ 2 samples, the share of steps under 4, and the population variance there against the well-fed steps. */
export function lateStepNumbers(run: RunData): LateStepNumbers | null {
  const grid = run.terms.h ?? run.terms.x
  if (!grid) return null
  const counts = averageCounts(grid, lateRows(grid))
  const valid = counts.map((c, t) => (c > 0 ? t : -1)).filter((t) => t >= 0)
  if (valid.length === 0) return null
  const firstFew = valid.find((t) => counts[t]! <= 2) ?? null
  const few = valid.filter((t) => counts[t]! < 4)
  const many = valid.filter((t) => counts[t]! >= run.run.batchSize / 2)
  let inflation: number | null = null
  const pop = run.population?.records.find((r) => r.term === 'h') ?? run.population?.records[0]
  if (pop && few.length > 0 && many.length > 0) {
    const rowVar = (t: number) => mean((pop.var[t] ?? []).filter((v): v is number => v !== null))
    const a = mean(few.filter((t) => t < pop.var.length).map(rowVar))
    const b = mean(many.filter((t) => t < pop.var.length).map(rowVar))
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) inflation = a / b
  }
  return { firstFew, shareBelow4: few.length / valid.length, inflation }
}

export function lateSteps(data: StudyData): Finding {
  const bn = data.runs.filter((r) => r.run.norm === 'bn_step' && (r.terms.h || r.terms.x))
  if (bn.length === 0) return notApplicable('lateSteps', 'noBnStats', 'bnVsLn')
  const numbers = new Map(bn.map((r) => [r, lateStepNumbers(r)]))
  const effect = estimate([...bySeed(bn, (r) => numbers.get(r)?.shareBelow4 ?? null).values()])
  const MIN = 0.05
  const firstFew = bn.map((r) => numbers.get(r)?.firstFew).filter((v): v is number => v !== null && v !== undefined)
  const inflation = bn.map((r) => numbers.get(r)?.inflation).filter((v): v is number => v !== null && v !== undefined)
  // LN's statistics: every feature at every step.
  const ln = data.runs.filter((r) => r.run.norm === 'ln' && r.terms.h)
  const lnCounts = ln.flatMap((r) => r.terms.h!.normCount.flat().filter((v): v is number => v !== null && v > 0))
  const rows = bn.map((r) => {
    const n = numbers.get(r)
    return [r.run.id, r.run.seed, n?.firstFew ?? null, round(n?.shareBelow4, 3), round(n?.inflation, 3)]
  })
  return {
    id: 'lateSteps',
    verdict: judge(effect, MIN),
    effect,
    minEffect: MIN,
    numbers: {
      firstFew: firstFew.length > 0 ? Math.min(...firstFew) : null,
      share: round(effect.mean * 100, 3),
      inflation: inflation.length > 0 ? round(mean(inflation), 3) : null,
      lnValues: lnCounts.length === 0 ? null : Math.min(...lnCounts) === Math.max(...lnCounts) ? String(lnCounts[0]) : `${Math.min(...lnCounts)}–${Math.max(...lnCounts)}`,
      seeds: effect.n,
    },
    table: { columns: ['run', 'seed', 'firstFew', 'shareBelow4', 'inflation'], rows },
    charts: ['profiles', 'population'],
    runIds: ids([...bn, ...ln]),
    missing: null,
  }
}

// ---- 3. test sequences longer than any training one ---------------------------------------------

function lengthMetric(run: RunData, policy: string, length: number): number | null {
  let best: { step: number; value: number } | null = null
  for (const e of run.evaluations) if (e.metric === 'loss' && e.policy === policy && e.length === length && (!best || e.step > best.step)) best = { step: e.step, value: e.value }
  return best?.value ?? null
}

export function longerTest(data: StudyData): Finding {
  const evaluated = data.runs.filter((r) => r.evaluations.length > 0 && (r.run.norm === 'bn_step' || r.run.norm === 'ln'))
  const set = comparableSets(evaluated, ['norm']).find((s) => s.some((r) => r.run.norm === 'bn_step') && s.some((r) => r.run.norm === 'ln'))
  if (!set) return notApplicable('longerTest', 'needBnLnEvaluated', 'longerTest')
  const bn = set.filter((r) => r.run.norm === 'bn_step')
  const ln = set.filter((r) => r.run.norm === 'ln')
  const lengths = [...new Set(set.flatMap((r) => r.evaluations.map((e) => e.length)))].sort((a, b) => a - b)
  const trained = lengths[0]!
  const longest = lengths[lengths.length - 1]!
  if (longest === trained) return notApplicable('longerTest', 'trainedLengthOnly', 'longerTest')
  const growth = (policy: string) => (r: RunData) => {
    const a = lengthMetric(r, policy, trained)
    const b = lengthMetric(r, policy, longest)
    return a === null || b === null ? null : b - a
  }
  const lnGrowth = bySeed(ln, growth('none'))
  // The scale of "a loss at the trained length": the larger of BN's and LN's, per seed.
  const bnAtTrained = bySeed(bn, (r) => lengthMetric(r, 'last', trained) ?? lengthMetric(r, r.evaluations[0]!.policy, trained))
  const lnAtTrained = bySeed(ln, (r) => lengthMetric(r, 'none', trained))
  const scale = mean([...bnAtTrained].map(([seed, v]) => Math.max(v, lnAtTrained.get(seed) ?? v)))
  const MIN = 0.1 * Math.max(scale, 1e-6)
  const policies = POLICIES.filter((p) => bn.some((r) => r.evaluations.some((e) => e.policy === p)))
  const results = policies.map((policy) => {
    const excess = difference(bySeed(bn, growth(policy)), lnGrowth)
    return { policy, excess, verdict: judge(excess, MIN) }
  })
  const headline = results.find((r) => r.policy === 'last') ?? results[0]
  if (!headline) return notApplicable('longerTest', 'bnNoLongEval', 'longerTest')
  const at = (runs: RunData[], policy: string, length: number) => round(mean(runs.map((r) => lengthMetric(r, policy, length)).filter((v): v is number => v !== null)))
  return {
    id: 'longerTest',
    verdict: headline.verdict,
    effect: headline.excess,
    minEffect: MIN,
    numbers: {
      policy: headline.policy,
      trained,
      longest,
      bnAt1: at(bn, headline.policy, trained),
      bnAtLongest: at(bn, headline.policy, longest),
      lnAt1: at(ln, 'none', trained),
      lnAtLongest: at(ln, 'none', longest),
      excess: round(headline.excess.mean),
      low: round(headline.excess.low),
      high: round(headline.excess.high),
      seeds: headline.excess.n,
    },
    table: {
      columns: ['policy', 'at1', 'atLongest', 'growth', 'excess', 'interval', 'verdict'],
      rows: [
        ['LN', at(ln, 'none', trained), at(ln, 'none', longest), round(mean([...lnGrowth.values()])), null, null, null],
        ...results.map((r) => [
          `BN · ${r.policy}`,
          at(bn, r.policy, trained),
          at(bn, r.policy, longest),
          round(mean([...bySeed(bn, growth(r.policy)).values()])),
          round(r.excess.mean),
          r.excess.low === null ? null : `${round(r.excess.low)} … ${round(r.excess.high)}`,
          r.verdict,
        ]),
      ],
    },
    charts: ['lengths'],
    runIds: ids(set),
    missing: null,
  }
}

// ---- 4. small batches -------------------------------------------------------------------------

export function smallBatch(data: StudyData): Finding {
  const candidates = data.runs.filter((r) => ['bn_step', 'ln', 'gn'].includes(r.run.norm))
  const set = comparableSets(candidates, ['norm', 'batchSize', 'steps']).find((s) => {
    const bnSizes = new Set(s.filter((r) => r.run.norm === 'bn_step').map((r) => r.run.batchSize))
    return bnSizes.size >= 2 && s.some((r) => r.run.norm !== 'bn_step')
  })
  if (!set) return notApplicable('smallBatch', 'needBatchSizes', 'batchSize')
  // Equal samples seen: a small batch at equal steps also sees fewer samples, which hurts every norm.
  const samples = new Set(set.map((r) => configOf(r).steps * r.run.batchSize))
  if (samples.size > 1) {
    const seen = set.map((r) => `batch ${r.run.batchSize} × ${configOf(r).steps} steps`).filter((v, i, a) => a.indexOf(v) === i)
    return notApplicable('smallBatch', 'unequalSamples', 'batchSize', { seen: seen.join(', ') })
  }
  const sizes = [...new Set(set.map((r) => r.run.batchSize))].sort((a, b) => a - b)
  const small = sizes[0]!
  const large = sizes[sizes.length - 1]!
  const other = set.some((r) => r.run.norm === 'ln' && (r.run.batchSize === small || r.run.batchSize === large)) ? 'ln' : 'gn'
  const rise = (norm: string) => {
    const at = (size: number) => bySeed(set.filter((r) => r.run.norm === norm && r.run.batchSize === size), heldOutLoss)
    const a = at(small)
    const b = at(large)
    return new Map([...a].filter(([seed]) => b.has(seed)).map(([seed, v]) => [seed, v - b.get(seed)!]))
  }
  const effect = difference(rise('bn_step'), rise(other))
  const scale = mean([...bySeed(set.filter((r) => r.run.batchSize === large), heldOutLoss).values()])
  const MIN = 0.1 * Math.max(scale, 1e-6)
  const norms = [...new Set(set.map((r) => r.run.norm))]
  const at = (norm: string, size: number) => round(mean(set.filter((r) => r.run.norm === norm && r.run.batchSize === size).map(heldOutLoss).filter((v): v is number => v !== null)))
  return {
    id: 'smallBatch',
    verdict: judge(effect, MIN),
    effect,
    minEffect: MIN,
    numbers: {
      small,
      large,
      other,
      bnSmall: at('bn_step', small),
      bnLarge: at('bn_step', large),
      otherSmall: at(other, small),
      otherLarge: at(other, large),
      excess: round(effect.mean),
      low: round(effect.low),
      high: round(effect.high),
      samples: [...samples][0]!,
      seeds: effect.n,
    },
    table: {
      columns: ['norm', ...sizes.map((s) => `batch ${s}`), 'rise', 'ratio'],
      rows: norms.map((norm) => {
        const a = at(norm, small)
        const b = at(norm, large)
        return [norm, ...sizes.map((s) => at(norm, s)), a !== null && b !== null ? round(a - b) : null, a !== null && b ? round(a / b, 3) : null]
      }),
    },
    charts: ['batchSweep', 'curves'],
    runIds: ids(set),
    missing: null,
  }
}

// ---- 5. padding without a mask ------------------------------------------------------------------

/** Mean over the late time steps (where the masked run had padding) of a term's statistic, at the recorded steps both runs share. */
function lateStatistic(run: RunData, reference: RunData, field: 'mean' | 'var'): number | null {
  const grid = run.terms.x
  const ref = reference.terms.x
  if (!grid || !ref) return null
  const values: number[] = []
  ref.steps.forEach((step, i) => {
    const j = grid.steps.indexOf(step)
    if (j < 0) return
    ref.count[i]!.forEach((count, t) => {
      if (count === null || count === 0 || count >= reference.run.batchSize) return
      const v = grid[field][j]?.[t]
      if (v !== null && v !== undefined) values.push(field === 'mean' ? Math.abs(v) : v)
    })
  })
  return values.length > 0 ? mean(values) : null
}

export function padding(data: StudyData): Finding {
  const bn = data.runs.filter((r) => r.run.norm === 'bn_step')
  const set = comparableSets(bn, ['batching']).find((s) => s.some((r) => configOf(r).batching === 'mask') && s.some((r) => configOf(r).batching === 'pad'))
  if (!set) return notApplicable('padding', 'needMaskPad', 'padMaskTruncate')
  const of = (batching: string) => set.filter((r) => configOf(r).batching === batching)
  const mask = new Map(of('mask').map((r) => [r.run.seed, r]))
  const shrink = new Map<number, number>()
  const meanShift = new Map<number, number>()
  for (const pad of of('pad')) {
    const ref = mask.get(pad.run.seed)
    if (!ref) continue
    const vp = lateStatistic(pad, ref, 'var')
    const vm = lateStatistic(ref, ref, 'var')
    if (vp !== null && vm !== null && vm > 0) shrink.set(pad.run.seed, 1 - vp / vm)
    const mp = lateStatistic(pad, ref, 'mean')
    const mm = lateStatistic(ref, ref, 'mean')
    if (mp !== null && mm !== null && mm > 0) meanShift.set(pad.run.seed, mp / mm)
  }
  const effect = estimate([...shrink.values()])
  const MIN = 0.1
  // Truncation: the share of valid tokens the truncated batches dropped (same seed: same batches).
  const dropped = of('truncate')
    .map((trunc) => {
      const ref = mask.get(trunc.run.seed)
      const grid = trunc.terms.x
      if (!ref?.terms.x || !grid) return null
      const shares = ref.terms.x.steps
        .map((step, i) => {
          const j = grid.steps.indexOf(step)
          if (j < 0) return null
          const kept = grid.count[j]!.reduce<number>((a, c) => a + (c ?? 0), 0)
          const all = ref.terms.x!.count[i]!.reduce<number>((a, c) => a + (c ?? 0), 0)
          return all > 0 ? 1 - kept / all : null
        })
        .filter((v): v is number => v !== null)
      return shares.length > 0 ? mean(shares) : null
    })
    .filter((v): v is number => v !== null)
  const metricOf = (batching: string) => round(mean(of(batching).map(heldOutLoss).filter((v): v is number => v !== null)))
  return {
    id: 'padding',
    verdict: judge(effect, MIN),
    effect,
    minEffect: MIN,
    numbers: {
      shrink: round(effect.mean * 100, 3),
      low: round(effect.low === null ? null : effect.low * 100, 3),
      high: round(effect.high === null ? null : effect.high * 100, 3),
      meanRatio: meanShift.size > 0 ? round(mean([...meanShift.values()]), 3) : null,
      dropped: dropped.length > 0 ? round(mean(dropped) * 100, 3) : null,
      maskLoss: metricOf('mask'),
      padLoss: metricOf('pad'),
      truncateLoss: of('truncate').length > 0 ? metricOf('truncate') : null,
      seeds: effect.n,
    },
    table: {
      columns: ['batching', 'heldOutLoss', 'runs'],
      rows: ['mask', 'pad', 'truncate', 'bucket'].filter((b) => of(b).length > 0).map((b) => [b, metricOf(b), of(b).length]),
    },
    charts: ['profiles', 'curves'],
    runIds: ids(set),
    missing: null,
  }
}

// ---- 6. all norms side by side ---------------------------------------------------------------

export function allNorms(data: StudyData): Finding {
  if (data.runs.length === 0) return notApplicable('allNorms', 'noRuns', 'allNorms')
  const norms = [...new Set(data.runs.map((r) => r.run.norm))]
  const best = (r: RunData) => {
    const s = r.metrics['eval/loss'] ?? r.metrics.loss
    return s && s.values.length > 0 ? s.values.reduce((m, v) => Math.min(m, v), Infinity) : null
  }
  const rows = norms.map((norm) => {
    const runs = data.runs.filter((r) => r.run.norm === norm)
    const final = estimate(runs.map(heldOutLoss).filter((v): v is number => v !== null))
    const bestLoss = estimate(runs.map(best).filter((v): v is number => v !== null))
    const ms = median(runs.flatMap((r) => r.metrics.step_ms?.values ?? []))
    const diverged = runs.filter((r) => r.run.status === 'diverged').length
    return [norm, round(final.mean), round(final.sd, 2), round(bestLoss.mean), round(ms, 3), `${diverged} / ${runs.length}`]
  })
  const table = { columns: ['norm', 'final', 'sd', 'best', 'msPerStep', 'diverged'], rows }
  const set = comparableSets(data.runs, ['norm']).find((s) => s.some((r) => r.run.norm === 'bn_step') && s.some((r) => r.run.norm === 'ln'))
  if (!set) {
    const conf = confounds(data.runs, ['norm'])
    return { ...notApplicable('allNorms', conf.length > 0 ? 'confounded' : 'needBnLn', 'allNorms', { settings: conf.join(', ') }), table, charts: ['normsTable', 'curves'], runIds: ids(data.runs) }
  }
  // Positive: LN ends lower than per-step BN.
  const effect = difference(bySeed(set.filter((r) => r.run.norm === 'bn_step'), heldOutLoss), bySeed(set.filter((r) => r.run.norm === 'ln'), heldOutLoss))
  const scale = mean(set.map(heldOutLoss).filter((v): v is number => v !== null))
  const MIN = 0.05 * Math.max(scale, 1e-6)
  return {
    id: 'allNorms',
    verdict: judge(effect, MIN),
    effect,
    minEffect: MIN,
    numbers: { difference: round(effect.mean), low: round(effect.low), high: round(effect.high), seeds: effect.n, norms: norms.length },
    table,
    charts: ['normsTable', 'curves'],
    runIds: ids(data.runs),
    missing: null,
  }
}

/** Every finding, in the order a report shows them. */
export function computeFindings(data: StudyData): Finding[] {
  return [perStepDrift(data), lateSteps(data), longerTest(data), smallBatch(data), padding(data), allNorms(data)]
}
