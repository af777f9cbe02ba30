// The recurrent model's forward pass: through the recurrence op (recurrence/: one op for the
// whole sequence, training and evaluation alike) or, switched off for benchmarks and tests, the
// step-by-step reference (reference/). Formulas: the cell and norm definitions in shared/kinds,
// docs/engine.md. Each time step's input arrives as its own [N, D] tensor (see stepInputs):
// slicing a [N, T, D] tensor per step costs time proportional to the whole tensor on wasm.
import { valueWeight } from '../kinds/norms/normalization'
import type { TermName } from '../kinds'
import { matMul } from './core/fast-ops'
import { countsPerStep, rowWeights, stepWeights, type Moments } from './core/moments'
import type { Population } from './core/population'
import type { ModelSpec, Policy } from './core/spec'
import { tf, type Tensor, type Tensor2D, type Tensor3D } from './core/tf'
import { recurrenceSequence, usesRecurrenceOp, type PopulationUpdate } from './recurrence'
import { termNorm } from './recurrence/sequence/term-norms'
import type { BatchLayout } from './reference/normalizer'
import { referenceForward } from './reference/step-model'

export type Params = Record<string, Tensor>

export interface ForwardOptions {
  /** train: batch statistics; eval: population statistics (BN) with the policy past the trained length. */
  mode: 'train' | 'eval'
  population: Population
  policy?: Policy
  /** Also compute the per-time-step statistics of every term's pre-normalization activation. */
  record?: boolean
  /** Return h at every step too (for per-step outputs). */
  sequenceOutput?: boolean
  /** train: keep every term's pre-normalization values of this batch (the explorable; the recurrence op only). */
  snapshot?: boolean
}

/** Per-time-step statistics of one term: rows [T, C]; zero rows at steps with no valid sample. */
export type StepMoments = Moments

export interface ForwardResult {
  hLast: Tensor2D
  logits: Tensor2D
  /** h at every step [N, T, H] when asked for. */
  hidden: Tensor3D | null
  counts: number[]
  /** Train mode: the batch statistics BN normalized with, for the population update. */
  populationUpdates: PopulationUpdate[]
  /** Per-time-step pre-normalization statistics (when record is set), per term. */
  recorded: Partial<Record<TermName, StepMoments>>
  /** With snapshot: every term's pre-normalization values [T·N, C] (row t·N + n), kept; the step-by-step reference takes none. */
  snapshot: Partial<Record<TermName, Tensor2D>>
}

/** Splits batch-major values [N, T, D] into T tensors [N, D], on the CPU side. */
export function stepInputs(values: ArrayLike<number>, N: number, T: number, D: number): Tensor2D[] {
  const steps: Tensor2D[] = []
  for (let t = 0; t < T; t++) {
    const step = new Float32Array(N * D)
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) step[n * D + d] = values[(n * T + t) * D + d]!
    steps.push(tf.tensor2d(step, [N, D]))
  }
  return steps
}

/** Where the batch's samples are valid: counts and weights (mask / count) per step, built on the CPU side. */
export function batchLayout(lengths: readonly number[], T: number): BatchLayout {
  const N = lengths.length
  const counts = countsPerStep(lengths, T)
  // All-valid steps share one weight tensor.
  const full = rowWeights(new Float32Array(N).fill(valueWeight(N)))
  const weights = counts.map((c, t) => (c === 0 ? null : c === N ? full : rowWeights(stepWeights(lengths, t, c))))
  return { N, T, lengths, counts, weights }
}

/**
 * Evaluation: the population statistics of each batch-normalized term as the op reads them,
 * rows [R, 2C] (means, then variances) for the first R steps (the policy decides R and the rows).
 */
function populationStats(
  spec: ModelSpec,
  population: Population,
  T: number,
  policy: Policy,
): Partial<Record<TermName, Tensor2D>> {
  const out: Partial<Record<TermName, Tensor2D>> = {}
  for (const term of ['x', 'h', 'c'] as const) {
    const norm = termNorm(spec, term)
    // InstanceNorm's statistics are each sample's own at evaluation too: no population.
    if (norm.attrs.stats !== 'batch' || norm.segments === 'sample') continue
    const rows = norm.segments === 'sequence' ? population.rows(term, 1, 'last') : population.rows(term, T, policy)
    out[term] = tf.concat([rows.mean, rows.variance], 1) as Tensor2D
  }
  return out
}

export function forward(
  spec: ModelSpec,
  params: Params,
  xs: readonly Tensor2D[],
  lengths: readonly number[],
  options: ForwardOptions,
): ForwardResult {
  const T = xs.length
  const N = xs[0]?.shape[0] ?? 0
  if (T === 0) throw new Error('a batch needs at least one time step')
  if (lengths.length !== N) throw new Error(`got ${lengths.length} lengths for a batch of ${N}`)
  const counts = countsPerStep(lengths, T)
  const policy = options.policy ?? 'last'
  const record = options.record ?? false
  const sequenceOutput = options.sequenceOutput ?? false
  const out = usesRecurrenceOp()
    ? recurrenceSequence(
        spec,
        params,
        xs,
        { N, T, lengths, counts },
        {
          mode: options.mode,
          record,
          sequenceOutput,
          snapshot: options.snapshot ?? false,
          ...(options.mode === 'eval' ? { population: populationStats(spec, options.population, T, policy) } : {}),
        },
      )
    : referenceForward(spec, params, xs, batchLayout(lengths, T), {
        mode: options.mode,
        population: options.population,
        policy,
        record,
        sequenceOutput,
      })
  const logits = tf.add(matMul(out.hLast, params.Wy as Tensor2D), params.by!) as Tensor2D
  return {
    hLast: out.hLast,
    logits,
    hidden: out.hidden,
    counts,
    populationUpdates: out.populationUpdates,
    recorded: out.recorded,
    snapshot: 'snapshot' in out ? (out.snapshot as ForwardResult['snapshot']) : {},
  }
}
