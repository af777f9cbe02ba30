// The recurrent model's forward pass, one time step after another: the input and recurrent terms,
// the normalizer (norms/), the cell (cells/), masking. Formulas: goldens/README.md and
// docs/engine.md. Padded positions carry h and c unchanged; a step with no valid sample is
// skipped. Each time step's input arrives as its own [N, D] tensor (see stepInputs): slicing a
// [N, T, D] tensor per step costs time proportional to the whole tensor on the wasm backend.
import { cellTerms, termWidth, type TermName } from '../kinds'
import { cellFor } from './cells'
import { matMul } from './fast-ops'
import { fusedRecurrenceTrain, usesFusedTraining } from './fused'
import { countsPerStep, normalizerFor, rowWeights, stepWeights, weightedMoments, type BatchLayout, type Moments, type PopulationUpdate } from './norms'
import { stackRows } from './norms/batch-stats'
import type { Population } from './population'
import type { ModelSpec, Policy } from './spec'
import { tf, type Tensor, type Tensor2D, type Tensor3D } from './tf'

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

/** Where the batch's samples are valid: counts, weights (mask / count) and keep-masks per step, built on the CPU side. */
export function batchLayout(lengths: readonly number[], T: number): BatchLayout {
  const N = lengths.length
  const counts = countsPerStep(lengths, T)
  // All-valid steps share one weight tensor.
  const full = rowWeights(new Float32Array(N).fill(1 / N))
  const weights = counts.map((c, t) => (c === 0 ? null : c === N ? full : rowWeights(stepWeights(lengths, t, c))))
  return { N, T, lengths, counts, weights }
}

/** Keep-masks [N, H] per step where some but not all samples are valid: padded samples keep their state. */
function keepMasks(lengths: readonly number[], counts: readonly number[], H: number): (Tensor2D | null)[] {
  return counts.map((c, t) => {
    if (c === 0 || c === lengths.length) return null
    const values = new Uint8Array(lengths.length * H)
    lengths.forEach((length, n) => t < length && values.fill(1, n * H, (n + 1) * H))
    return tf.tensor2d(values, [lengths.length, H], 'bool')
  })
}

export function forward(spec: ModelSpec, params: Params, xs: readonly Tensor2D[], lengths: readonly number[], options: ForwardOptions): ForwardResult {
  const T = xs.length
  const N = xs[0]?.shape[0] ?? 0
  if (T === 0) throw new Error('a batch needs at least one time step')
  if (lengths.length !== N) throw new Error(`got ${lengths.length} lengths for a batch of ${N}`)
  const H = spec.hidden
  if (options.mode === 'train' && usesFusedTraining(spec)) {
    // The whole recurrence as one op with its backward written out (fused/recurrent-sequence.ts).
    const counts = countsPerStep(lengths, T)
    const fused = fusedRecurrenceTrain(spec, params, xs, { N, T, lengths, counts, weights: [] }, { record: options.record ?? false, sequenceOutput: options.sequenceOutput ?? false })
    const logits = tf.add(matMul(fused.hLast, params.Wy as Tensor2D), params.by!) as Tensor2D
    return { hLast: fused.hLast, logits, hidden: fused.hidden, counts, populationUpdates: fused.populationUpdates, recorded: fused.recorded }
  }
  const batch = batchLayout(lengths, T)
  const { counts, weights } = batch
  const keep = keepMasks(lengths, counts, H)
  const cell = cellFor(spec.cell)

  // The input term of every step first: it does not depend on the recurrence.
  const inputs = xs.map((x, t) => (counts[t]! > 0 ? matMul(x, params.Wx as Tensor2D) : null))
  const pass = normalizerFor(spec.norm).begin(
    {
      mode: options.mode,
      batch,
      affine: (term) => ({ gamma: params[`gamma_${term}`]!, beta: params[`beta_${term}`]! }),
      population: options.population,
      policy: options.policy ?? 'last',
      eps: spec.eps,
      groups: spec.groups,
    },
    inputs,
  )

  const recordedRows: Record<TermName, Moments[]> = { x: [], h: [], c: [] }
  /** Normalizes one term at one step, keeping its statistics when recording. */
  const normalize = (term: TermName, v: Tensor2D, t: number): Tensor => {
    const { y, moments } = pass.apply(term, v, t)
    if (options.record) recordedRows[term][t] = moments ?? weightedMoments(v, weights[t]!)
    return y
  }

  let state = { h: tf.zeros([N, H]) as Tensor2D, c: spec.cell === 'lstm' ? (tf.zeros([N, H]) as Tensor2D) : null }
  const hs: Tensor2D[] = []
  for (let t = 0; t < T; t++) {
    if (counts[t] === 0) {
      if (options.sequenceOutput) hs.push(state.h)
      continue
    }
    const next = cell.step({
      xn: normalize('x', inputs[t]!, t),
      hn: normalize('h', matMul(state.h, params.Wh as Tensor2D), t),
      b: params.b!,
      state,
      normalizeCell: (c) => normalize('c', c, t),
    })
    const k = keep[t]
    state = k ? { h: tf.where(k, next.h, state.h) as Tensor2D, c: next.c && (tf.where(k, next.c, state.c!) as Tensor2D) } : next
    if (options.sequenceOutput) hs.push(state.h)
  }

  const recorded: ForwardResult['recorded'] = {}
  if (options.record) for (const term of cellTerms(spec.cell)) recorded[term] = stackRows(recordedRows[term], T, termWidth(spec.cell, term, H))

  const logits = tf.add(matMul(state.h, params.Wy as Tensor2D), params.by!) as Tensor2D
  return {
    hLast: state.h,
    logits,
    hidden: options.sequenceOutput ? (tf.stack(hs, 1) as Tensor3D) : null,
    counts: [...counts],
    populationUpdates: options.mode === 'train' ? pass.populationUpdates() : [],
    recorded,
  }
}
