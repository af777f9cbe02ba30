// The step-by-step reference's normalizer, for every norm, read off its definition
// (shared/kinds/norms) and written with plain tfjs ops — tfjs differentiates it, so the hand-
// written backward of the kernels is checked against an independent gradient:
//   batch-step      each step's valid samples, weighted w = mask / count; population rows per step
//   batch-sequence  every valid (sample, step) of the input term at once; one population row
//   features        each sample's own features, in groups
//   sample-sequence each sample's own valid steps of the input term, per feature (InstanceNorm)
// x̂ = (x − μ)/√(σ² + ε) (μ = 0 for a norm that does not center: σ² is then the mean square),
// y = γ·x̂ + β. At evaluation, batch norms use population statistics; past the trained length the
// policy decides (core/population.ts): "batch" falls back to the test batch's own statistics.
import { normalizedTerms, normDefinition, type CellKind, type NormKind, type Policy, type TermName } from '../../kinds'
import type { Affine, Moments, RowWeights } from '../core/moments'
import type { Population } from '../core/population'
import { tf, type Tensor, type Tensor2D } from '../core/tf'

/** What a normalizer knows about the batch of one forward pass. */
export interface BatchLayout {
  N: number
  T: number
  lengths: readonly number[]
  /** Valid samples per time step. */
  counts: readonly number[]
  /** w = mask / count per time step (null where no sample is valid). */
  weights: readonly (RowWeights | null)[]
}

export interface PassContext {
  mode: 'train' | 'eval'
  batch: BatchLayout
  /** γ/β of a term (only for terms the norm normalizes). */
  affine(term: TermName): Affine
  population: Population
  /** Past the trained length at evaluation (per-step BN). */
  policy: Policy
  eps: number
  groups: number
}

/** Batch statistics to fold into the population: rows [R, C] and the valid samples behind each row. */
import type { PopulationUpdate } from '../core/population'
export type { PopulationUpdate }

export interface NormPass {
  /** Normalizes term `term` at time step t. */
  apply(term: TermName, v: Tensor2D, t: number): Tensor
  /** Train mode: the statistics for the population update (kept tensors; the caller disposes them). */
  populationUpdates(): PopulationUpdate[]
}

/** Weighted moments over the rows of v [R, C] (w sums to 1 over the valid rows); uncentered: mean 0, the mean square. */
export function weightedMoments(v: Tensor2D, w: Tensor2D, center = true): Moments {
  const mean = center ? tf.matMul(w, v) : tf.zeros([1, v.shape[1]])
  const variance = tf.matMul(w, tf.square(tf.sub(v, mean)) as Tensor2D)
  return { mean, variance }
}

/** (v − mean)·γ/√(var + eps) + β. */
export function normalizeWith(v: Tensor, m: Moments, p: Affine, eps: number): Tensor {
  return tf.add(tf.mul(tf.sub(v, m.mean), tf.mul(p.gamma, tf.rsqrt(tf.add(m.variance, eps)))), p.beta)
}

/** Stacks per-step rows [1, C] into [T, C], with zero rows at steps that have none. */
export function stackRows(rows: readonly (Moments | undefined)[], T: number, features: number): Moments {
  const filled = Array.from(
    { length: T },
    (_, t) => rows[t] ?? { mean: tf.zeros([1, features]), variance: tf.zeros([1, features]) },
  )
  return {
    mean: tf.concat(
      filled.map((m) => m.mean),
      0,
    ),
    variance: tf.concat(
      filled.map((m) => m.variance),
      0,
    ),
  }
}

/** Each row of v over `groups` contiguous groups of its features. */
function featureNorm(v: Tensor2D, groups: number, center: boolean, p: Affine, eps: number): Tensor {
  const [R, C] = v.shape
  if (C % groups !== 0) throw new Error(`GroupNorm needs the features (${C}) to divide into ${groups} groups`)
  const g = groups === 1 ? v : tf.reshape(v, [R * groups, C / groups])
  const centered = center ? tf.sub(g, tf.mean(g, -1, true)) : g
  const xhat = tf.mul(centered, tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), eps)))
  return tf.add(tf.mul(groups === 1 ? xhat : tf.reshape(xhat, [R, C]), p.gamma), p.beta)
}

/**
 * Starts a pass of `norm` over a batch. `inputs` are the input term's pre-activations x_t·Wx of
 * every time step (null where no sample is valid): sequence-wise statistics need all of them first.
 */
export function beginNormPass(
  norm: NormKind,
  cell: CellKind,
  ctx: PassContext,
  inputs: readonly (Tensor2D | null)[],
): NormPass {
  const def = normDefinition(norm)
  const normalized = new Set(normalizedTerms(norm, cell))
  const { batch, eps } = ctx
  const train = ctx.mode === 'train'
  const identity = (term: TermName) => !normalized.has(term)
  switch (def.over) {
    case 'none':
      return { apply: (_term, v) => v, populationUpdates: () => [] }
    case 'features': {
      const groups = def.grouped ? ctx.groups : 1
      return {
        apply: (term, v) => (identity(term) ? v : featureNorm(v, groups, def.center, ctx.affine(term), eps)),
        populationUpdates: () => [],
      }
    }
    case 'batch-sequence': {
      const valid = inputs.map((v, t) => (v && batch.counts[t]! > 0 ? t : -1)).filter((t) => t >= 0)
      const total = valid.reduce((a, t) => a + batch.counts[t]!, 0)
      let stats: Moments
      if (train) {
        const w = new Float32Array(valid.length * batch.N)
        valid.forEach((t, i) => batch.lengths.forEach((length, n) => (w[i * batch.N + n] = t < length ? 1 / total : 0)))
        stats = weightedMoments(
          tf.concat(
            valid.map((t) => inputs[t]!),
            0,
          ) as Tensor2D,
          tf.tensor2d(w, [1, w.length]),
          def.center,
        )
      } else stats = ctx.population.rows('x', 1, 'last')
      return {
        apply: (term, v) => (identity(term) ? v : normalizeWith(v, stats, ctx.affine(term), eps)),
        populationUpdates: () =>
          train && normalized.has('x') ? [{ term: 'x' as const, moments: stats, counts: [total] }] : [],
      }
    }
    case 'sample-sequence': {
      // Per sample n and feature: over its valid steps t < lengths[n]; the same in training and
      // evaluation (no population), so no batch enters.
      const steps = inputs.map((v, t) => (v && batch.counts[t]! > 0 ? t : -1)).filter((t) => t >= 0)
      const mask = tf.tensor3d(
        steps.flatMap((t) => batch.lengths.map((length) => (t < length ? 1 / length : 0))),
        [steps.length, batch.N, 1],
      )
      const stacked = tf.stack(steps.map((t) => inputs[t]!)) // [Tv, N, C]
      const mean = tf.sum(tf.mul(stacked, mask), 0) as Tensor2D
      const variance = tf.sum(tf.mul(tf.square(tf.sub(stacked, mean)), mask), 0) as Tensor2D
      const stats = { mean, variance }
      return {
        apply: (term, v) => (identity(term) ? v : normalizeWith(v, stats, ctx.affine(term), eps)),
        populationUpdates: () => [],
      }
    }
    case 'batch-step': {
      /** Train: what each term normalized with at each step, for the population update. */
      const used = new Map<TermName, { rows: Moments[]; features: number }>()
      /** Eval: population rows per term and step (the policy fills steps past training). */
      const population = new Map<TermName, { mean: Tensor2D[]; variance: Tensor2D[] }>()
      const populationRows = (term: TermName) => {
        let rows = population.get(term)
        if (!rows) {
          const m = ctx.population.rows(term, batch.T, ctx.policy)
          const steps = m.mean.shape[0]!
          rows = {
            mean: tf.split(m.mean, steps, 0) as Tensor2D[],
            variance: tf.split(m.variance, steps, 0) as Tensor2D[],
          }
          population.set(term, rows)
        }
        return rows
      }
      return {
        apply(term, v, t) {
          if (identity(term)) return v
          if (!train) {
            const rows = populationRows(term)
            if (t < rows.mean.length)
              return normalizeWith(v, { mean: rows.mean[t]!, variance: rows.variance[t]! }, ctx.affine(term), eps)
            // Past the trained length under the "batch" policy: the test batch's own statistics.
          }
          const moments = weightedMoments(v, batch.weights[t]!.row, def.center)
          if (train) {
            const entry = used.get(term) ?? { rows: [], features: v.shape[1] }
            entry.rows[t] = moments
            used.set(term, entry)
          }
          return normalizeWith(v, moments, ctx.affine(term), eps)
        },
        populationUpdates: () =>
          [...used].map(([term, { rows, features }]) => ({
            term,
            moments: stackRows(rows, batch.T, features),
            counts: [...batch.counts],
          })),
      }
    }
  }
}
