// The recurrent model, one time step after another. Formulas: goldens/README.md (RNN, LSTM) and
// docs/engine.md (GRU). Padded positions carry h and c unchanged; a step with no valid sample is
// skipped. Each time step's input arrives as its own [N, D] tensor (see stepInputs): slicing a
// [N, T, D] tensor per step costs time proportional to the whole tensor on the wasm backend.
import { matMul } from './fast-ops'
import {
  countsPerStep,
  rowWeights,
  groupNorm,
  layerNorm,
  normalizeWith,
  stepWeights,
  weightedBatchNorm,
  weightedMoments,
  type Affine,
  type Moments,
} from './normalizers'
import type { Population } from './population'
import { cellTerms, GATES, type ModelSpec, type Policy, type TermName } from './spec'
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

/** Per-time-step statistics of one term: rows [T, C]; zero rows at steps with no valid sample. */
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

const affine = (params: Params, term: TermName): Affine => ({ gamma: params[`gamma_${term}`]!, beta: params[`beta_${term}`]! })

export function forward(spec: ModelSpec, params: Params, xs: readonly Tensor2D[], lengths: readonly number[], options: ForwardOptions): ForwardResult {
  const T = xs.length
  const N = xs[0]?.shape[0] ?? 0
  if (T === 0) throw new Error('a batch needs at least one time step')
  if (lengths.length !== N) throw new Error(`got ${lengths.length} lengths for a batch of ${N}`)
  const H = spec.hidden
  const width = GATES[spec.cell] * H
  const counts = countsPerStep(lengths, T)
  const train = options.mode === 'train'
  const policy = options.policy ?? 'last'
  const bnStats: ForwardResult['bnStats'] = {}
  const recorded: ForwardResult['recorded'] = {}

  // Weight columns (mask / count) and keep-masks, built on the CPU side; shared when all are valid.
  const full = rowWeights(new Float32Array(N).fill(1 / N))
  const weights = counts.map((c, t) => (c === 0 ? null : c === N ? full : rowWeights(stepWeights(lengths, t, c))))
  const keep = counts.map((c, t) => {
    if (c === 0 || c === N) return null
    const values = new Uint8Array(N * H)
    lengths.forEach((length, n) => t < length && values.fill(1, n * H, (n + 1) * H))
    return tf.tensor2d(values, [N, H], 'bool')
  })

  // Sequence-wise BN: one set of statistics over every valid (sample, step) pair of x·Wx.
  let sequenceStats: Moments | null = null
  if (spec.norm === 'bn_seq') {
    if (train) {
      const valid = counts.map((c, t) => (c > 0 ? t : -1)).filter((t) => t >= 0)
      const total = counts.reduce((a, c) => a + c, 0)
      const w = new Float32Array(valid.length * N)
      valid.forEach((t, i) => lengths.forEach((length, n) => (w[i * N + n] = t < length ? 1 / total : 0)))
      const all = matMul(tf.concat(valid.map((t) => xs[t]!), 0), params.Wx as Tensor2D)
      sequenceStats = weightedMoments(all, rowWeights(w))
      bnStats.x = sequenceStats
    } else {
      sequenceStats = options.population!.rows('x', 1, 'last')
    }
  }

  // Per-step BN at evaluation: population rows per step (the policy fills steps past training).
  const populationRows: Partial<Record<TermName, { mean: Tensor[]; variance: Tensor[] }>> = {}
  if (!train && spec.norm === 'bn_step') {
    for (const term of cellTerms(spec.cell)) {
      const moments = options.population!.rows(term, T, policy)
      populationRows[term] = { mean: tf.split(moments.mean, moments.mean.shape[0]!, 0), variance: tf.split(moments.variance, moments.variance.shape[0]!, 0) }
    }
  }

  const bnRows: Record<TermName, Moments[]> = { x: [], h: [], c: [] }
  const recRows: Record<TermName, Moments[]> = { x: [], h: [], c: [] }

  /** Normalizes one step's input, recurrent or cell term, keeping what BN used and what is recorded. */
  const normalize = (term: TermName, v: Tensor2D, t: number): Tensor => {
    const w = weights[t]!
    let out: Tensor = v
    let stats: Moments | null = null
    switch (spec.norm) {
      case 'bn_step': {
        const rows = populationRows[term]
        if (!train && rows && t < rows.mean.length) {
          out = normalizeWith(v, { mean: rows.mean[t]!, variance: rows.variance[t]! }, affine(params, term), spec.eps)
        } else {
          // Training, or evaluation past the trained length under the "batch" policy.
          const r = weightedBatchNorm(v, w, affine(params, term), spec.eps)
          out = r.y
          stats = { mean: r.mean, variance: r.variance }
          if (train) bnRows[term][t] = stats
        }
        break
      }
      case 'bn_seq':
        if (term === 'x') out = normalizeWith(v, sequenceStats!, affine(params, 'x'), spec.eps)
        break
      case 'ln':
        out = layerNorm(v, affine(params, term), spec.eps)
        break
      case 'gn':
        out = groupNorm(v, spec.groups, affine(params, term), spec.eps)
        break
      default:
        break
    }
    if (options.record) recRows[term][t] = stats ?? weightedMoments(v, w)
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
    const xn = normalize('x', matMul(xs[t]!, params.Wx as Tensor2D), t)
    const hn = normalize('h', matMul(h, params.Wh as Tensor2D), t)
    let hNew: Tensor2D
    let cNew: Tensor2D | null = null
    if (spec.cell === 'rnn') {
      hNew = tf.tanh(tf.add(tf.add(xn, hn), params.b!)) as Tensor2D
    } else if (spec.cell === 'lstm') {
      const [i, f, g, o] = tf.split(tf.add(tf.add(xn, hn), params.b!), 4, 1) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D]
      cNew = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as Tensor2D
      hNew = tf.mul(tf.sigmoid(o), tf.tanh(normalize('c', cNew, t))) as Tensor2D
    } else {
      // GRU: r and z from both terms (bias inside), n = tanh(x-part + r ⊙ h-part).
      const [xr, xz, xg] = tf.split(tf.add(xn, params.b!), 3, 1) as [Tensor2D, Tensor2D, Tensor2D]
      const [hr, hz, hg] = tf.split(hn, 3, 1) as [Tensor2D, Tensor2D, Tensor2D]
      const r = tf.sigmoid(tf.add(xr, hr))
      const z = tf.sigmoid(tf.add(xz, hz))
      const n = tf.tanh(tf.add(xg, tf.mul(r, hg)))
      hNew = tf.add(n, tf.mul(z, tf.sub(h, n))) as Tensor2D // (1 - z) n + z h
    }
    const k = keep[t]
    h = k ? (tf.where(k, hNew, h) as Tensor2D) : hNew
    if (cNew) c = k ? (tf.where(k, cNew, c) as Tensor2D) : cNew
    if (options.sequenceOutput) hs.push(h)
  }

  // Stack per-step rows [1, C] into [T, C]; zero rows where a step had no valid sample.
  const stackRows = (rows: Moments[], features: number): Moments => {
    const filled = Array.from({ length: T }, (_, t) => rows[t] ?? { mean: tf.zeros([1, features]), variance: tf.zeros([1, features]) })
    return { mean: tf.concat(filled.map((m) => m.mean), 0), variance: tf.concat(filled.map((m) => m.variance), 0) }
  }
  for (const term of ['x', 'h', 'c'] as const) {
    const features = term === 'c' ? H : width
    if (bnRows[term].length > 0) bnStats[term] = stackRows(bnRows[term], features)
    // In BN training the recorded statistics are the ones BN used: share the tensors.
    if (recRows[term].length > 0) recorded[term] = train && spec.norm === 'bn_step' ? bnStats[term]! : stackRows(recRows[term], features)
  }

  const logits = tf.add(matMul(h, params.Wy as Tensor2D), params.by!) as Tensor2D
  return { hLast: h, logits, hidden: options.sequenceOutput ? (tf.stack(hs, 1) as Tensor3D) : null, counts, bnStats, recorded }
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels. */
export function crossEntropy(logits: Tensor2D, labels: readonly number[]): Tensor {
  const K = logits.shape[1]
  const oneHot = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), K)
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)))
}
