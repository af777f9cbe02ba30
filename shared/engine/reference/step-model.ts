// The step-by-step reference model: the recurrence as the formulas say it, one time step after
// another in plain tfjs ops — the input and recurrent terms, the normalizer (normalizer.ts), the
// cell (cell-step.ts, from its formulas), masking — differentiated by tfjs. Slow (~190 kernels a
// time step for a BN-LSTM) and plain to read: the property tests hold the recurrence op to it on
// every backend, and `npm run bench` times it as "before". Padded positions carry h and c
// unchanged; a step with no valid sample is skipped.
import { cellDefinition, cellTerms, termWidth, type TermName } from '../../kinds'
import { matMul } from '../core/fast-ops'
import type { Moments } from '../core/moments'
import type { Population } from '../core/population'
import type { ModelSpec, Policy } from '../core/spec'
import { tf, type Tensor, type Tensor2D, type Tensor3D } from '../core/tf'
import { cellStep, type CellState } from './cell-step'
import { beginNormPass, stackRows, weightedMoments, type BatchLayout, type PopulationUpdate } from './normalizer'

export interface ReferenceOptions {
  mode: 'train' | 'eval'
  population: Population
  policy: Policy
  record: boolean
  sequenceOutput: boolean
}

export interface ReferenceResult {
  hLast: Tensor2D
  hidden: Tensor3D | null
  populationUpdates: PopulationUpdate[]
  recorded: Partial<Record<TermName, Moments>>
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

export function referenceForward(
  spec: ModelSpec,
  params: Record<string, Tensor>,
  xs: readonly Tensor2D[],
  batch: BatchLayout,
  options: ReferenceOptions,
): ReferenceResult {
  const { N, T, counts, weights } = batch
  const H = spec.hidden
  const def = cellDefinition(spec.cell)
  const keep = keepMasks(batch.lengths, counts, H)

  // The input term of every step first: it does not depend on the recurrence.
  const inputs = xs.map((x, t) => (counts[t]! > 0 ? matMul(x, params.Wx as Tensor2D) : null))
  const pass = beginNormPass(
    spec.norm,
    spec.cell,
    {
      mode: options.mode,
      batch,
      affine: (term) => ({ gamma: params[`gamma_${term}`]!, beta: params[`beta_${term}`]! }),
      population: options.population,
      policy: options.policy,
      eps: spec.eps,
      groups: spec.groups,
    },
    inputs,
  )
  const recordedRows: Record<TermName, Moments[]> = { x: [], h: [], c: [] }
  /** Normalizes one term at one step, keeping its statistics when recording. */
  const normalize = (term: TermName, v: Tensor2D, t: number): Tensor => {
    if (options.record) recordedRows[term][t] = weightedMoments(v, weights[t]!.row)
    return pass.apply(term, v, t)
  }

  let state: CellState = {
    h: tf.zeros([N, H]) as Tensor2D,
    c: def.state.includes('c') ? (tf.zeros([N, H]) as Tensor2D) : null,
  }
  const hs: Tensor2D[] = []
  for (let t = 0; t < T; t++) {
    if (counts[t] === 0) {
      if (options.sequenceOutput) hs.push(state.h)
      continue
    }
    const next = cellStep(def, {
      xb: tf.add(normalize('x', inputs[t]!, t), params.b!) as Tensor2D,
      hn: normalize('h', matMul(state.h, params.Wh as Tensor2D), t) as Tensor2D,
      state,
      normalizeInner: (c) => normalize(def.inner!.term, c, t),
    })
    const k = keep[t]
    state = k
      ? { h: tf.where(k, next.h, state.h) as Tensor2D, c: next.c && (tf.where(k, next.c, state.c!) as Tensor2D) }
      : next
    if (options.sequenceOutput) hs.push(state.h)
  }

  const recorded: ReferenceResult['recorded'] = {}
  if (options.record)
    for (const term of cellTerms(spec.cell))
      recorded[term] = stackRows(recordedRows[term], T, termWidth(spec.cell, term, H))
  return {
    hLast: state.h,
    hidden: options.sequenceOutput ? (tf.stack(hs, 1) as Tensor3D) : null,
    populationUpdates: options.mode === 'train' ? pass.populationUpdates() : [],
    recorded,
  }
}
