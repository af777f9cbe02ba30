// Everything one pass of the recurrence op knows before it computes: the cell's layout, each
// term's normalizer, the batch's masks stacked over time — the one owner of masking: which rows
// are valid (keep), and the weights every batch statistic uses (w = valid / count) — and, at
// evaluation, the population rows.
import { valueWeight } from '../../../kinds/norms/normalization'
import { cellDefinition, type CellDefinition, type CellKind, type TermName } from '../../../kinds'
import type { ModelSpec } from '../../core/spec'
import { tf, type Tensor, type Tensor2D } from '../../core/tf'
import { cellLayout, type CellLayout } from '../kernels/layout'
import type { NormAttrs } from '../kernels/names'
import { stackOp } from '../kernels/ops'
import { sampleOrder, type SampleOrder } from './sample-order'
import { termNorm } from './term-norms'
import type { SequenceBatch, SequenceOptions } from './types'

export type Params = Record<string, Tensor>

export interface SequenceContext {
  spec: ModelSpec
  options: SequenceOptions
  N: number
  T: number
  H: number
  counts: readonly number[]
  def: CellDefinition<CellKind>
  layout: CellLayout
  /** The gate width G·H, and the activations' width. */
  C: number
  aWidth: number
  terms: readonly TermName[]
  innerTerm: TermName | undefined
  norms: Record<TermName, ReturnType<typeof termNorm>>
  train: boolean
  /** Stacked over time ([T·N, 1], row t·N + n): valid rows, w = valid / count_t, w over every valid (n, t). */
  keep: Tensor2D
  wStep: Tensor2D
  wSeq: Tensor2D
  /** Valid (sample, step) pairs. */
  total: number
  /** InstanceNorm: the input term's rows gathered sample-major (sample-order.ts). */
  bySample: SampleOrder | null
  /** The input term's statistic weights. */
  wX: Tensor2D
  /** The inputs stacked over time [T·N, D]. */
  X: Tensor2D
  /** The op's inputs: the weights and whichever γ/β the norm has. */
  names: string[]
}

/** The masks of a batch, stacked over time ([T·N, 1], row t·N + n): valid, w = valid / count_t, and w over every valid (n, t). */
function stackedWeights(batch: SequenceBatch) {
  const { N, T, lengths, counts } = batch
  const keep = new Float32Array(T * N)
  const wStep = new Float32Array(T * N)
  const wSeq = new Float32Array(T * N)
  const total = counts.reduce((a, b) => a + b, 0)
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      if (t >= lengths[n]!) continue
      keep[t * N + n] = 1
      wStep[t * N + n] = valueWeight(counts[t]!)
      wSeq[t * N + n] = valueWeight(total)
    }
  return {
    keep: tf.tensor2d(keep, [T * N, 1]),
    wStep: tf.tensor2d(wStep, [T * N, 1]),
    wSeq: tf.tensor2d(wSeq, [T * N, 1]),
    total,
  }
}

export function sequenceContext(
  spec: ModelSpec,
  params: Params,
  xs: readonly Tensor2D[],
  batch: SequenceBatch,
  options: SequenceOptions,
): SequenceContext {
  const { N, T, counts } = batch
  const def = cellDefinition(spec.cell)
  const layout = cellLayout(def)
  const terms = def.terms
  const norms = Object.fromEntries(terms.map((term) => [term, termNorm(spec, term)])) as SequenceContext['norms']
  const { keep, wStep, wSeq, total } = stackedWeights(batch)
  const bySample = norms.x.segments === 'sample' ? sampleOrder(N, T, batch.lengths) : null
  return {
    spec,
    options,
    N,
    T,
    H: spec.hidden,
    counts,
    def,
    layout,
    C: layout.G * spec.hidden,
    aWidth: layout.activations.length * spec.hidden,
    terms,
    innerTerm: def.inner?.term,
    norms,
    train: options.mode === 'train',
    keep,
    wStep,
    wSeq,
    total,
    bySample,
    wX: bySample ? bySample.weights : norms.x.segments === 'sequence' ? wSeq : wStep,
    X: stackOp(xs),
    names: [
      'Wx',
      'Wh',
      'b',
      ...terms.flatMap((term) => (params[`gamma_${term}`] ? [`gamma_${term}`, `beta_${term}`] : [])),
    ],
  }
}

/** Whether a term's statistics are the batch's per time step (per-step BN). */
export const perStepBatch = (ctx: SequenceContext, term: TermName): boolean => ctx.norms[term].segments === 'step'

/** A term's normalizer inside a step's kernel: batch statistics from row `statsRow` of its stats input. */
export const atStep = (ctx: SequenceContext, attrs: NormAttrs, statsRow: number): NormAttrs => ({
  ...attrs,
  rowsPerSegment: ctx.N,
  statsRow: attrs.stats === 'batch' ? statsRow : 0,
})

/** Evaluation: the population rows of a term (undefined in training or for a norm without). */
export const populationOf = (ctx: SequenceContext, term: TermName): Tensor2D | undefined =>
  ctx.options.population?.[term]

/** The identity normalizer, for a cell without an inner term. */
export const identityNorm = (ctx: SequenceContext): NormAttrs => ({
  stats: 'none',
  center: true,
  groups: 1,
  eps: ctx.spec.eps,
})
