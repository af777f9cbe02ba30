// The step-by-step reference's normalizer, for every norm, read off its definition
// (shared/kinds/norms): the normalization's forward formulas (normalization.ts) evaluated as tfjs
// ops, each sum over the norm's domain a tfjs reduction — tfjs differentiates them, so the
// backward formulas the kernels run are checked against an independent gradient:
//   batch-step      each step's valid samples, weighted w = mask / count; population rows per step
//   batch-sequence  every valid (sample, step) of the input term at once; one population row
//   features        each sample's own features, in groups
//   sample-sequence each sample's own valid steps of the input term, per feature (InstanceNorm)
// (μ = 0 for a norm that does not center: σ² is then the mean square). At evaluation, batch norms use population statistics; past the trained length the
// policy decides (core/population.ts): "batch" falls back to the test batch's own statistics.
import {
  normalizedTerms,
  normDefinition,
  type CellKind,
  type NormDefinition,
  type NormKind,
  type Policy,
  type TermName,
} from '../../kinds'
import { normFormulas } from '../../kinds/norms/normalization'
import type { Expr } from '../../kinds/formulas'
import type { Affine, Moments, RowWeights } from '../core/moments'
import { evaluateTf } from '../core/formula-ops'
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

/** Formulas evaluated in order over named tensors (each may read the ones before it). */
function evaluateAll(
  formulas: readonly (readonly [string, Expr])[],
  known: Record<string, Tensor>,
  sumOver?: (t: Tensor) => Tensor,
): Record<string, Tensor> {
  const env: Record<string, Tensor> = { ...known }
  const look = (name: string) => {
    const t = env[name]
    if (!t) throw new Error(`the normalization formulas read "${name}", which the reference does not have`)
    return t
  }
  for (const [name, e] of formulas) env[name] = evaluateTf(e, look, sumOver)
  return env
}

/**
 * A statistic's mean and variance over the values x with mask (or weights) m, `sumOver` summing
 * over the domain's axes (kept, for broadcasting). Uncentered: the mean is 0 (zeros of the
 * variance's shape) and the variance the mean square.
 */
export function statisticsOver(x: Tensor, m: Tensor, center: boolean, sumOver: (t: Tensor) => Tensor): Moments {
  const f = normFormulas(center)
  const env = evaluateAll(
    (['n', 'sx', 'mean', 'sq', 'variance'] as const).map((name) => [name, f[name]] as const),
    { x, m },
    sumOver,
  )
  const variance = env.variance!
  return { mean: center ? env.mean! : tf.zerosLike(variance), variance }
}

/** Moments over the rows of v [R, C] under m [1, R] (a mask, or weights mask/count). */
export function weightedMoments(v: Tensor2D, m: Tensor2D, center = true): Moments {
  return statisticsOver(v, tf.transpose(m), center, (t) => tf.sum(t, 0, true))
}

/** x̂ (the formulas' 1/√(σ² + ε) and (x − μ)·r) of values v with statistics m. */
function xhatOf(v: Tensor, m: Moments, eps: number, center: boolean): Tensor {
  const f = normFormulas(center)
  const known = { x: v, mean: m.mean, variance: m.variance, eps: tf.scalar(eps) }
  return evaluateAll(
    [
      ['inv', f.inv],
      ['xhat', f.xhat],
    ],
    known,
  ).xhat!
}

/** y = γ·x̂ + β by the formula. */
function affineOf(xhat: Tensor, p: Affine): Tensor {
  return evaluateAll([['y', normFormulas(true).y]], { xhat, gamma: p.gamma, beta: p.beta }).y!
}

/** v normalized with statistics m (a norm that does not center: m's mean is not read). */
export function normalizeWith(v: Tensor, m: Moments, p: Affine, eps: number, center: boolean): Tensor {
  return affineOf(xhatOf(v, m, eps, center), p)
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
  const stats = statisticsOver(g, tf.onesLike(g), center, (t) => tf.sum(t, -1, true))
  const xhat = xhatOf(g, stats, eps, center)
  return affineOf(groups === 1 ? xhat : tf.reshape(xhat, [R, C]), p)
}

/** What every domain's pass reads: the norm, which terms it normalizes, the context. */
interface PassParts {
  def: NormDefinition<NormKind>
  normalized: ReadonlySet<TermName>
  ctx: PassContext
  train: boolean
  /** v normalized with statistics m and the term's γ, β. */
  normalize(term: TermName, v: Tensor, m: Moments): Tensor
}

/** Valid steps of the batch that have an input (sequence-wise statistics need all of them). */
const validSteps = (inputs: readonly (Tensor2D | null)[], counts: readonly number[]) =>
  inputs.map((v, t) => (v && counts[t]! > 0 ? t : -1)).filter((t) => t >= 0)

/** One set of statistics over every valid (sample, step) of the input term; one population row. */
function batchSequencePass(p: PassParts, inputs: readonly (Tensor2D | null)[]): NormPass {
  const { batch } = p.ctx
  const valid = validSteps(inputs, batch.counts)
  const total = valid.reduce((a, t) => a + batch.counts[t]!, 0)
  let stats: Moments
  if (p.train) {
    // m: 1 at every valid (sample, step); the statistics divide by n = Σm.
    const m = new Float32Array(valid.length * batch.N)
    valid.forEach((t, i) => batch.lengths.forEach((length, n) => (m[i * batch.N + n] = t < length ? 1 : 0)))
    const stacked = tf.concat(
      valid.map((t) => inputs[t]!),
      0,
    ) as Tensor2D
    stats = weightedMoments(stacked, tf.tensor2d(m, [1, m.length]), p.def.center)
  } else stats = p.ctx.population.rows('x', 1, 'last')
  return {
    apply: (term, v) => (p.normalized.has(term) ? p.normalize(term, v, stats) : v),
    populationUpdates: () =>
      p.train && p.normalized.has('x') ? [{ term: 'x' as const, moments: stats, counts: [total] }] : [],
  }
}

/**
 * Per sample and feature over its valid steps t < lengths[n]; the same in training and evaluation
 * (no population), so no batch enters.
 */
function sampleSequencePass(p: PassParts, inputs: readonly (Tensor2D | null)[]): NormPass {
  const { batch } = p.ctx
  const steps = validSteps(inputs, batch.counts)
  // m: 1 at a sample's valid step; the statistics divide by n = Σm, its length.
  const mask = tf.tensor3d(
    steps.flatMap((t) => batch.lengths.map((length) => (t < length ? 1 : 0))),
    [steps.length, batch.N, 1],
  )
  const stacked = tf.stack(steps.map((t) => inputs[t]!)) // [Tv, N, C]
  const over = statisticsOver(stacked, mask, p.def.center, (t) => tf.sum(t, 0, true))
  const stats = { mean: tf.squeeze(over.mean, [0]), variance: tf.squeeze(over.variance, [0]) }
  return {
    apply: (term, v) => (p.normalized.has(term) ? p.normalize(term, v, stats) : v),
    populationUpdates: () => [],
  }
}

/** Each step's valid samples; population rows per step at evaluation (the policy past training). */
function batchStepPass(p: PassParts): NormPass {
  const { batch } = p.ctx
  /** Train: what each term normalized with at each step, for the population update. */
  const used = new Map<TermName, { rows: Moments[]; features: number }>()
  /** Eval: population rows per term and step (the policy fills steps past training). */
  const population = new Map<TermName, { mean: Tensor2D[]; variance: Tensor2D[] }>()
  const populationRows = (term: TermName) => {
    let rows = population.get(term)
    if (!rows) {
      const m = p.ctx.population.rows(term, batch.T, p.ctx.policy)
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
      if (!p.normalized.has(term)) return v
      if (!p.train) {
        const rows = populationRows(term)
        if (t < rows.mean.length) return p.normalize(term, v, { mean: rows.mean[t]!, variance: rows.variance[t]! })
        // Past the trained length under the "batch" policy: the test batch's own statistics.
      }
      const moments = weightedMoments(v, batch.weights[t]!.row, p.def.center)
      if (p.train) {
        const entry = used.get(term) ?? { rows: [], features: v.shape[1] }
        entry.rows[t] = moments
        used.set(term, entry)
      }
      return p.normalize(term, v, moments)
    },
    populationUpdates: () =>
      [...used].map(([term, { rows, features }]) => ({
        term,
        moments: stackRows(rows, batch.T, features),
        counts: [...batch.counts],
      })),
  }
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
  const parts: PassParts = {
    def,
    normalized: new Set(normalizedTerms(norm, cell)),
    ctx,
    train: ctx.mode === 'train',
    normalize: (term, v, m) => normalizeWith(v, m, ctx.affine(term), ctx.eps, def.center),
  }
  switch (def.over) {
    case 'none':
      return { apply: (_term, v) => v, populationUpdates: () => [] }
    case 'features': {
      const groups = def.grouped ? ctx.groups : 1
      return {
        apply: (term, v) =>
          parts.normalized.has(term) ? featureNorm(v, groups, def.center, ctx.affine(term), ctx.eps) : v,
        populationUpdates: () => [],
      }
    }
    case 'batch-sequence':
      return batchSequencePass(parts, inputs)
    case 'sample-sequence':
      return sampleSequencePass(parts, inputs)
    case 'batch-step':
      return batchStepPass(parts)
  }
}
