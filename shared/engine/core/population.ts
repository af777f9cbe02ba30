// Population (running) statistics per normalizer term and time step, PyTorch's convention:
// momentum 0.1, start at mean 0 / var 1; the mean of step t moves when t had at least one valid
// sample, the variance (unbiased, n/(n-1)) only when it had at least two. A norm that does not
// center keeps a mean square instead of a variance: no mean was estimated from the same samples,
// so it is unbiased as it is and one sample is enough. The update is the normalization's
// formulas (popMean, popVariance, unbias in shared/kinds/norms/normalization.ts). Kept as tensors so
// training never waits on a readback; `seen[t]` counts the updates of step t on the CPU side.
import { evaluate } from '../../kinds/formulas'
import { normFormulas } from '../../kinds/norms/normalization'
import { evaluateTf } from './formula-ops'
import type { Moments } from './moments'
import type { Policy, TermName } from './spec'
import { tf, variableFrom, type Tensor2D } from './tf'

export interface TermPopulation {
  mean: tf.Variable
  variance: tf.Variable
  seen: number[]
}

export class PopulationError extends Error {}

/** One batch's statistics of a term per time step (rows [T, C]) and the valid samples behind each row. */
export interface PopulationUpdate {
  term: TermName
  moments: Moments
  counts: number[]
}

export class Population {
  readonly terms = new Map<TermName, TermPopulation>()

  constructor(readonly momentum = 0.1) {}

  private ensure(term: TermName, steps: number, features: number): TermPopulation {
    let pop = this.terms.get(term)
    if (!pop) {
      pop = {
        mean: variableFrom(tf.zeros([steps, features]), false),
        variance: variableFrom(tf.ones([steps, features]), false),
        seen: new Array<number>(steps).fill(0),
      }
      this.terms.set(term, pop)
    } else if (pop.seen.length < steps) {
      // A longer batch than any before: grow with fresh rows (mean 0, var 1).
      const extra = steps - pop.seen.length
      const grow = (v: tf.Variable, fill: number) => {
        const grown = tf.tidy(() => tf.concat([v, tf.fill([extra, features], fill)], 0))
        v.dispose()
        return variableFrom(grown, false)
      }
      pop.mean = grow(pop.mean, 0)
      pop.variance = grow(pop.variance, 1)
      pop.seen.push(...new Array<number>(extra).fill(0))
    }
    return pop
  }

  /**
   * Folds one batch's statistics (rows per time step, [T, C]) into the running ones; `centered`
   * false: the variances are mean squares (no Bessel correction, one sample suffices).
   */
  update(term: TermName, batch: Moments, counts: readonly number[], centered = true): void {
    const [steps, features] = batch.mean.shape as [number, number]
    const pop = this.ensure(term, steps, features)
    const total = pop.seen.length
    const pad = (values: number[]) => [...values, ...new Array<number>(total - steps).fill(0)]
    const meanRate = pad(counts.map((n) => (n >= 1 ? this.momentum : 0)))
    const least = centered ? 2 : 1
    const varRate = pad(counts.map((n) => (n >= least ? this.momentum : 0)))
    const f = normFormulas(centered)
    const unbias = pad(counts.map((n) => (n < least ? 0 : evaluate(f.unbias, () => n))))
    tf.tidy(() => {
      const padRows = (t: tf.Tensor) => (total > steps ? tf.concat([t, tf.zeros([total - steps, features])], 0) : t)
      const column = (v: number[]) => tf.tensor2d(v, [total, 1])
      const values = (env: Record<string, tf.Tensor>) => (name: string) => env[name]!
      const mean = evaluateTf(
        f.popMean,
        values({ 'pop.mean': pop.mean, rate: column(meanRate), mean: padRows(batch.mean) }),
      )
      const variance = evaluateTf(
        f.popVariance,
        values({
          'pop.variance': pop.variance,
          rate: column(varRate),
          unbias: column(unbias),
          variance: padRows(batch.variance),
        }),
      )
      pop.mean.assign(mean)
      pop.variance.assign(variance)
    })
    counts.forEach((n, t) => {
      if (n >= 1) pop.seen[t]!++
    })
  }

  /** The last time step with population statistics, or -1 when none. */
  lastSeen(term: TermName): number {
    const seen = this.terms.get(term)?.seen ?? []
    for (let t = seen.length - 1; t >= 0; t--) if (seen[t]! > 0) return t
    return -1
  }

  /**
   * Statistics for time steps 0..T-1 at evaluation. Steps past the last trained one follow the
   * policy: `last` repeats the last trained step (Cooijmans), `global` averages the trained steps,
   * `batch` returns only the trained rows (the caller uses the batch's own statistics past them),
   * `error` refuses.
   */
  rows(term: TermName, T: number, policy: Policy): Moments {
    const pop = this.terms.get(term)
    const last = this.lastSeen(term)
    if (!pop || last < 0)
      throw new PopulationError(`BN has no population statistics for the ${term} term yet: train before evaluating`)
    const past = Math.max(0, T - (last + 1))
    if (past > 0 && policy === 'error') {
      throw new PopulationError(
        `BN has population statistics for time steps 0–${last} only, but this sequence has ${T} steps. ` +
          'Pick the policy "last", "global" or "batch" to evaluate longer sequences.',
      )
    }
    const within = Math.min(T, last + 1)
    const head = (v: tf.Variable) => tf.slice(v, [0, 0], [within, -1]) as Tensor2D
    if (past === 0 || policy === 'batch') return { mean: head(pop.mean), variance: head(pop.variance) }
    const tail = (v: tf.Variable) => {
      const row =
        policy === 'last'
          ? tf.slice(v, [last, 0], [1, -1])
          : tf.div(
              tf.sum(tf.mul(tf.slice(v, [0, 0], [last + 1, -1]), seenMask(pop.seen, last)), 0, true),
              pop.seen.slice(0, last + 1).filter((s) => s > 0).length,
            )
      return tf.concat([head(v), tf.tile(row, [past, 1])], 0) as Tensor2D
    }
    return { mean: tail(pop.mean), variance: tail(pop.variance) }
  }

  /** The running statistics read back, rows [T, C] flat, for the archive. */
  async snapshot(): Promise<
    { term: TermName; features: number; mean: Float32Array; variance: Float32Array; seen: number[] }[]
  > {
    const out = []
    for (const [term, pop] of this.terms) {
      const [mean, variance] = (await Promise.all([pop.mean.data(), pop.variance.data()])) as [
        Float32Array,
        Float32Array,
      ]
      out.push({ term, features: pop.mean.shape[1]!, mean, variance, seen: [...pop.seen] })
    }
    return out
  }

  dispose(): void {
    for (const pop of this.terms.values()) {
      pop.mean.dispose()
      pop.variance.dispose()
    }
    this.terms.clear()
  }
}

function seenMask(seen: readonly number[], last: number): tf.Tensor {
  return tf.tensor2d(
    seen.slice(0, last + 1).map((s) => (s > 0 ? 1 : 0)),
    [last + 1, 1],
  )
}

/** One term's running statistics as read back or restored: rows [T, C] flat and each step's update count. */
export interface PopulationState {
  term: TermName
  features: number
  mean: Float32Array
  variance: Float32Array
  seen: number[]
}

/** Puts running statistics back (a resumed run's), replacing whatever this population held. */
export function restorePopulation(population: Population, states: readonly PopulationState[]): void {
  population.dispose()
  for (const s of states) {
    const rows = s.seen.length
    population.terms.set(s.term, {
      mean: variableFrom(tf.tensor2d(s.mean, [rows, s.features]), false),
      variance: variableFrom(tf.tensor2d(s.variance, [rows, s.features]), false),
      seen: [...s.seen],
    })
  }
}
