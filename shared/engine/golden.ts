// The reference check: runs a PyTorch reference case (goldens/README.md) on whatever tfjs backend
// is active and compares every value with |a - b| <= atol + rtol·|b|. Used by the unit tests (cpu),
// `npm run lab -- golden` (cpu or wasm) and the app's self-check (the user's GPU).
import { stepInputs } from './model'
import { countsPerStep, groupNorm, layerNorm, rowWeights, stepWeights, weightedBatchNorm, type NormKind } from './normalizers'
import { disposeStep, RecurrentNet } from './network'
import type { CellKind, ModelSpec } from './spec'
import { tf, type Tensor, type Tensor2D } from './tf'
import type { CaseResult, Comparison } from './golden-result'

export type { CaseResult, Comparison } from './golden-result'

type Nested = number | Nested[]
interface Tolerance {
  rtol: number
  atol: number
}
interface Meta {
  eps: number
  tolerance: Tolerance
}
interface Stats {
  mean: Nested
  var: Nested
}

export interface NormCase {
  meta: Meta
  kind: 'norm'
  norm: NormKind
  N: number
  T: number
  C: number
  lengths: number[]
  groups?: number
  x: Nested
  gamma: number[]
  beta: number[]
  dy: Nested
  mean: Nested
  var: Nested
  count?: Nested
  y: Nested
  dx: Nested
  dgamma: number[]
  dbeta: number[]
}

export interface CellCase {
  meta: Meta
  kind: 'cell'
  cell: CellKind
  norm: NormKind
  groups: number | null
  N: number
  T: number
  D: number
  H: number
  K: number
  lengths: number[]
  x: Nested
  labels: number[]
  params: Record<string, Nested>
  loss: number
  logits: Nested
  h_last: Nested
  grads: Record<string, Nested>
  count: number[]
  batch_stats?: Record<'x' | 'h' | 'c', Stats>
}

export interface TrainCase {
  meta: Meta
  kind: 'train'
  cell: CellKind
  norm: NormKind
  N: number
  T: number
  D: number
  H: number
  K: number
  lr: number
  momentum: number
  eval_policy: 'last'
  init_params: Record<string, Nested>
  batches: { x: Nested; labels: number[]; lengths: number[]; loss: number }[]
  final_params: Record<string, Nested>
  running: Record<'x' | 'h' | 'c', { mean: Nested; var: Nested; seen: number[] }>
  test: { x: Nested; lengths: number[]; logits: Nested; h_last: Nested }
}

export type GoldenCase = NormCase | CellCase | TrainCase

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v])

function compare(name: string, actual: ArrayLike<number>, expected: Nested, tol: Tolerance, include?: (i: number) => boolean): Comparison {
  const want = flat(expected)
  if (actual.length !== want.length) return { name: `${name} (got ${actual.length} values, expected ${want.length})`, worstAbs: Infinity, worstRatio: Infinity, pass: false }
  let worstAbs = 0
  let worstRatio = 0
  for (let i = 0; i < want.length; i++) {
    if (include && !include(i)) continue
    const a = actual[i]!
    const b = want[i]!
    const diff = Math.abs(a - b)
    const ratio = Number.isFinite(diff) ? diff / (tol.atol + tol.rtol * Math.abs(b)) : Infinity
    if (!(diff <= worstAbs)) worstAbs = diff
    if (!(ratio <= worstRatio)) worstRatio = ratio
  }
  return { name, worstAbs, worstRatio, pass: worstRatio <= 1 }
}

/** Index filter for [N, T, ...rest] arrays: only positions t < lengths[n]. */
function validPositions(lengths: number[], T: number, inner: number): (i: number) => boolean {
  return (i) => {
    const n = Math.floor(i / (T * inner))
    const t = Math.floor(i / inner) % T
    return t < lengths[n]!
  }
}

async function values(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array
}

/** Per-step [N, C] arrays back into batch-major [N, T, C] order. */
function batchMajor(steps: Float32Array[], N: number, T: number, C: number): Float32Array {
  const out = new Float32Array(N * T * C)
  steps.forEach((step, t) => {
    for (let n = 0; n < N; n++) out.set(step.subarray(n * C, (n + 1) * C), (n * T + t) * C)
  })
  return out
}

/**
 * Runs a normalizer case through the same per-step functions the model uses: one [N, C] tensor
 * per time step, BN statistics as weighted sums over the valid samples.
 */
async function runNorm(c: NormCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const { N, T, C, lengths } = c
  const eps = c.meta.eps
  const counts = countsPerStep(lengths, T)
  const total = counts.reduce((a, k) => a + k, 0)
  const steps = stepInputs(flat(c.x), N, T, C)
  const dys = stepInputs(flat(c.dy), N, T, C)
  const masks = counts.map((_, t) => tf.tensor2d(lengths.map((l) => (t < l ? 1 : 0)), [N, 1]))
  const gamma = tf.tensor1d(c.gamma)
  const beta = tf.tensor1d(c.beta)
  const valid = counts.map((k, t) => (k > 0 ? t : -1)).filter((t) => t >= 0)

  /** y per step, and BN's statistics (rows [1, C]) where it has them. */
  const apply = (xs: Tensor[], g: Tensor, b: Tensor): { ys: Tensor[]; means: Tensor[]; vars: Tensor[] } => {
    const p = { gamma: g, beta: b }
    switch (c.norm) {
      case 'bn_step': {
        const ys: Tensor[] = []
        const means: Tensor[] = []
        const vars: Tensor[] = []
        xs.forEach((x, t) => {
          if (counts[t] === 0) return void ys.push(tf.zerosLike(x))
          const r = weightedBatchNorm(x as Tensor2D, rowWeights(stepWeights(lengths, t, counts[t]!)), p, eps)
          ys.push(r.y)
          means.push(r.mean)
          vars.push(r.variance)
        })
        return { ys, means, vars }
      }
      case 'bn_seq': {
        const w = new Float32Array(valid.length * N)
        valid.forEach((t, i) => lengths.forEach((l, n) => (w[i * N + n] = t < l ? 1 / total : 0)))
        const r = weightedBatchNorm(tf.concat(valid.map((t) => xs[t]!), 0) as Tensor2D, rowWeights(w), p, eps)
        const parts = tf.split(r.y, valid.length, 0)
        const ys = xs.map((x) => tf.zerosLike(x))
        valid.forEach((t, i) => (ys[t] = parts[i]!))
        return { ys, means: [r.mean], vars: [r.variance] }
      }
      case 'ln':
        return { ys: xs.map((x) => layerNorm(x as Tensor2D, p, eps)), means: [], vars: [] }
      case 'gn':
        return { ys: xs.map((x) => groupNorm(x as Tensor2D, c.groups!, p, eps)), means: [], vars: [] }
      default:
        throw new Error(`no reference check for norm ${c.norm}`)
    }
  }
  // loss = sum over valid positions of y · dy
  const lossOf = (...args: Tensor[]) => {
    const { ys } = apply(args.slice(0, T), args[T]!, args[T + 1]!)
    return tf.addN(ys.map((y, t) => tf.sum(tf.mul(tf.mul(y, dys[t]!), masks[t]!))))
  }
  const grads = tf.grads(lossOf)([...steps, gamma, beta])
  const forward = tf.tidy(() => {
    const r = apply(steps, gamma, beta)
    return { ys: r.ys.map((y, t) => tf.mul(y, masks[t]!)), means: r.means, vars: r.vars }
  })
  const read = async (ts: Tensor[]) => Promise.all(ts.map(values))
  const valid3 = validPositions(lengths, T, C)
  const out: Comparison[] = [
    compare('y', batchMajor(await read(forward.ys), N, T, C), c.y, tol, valid3),
    compare('dx', batchMajor(await read(grads.slice(0, T)), N, T, C), c.dx, tol),
    compare('dgamma', await values(grads[T]!), c.dgamma, tol),
    compare('dbeta', await values(grads[T + 1]!), c.dbeta, tol),
  ]
  if (c.norm === 'bn_step' || c.norm === 'bn_seq') {
    const concatenated = async (rows: Tensor[]) => Float32Array.from((await read(rows)).flatMap((r) => Array.from(r)))
    out.push(compare('mean', await concatenated(forward.means), c.mean, tol), compare('var', await concatenated(forward.vars), c.var, tol))
    out.push(compare('count', c.norm === 'bn_seq' ? [total] : counts, c.count!, tol))
  } else {
    // LN and GN statistics of the reference, per valid (n, t) (and group).
    const x = tf.tensor3d(flat(c.x), [N, T, C])
    const m = c.norm === 'ln' ? tf.moments(x, -1) : tf.moments(tf.reshape(x, [N, T, c.groups!, C / c.groups!]), -1)
    const inner = c.norm === 'ln' ? 1 : c.groups!
    out.push(compare('mean', await values(m.mean), c.mean, tol, validPositions(lengths, T, inner)), compare('var', await values(m.variance), c.var, tol, validPositions(lengths, T, inner)))
    tf.dispose([x, m.mean, m.variance])
  }
  tf.dispose([...steps, ...dys, ...masks, gamma, beta, ...grads, ...forward.ys, ...forward.means, ...forward.vars])
  return out
}

function specOf(c: { cell: CellKind; norm: NormKind; D: number; H: number; K: number }, eps: number, groups: number | null): ModelSpec {
  return { cell: c.cell, norm: c.norm, inputSize: c.D, hidden: c.H, outputs: c.K, groups: groups ?? 1, eps }
}

const paramsOf = (p: Record<string, Nested>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, flat(v)]))

async function runCell(c: CellCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const net = new RecurrentNet(specOf(c, c.meta.eps, c.groups), paramsOf(c.params))
  const x = stepInputs(flat(c.x), c.N, c.T, c.D)
  const names = Object.keys(net.vars)
  let logits: Tensor | null = null
  let hLast: Tensor | null = null
  let bnStats: Record<string, { mean: Tensor; variance: Tensor }> = {}
  const { value: loss, grads } = tf.variableGrads(() => {
    const out = net.forward(x, c.lengths, { mode: 'train' })
    logits = tf.keep(out.logits)
    hLast = tf.keep(out.hLast)
    for (const m of Object.values(out.bnStats)) {
      tf.keep(m.mean)
      tf.keep(m.variance)
    }
    bnStats = out.bnStats as typeof bnStats
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(c.labels, 'int32'), c.K), tf.logSoftmax(out.logits)), 1))) as tf.Scalar
  }, Object.values(net.vars))
  const out: Comparison[] = [
    compare('loss', await values(loss), c.loss, tol),
    compare('logits', await values(logits!), c.logits, tol),
    compare('h_last', await values(hLast!), c.h_last, tol),
    compare('count', countsPerStep(c.lengths, c.T), c.count, tol),
  ]
  for (const name of names) out.push(compare(`grad ${name}`, await values(grads[net.vars[name]!.name]!), c.grads[name]!, tol))
  for (const [term, stats] of Object.entries(c.batch_stats ?? {})) {
    if (flat(stats.mean).length === 0) continue
    const mine = bnStats[term]
    if (!mine) {
      out.push({ name: `batch_stats ${term} (not computed)`, worstAbs: Infinity, worstRatio: Infinity, pass: false })
      continue
    }
    out.push(compare(`batch_stats ${term} mean`, await values(mine.mean), stats.mean, tol), compare(`batch_stats ${term} var`, await values(mine.variance), stats.var, tol))
  }
  tf.dispose([...x, loss, logits!, hLast!, ...Object.values(grads), ...Object.values(bnStats).flatMap((m) => [m.mean, m.variance])])
  net.dispose()
  return out
}

async function runTrain(c: TrainCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const net = new RecurrentNet(specOf(c, c.meta.eps, null), paramsOf(c.init_params), c.momentum)
  const optimizer = tf.train.sgd(c.lr)
  const out: Comparison[] = []
  for (const [i, batch] of c.batches.entries()) {
    const x = stepInputs(flat(batch.x), c.N, flat(batch.x).length / (c.N * c.D), c.D)
    const step = net.trainStep(x, batch.lengths, { kind: 'class', labels: batch.labels }, optimizer)
    out.push(compare(`loss at step ${i + 1}`, await values(step.loss), batch.loss, tol))
    tf.dispose(x)
    disposeStep(step)
  }
  const final = await net.paramValues()
  for (const [name, want] of Object.entries(c.final_params)) out.push(compare(`final ${name}`, final[name]!, want, tol))
  for (const [term, want] of Object.entries(c.running) as ['x' | 'h' | 'c', TrainCase['running']['x']][]) {
    const pop = net.population.terms.get(term)
    if (!pop) {
      out.push({ name: `running ${term} (missing)`, worstAbs: Infinity, worstRatio: Infinity, pass: false })
      continue
    }
    out.push(
      compare(`running ${term} mean`, await values(pop.mean), want.mean, tol),
      compare(`running ${term} var`, await values(pop.variance), want.var, tol),
      compare(`running ${term} seen`, pop.seen, want.seen, tol),
    )
  }
  const testT = flat(c.test.x).length / (c.N * c.D)
  const x = stepInputs(flat(c.test.x), c.N, testT, c.D)
  const evaluated = tf.tidy(() => {
    const r = net.forward(x, c.test.lengths, { mode: 'eval', policy: c.eval_policy })
    return [r.logits, r.hLast]
  })
  out.push(compare(`test logits (policy ${c.eval_policy})`, await values(evaluated[0]!), c.test.logits, tol))
  out.push(compare(`test h_last (policy ${c.eval_policy})`, await values(evaluated[1]!), c.test.h_last, tol))
  tf.dispose([...x, ...evaluated])
  optimizer.dispose()
  net.dispose()
  return out
}

export async function runGoldenCase(name: string, c: GoldenCase): Promise<CaseResult> {
  let comparisons: Comparison[]
  try {
    comparisons = c.kind === 'norm' ? await runNorm(c) : c.kind === 'cell' ? await runCell(c) : await runTrain(c)
  } catch (error) {
    return { name, kind: c.kind, pass: false, worstAbs: Infinity, worstRatio: Infinity, comparisons: [], error: (error as Error).message }
  }
  const worstAbs = Math.max(0, ...comparisons.map((x) => x.worstAbs))
  const worstRatio = Math.max(0, ...comparisons.map((x) => x.worstRatio))
  return { name, kind: c.kind, pass: comparisons.every((x) => x.pass), worstAbs, worstRatio, comparisons }
}

/** Checks that a parsed JSON file looks like a reference case, with a clear error if not. */
export function asGoldenCase(name: string, value: unknown): GoldenCase {
  const v = value as Partial<GoldenCase> | null
  if (!v || typeof v !== 'object') throw new Error(`${name}: not a JSON object`)
  if (v.kind !== 'norm' && v.kind !== 'cell' && v.kind !== 'train') throw new Error(`${name}: "kind" must be norm, cell or train`)
  if (!v.meta?.tolerance || typeof v.meta.eps !== 'number') throw new Error(`${name}: missing meta.eps or meta.tolerance`)
  return v as GoldenCase
}
