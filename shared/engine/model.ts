// The recurrent model: x·Wx for every step at once (its normalizer too), then the recurrence
// step by step. Formulas: goldens/README.md (RNN, LSTM) and docs/engine.md (GRU).
// Padded positions carry h and c unchanged; a step with no valid sample is skipped.
import {
  affineNormalize,
  countsPerStep,
  groupNorm,
  layerNorm,
  maskedBatchMoments,
  perStepMoments,
  sequenceMask,
  sequenceMoments,
  type Affine,
  type Moments,
} from './normalizers'
import type { Population } from './population'
import { GATES, type ModelSpec, type Policy, type TermName } from './spec'
import { tf, type Tensor, type Tensor2D, type Tensor3D } from './tf'

export type Params = Record<string, Tensor>

export interface ForwardOptions {
  /** train: batch statistics; eval: population statistics (BN) with the policy past the trained length. */
  mode: 'train' | 'eval'
  population?: Population
  policy?: Policy
  /** Also compute the per-time-step statistics of every term's pre-normalization activation. */
  record?: boolean
  /** Return h at every step too (for per-step outputs). */
  sequenceOutput?: boolean
}

/** Per-time-step statistics of one term: rows [T, C]; all-zero rows at steps with no valid sample. */
export type StepMoments = Moments

export interface ForwardResult {
  hLast: Tensor2D
  logits: Tensor2D
  /** h at every step [N, T, H] when asked for. */
  hidden: Tensor3D | null
  counts: number[]
  /** The batch statistics BN normalized with (train mode), per term, for the population update. */
  bnStats: Partial<Record<TermName, StepMoments>>
  /** Per-time-step pre-normalization statistics (when record is set), per term. */
  recorded: Partial<Record<TermName, StepMoments>>
}

const affine = (params: Params, term: TermName): Affine => ({ gamma: params[`gamma_${term}`]!, beta: params[`beta_${term}`]! })

export function forward(spec: ModelSpec, params: Params, x: Tensor3D, lengths: readonly number[], options: ForwardOptions): ForwardResult {
  const [N, T, D] = x.shape
  if (lengths.length !== N) throw new Error(`got ${lengths.length} lengths for a batch of ${N}`)
  const H = spec.hidden
  const width = GATES[spec.cell] * H
  const counts = countsPerStep(lengths, T)
  const maskNT = sequenceMask(lengths, T)
  const train = options.mode === 'train'
  const policy = options.policy ?? 'last'
  const bnStats: ForwardResult['bnStats'] = {}
  const recorded: ForwardResult['recorded'] = {}

  // ---- the input term, all steps at once ----
  const xw = tf.reshape(tf.matMul(tf.reshape(x, [N * T, D]), params.Wx!), [N, T, width]) as Tensor3D
  let xStepMoments: Moments | null = null
  const stepMomentsOfX = () => (xStepMoments ??= perStepMoments(xw, maskNT, counts))
  let xn: Tensor
  switch (spec.norm) {
    case 'none':
      xn = xw
      break
    case 'ln':
      xn = layerNorm(xw, affine(params, 'x'), spec.eps)
      break
    case 'gn':
      xn = groupNorm(xw, spec.groups, affine(params, 'x'), spec.eps)
      break
    case 'bn_seq': {
      let m: Moments
      if (train) {
        m = sequenceMoments(xw, maskNT, lengths.reduce((a, l) => a + Math.min(l, T), 0))
        bnStats.x = { mean: tf.expandDims(m.mean, 0), variance: tf.expandDims(m.variance, 0) }
      } else {
        const rows = options.population!.rows('x', 1, 'last').moments
        m = { mean: tf.squeeze(rows.mean, [0]), variance: tf.squeeze(rows.variance, [0]) }
      }
      xn = affineNormalize(xw, m, affine(params, 'x'), spec.eps)
      break
    }
    case 'bn_step': {
      let m: Moments
      if (train) {
        m = stepMomentsOfX()
        bnStats.x = m
      } else {
        const { moments, past } = options.population!.rows('x', T, policy)
        m = past > 0 ? concatRows(moments, stepMomentsOfX(), T) : moments
      }
      xn = affineNormalize(xw, m, affine(params, 'x'), spec.eps)
      break
    }
  }
  if (options.record) recorded.x = stepMomentsOfX()
  const xs = tf.unstack(tf.add(xn, params.b!), 1) as Tensor2D[]

  // ---- per-step masks, only where some samples have ended ----
  const stepMask: (Tensor2D | null)[] = new Array(T).fill(null)
  const stepKeep: (Tensor | null)[] = new Array(T).fill(null)
  if (maskNT) {
    const masks = tf.unstack(maskNT, 1) as Tensor2D[]
    for (let t = 0; t < T; t++) {
      if (counts[t]! > 0 && counts[t]! < N) {
        stepMask[t] = masks[t]!
        stepKeep[t] = tf.cast(tf.tile(masks[t]!, [1, H]), 'bool')
      }
    }
  }

  // ---- the recurrence ----
  const termRows: Record<'h' | 'c', { bn: Moments[]; rec: Moments[] }> = { h: { bn: [], rec: [] }, c: { bn: [], rec: [] } }
  const populationRows: Partial<Record<'h' | 'c', { moments: Moments; past: number; mean: Tensor2D[]; variance: Tensor2D[] }>> = {}
  if (!train && spec.norm === 'bn_step') {
    for (const term of spec.cell === 'lstm' ? (['h', 'c'] as const) : (['h'] as const)) {
      const rows = options.population!.rows(term, T, policy)
      populationRows[term] = { ...rows, mean: tf.unstack(rows.moments.mean) as Tensor2D[], variance: tf.unstack(rows.moments.variance) as Tensor2D[] }
    }
  }
  const zeroRow = (features: number): Moments => ({ mean: tf.zeros([features]), variance: tf.zeros([features]) })

  /** Normalizes one step's recurrent or cell term, keeping what BN used and what is recorded. */
  const normalizeStep = (term: 'h' | 'c', v: Tensor2D, t: number): Tensor => {
    let batch: Moments | null = null
    const batchMoments = () => (batch ??= maskedBatchMoments(v, stepMask[t]!, counts[t]!))
    let out: Tensor = v
    switch (spec.norm) {
      case 'bn_step': {
        let m: Moments
        if (train) {
          m = batchMoments()
          termRows[term].bn[t] = m
        } else {
          const rows = populationRows[term]!
          m = t < rows.mean.length ? { mean: rows.mean[t]!, variance: rows.variance[t]! } : batchMoments()
        }
        out = affineNormalize(v, m, affine(params, term), spec.eps)
        break
      }
      case 'ln':
        out = layerNorm(v, affine(params, term), spec.eps)
        break
      case 'gn':
        out = groupNorm(v, spec.groups, affine(params, term), spec.eps)
        break
      default:
        break
    }
    if (options.record) termRows[term].rec[t] = batchMoments()
    return out
  }

  let h = tf.zeros([N, H]) as Tensor2D
  let c = tf.zeros([N, H]) as Tensor2D
  const hs: Tensor2D[] = []
  for (let t = 0; t < T; t++) {
    if (counts[t] === 0) {
      if (options.sequenceOutput) hs.push(h)
      continue
    }
    const hw = normalizeStep('h', tf.matMul(h, params.Wh!), t)
    let hNew: Tensor2D
    let cNew: Tensor2D | null = null
    if (spec.cell === 'rnn') {
      hNew = tf.tanh(tf.add(xs[t]!, hw)) as Tensor2D
    } else if (spec.cell === 'lstm') {
      const [i, f, g, o] = tf.split(tf.add(xs[t]!, hw), 4, 1) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D]
      cNew = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as Tensor2D
      hNew = tf.mul(tf.sigmoid(o), tf.tanh(normalizeStep('c', cNew, t))) as Tensor2D
    } else {
      const [xr, xz, xnGate] = tf.split(xs[t]!, 3, 1) as [Tensor2D, Tensor2D, Tensor2D]
      const [hr, hz, hn] = tf.split(hw, 3, 1) as [Tensor2D, Tensor2D, Tensor2D]
      const r = tf.sigmoid(tf.add(xr, hr))
      const z = tf.sigmoid(tf.add(xz, hz))
      const n = tf.tanh(tf.add(xnGate, tf.mul(r, hn)))
      hNew = tf.add(n, tf.mul(z, tf.sub(h, n))) as Tensor2D // (1 - z) n + z h
    }
    const keep = stepKeep[t]
    h = keep ? (tf.where(keep, hNew, h) as Tensor2D) : hNew
    if (cNew) c = keep ? (tf.where(keep, cNew, c) as Tensor2D) : cNew
    if (options.sequenceOutput) hs.push(h)
  }

  // Stack per-step rows into [T, C], zero rows where a step had no valid sample.
  const stackRows = (rows: Moments[], features: number): Moments => {
    const filled = Array.from({ length: T }, (_, t) => rows[t] ?? zeroRow(features))
    return { mean: tf.stack(filled.map((m) => m.mean)), variance: tf.stack(filled.map((m) => m.variance)) }
  }
  for (const term of ['h', 'c'] as const) {
    const features = term === 'h' ? width : H
    if (termRows[term].bn.length > 0) bnStats[term] = stackRows(termRows[term].bn, features)
    if (termRows[term].rec.length > 0) recorded[term] = stackRows(termRows[term].rec, features)
  }

  const logits = tf.add(tf.matMul(h, params.Wy!), params.by!) as Tensor2D
  return { hLast: h, logits, hidden: options.sequenceOutput ? (tf.stack(hs, 1) as Tensor3D) : null, counts, bnStats, recorded }
}

/** Population rows for the trained steps, then the batch's own rows for the steps past them. */
function concatRows(population: Moments, batch: Moments, T: number): Moments {
  const within = population.mean.shape[0]!
  const tail = (t: Tensor) => tf.slice(t, [within, 0], [T - within, -1])
  return { mean: tf.concat([population.mean, tail(batch.mean)], 0), variance: tf.concat([population.variance, tail(batch.variance)], 0) }
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels. */
export function crossEntropy(logits: Tensor2D, labels: readonly number[]): Tensor {
  const K = logits.shape[1]
  const oneHot = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), K)
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)))
}
