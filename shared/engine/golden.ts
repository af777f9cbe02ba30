// The reference check: runs a PyTorch reference case (goldens/README.md) on whatever tfjs backend
// is active and compares every value with |a - b| <= atol + rtol·|b|. Used by the unit tests (cpu),
// `npm run lab -- golden` (cpu or wasm) and the app's self-check (the user's GPU).
import { perStepMoments, sequenceMask, sequenceMoments, affineNormalize, layerNorm, groupNorm, countsPerStep, type NormKind } from './normalizers'
import { RecurrentNet } from './network'
import type { CellKind, ModelSpec } from './spec'
import { tf, type Tensor, type Tensor3D } from './tf'

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

export interface Comparison {
  name: string
  /** Largest |a - b|. */
  worstAbs: number
  /** Largest |a - b| / (atol + rtol·|b|): 1 or less passes. */
  worstRatio: number
  pass: boolean
}

export interface CaseResult {
  name: string
  kind: GoldenCase['kind']
  pass: boolean
  worstAbs: number
  worstRatio: number
  comparisons: Comparison[]
  error?: string
}

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

async function runNorm(c: NormCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const x = tf.tensor3d(flat(c.x), [c.N, c.T, c.C])
  const gamma = tf.tensor1d(c.gamma)
  const beta = tf.tensor1d(c.beta)
  const mask = sequenceMask(c.lengths, c.T)
  const counts = countsPerStep(c.lengths, c.T)
  const maskOrOnes = mask ?? tf.ones([c.N, c.T, 1])
  const dy = tf.tensor3d(flat(c.dy), [c.N, c.T, c.C])
  const eps = c.meta.eps
  const apply = (xv: Tensor3D, g: Tensor, b: Tensor) => {
    switch (c.norm) {
      case 'bn_step':
        return affineNormalize(xv, perStepMoments(xv, mask, counts), { gamma: g, beta: b }, eps)
      case 'bn_seq':
        return affineNormalize(xv, sequenceMoments(xv, mask, counts.reduce((a, k) => a + k, 0)), { gamma: g, beta: b }, eps)
      case 'ln':
        return layerNorm(xv, { gamma: g, beta: b }, eps)
      case 'gn':
        return groupNorm(xv, c.groups!, { gamma: g, beta: b }, eps)
      default:
        throw new Error(`no reference check for norm ${c.norm}`)
    }
  }
  const f = (xv: Tensor, g: Tensor, b: Tensor) => tf.sum(tf.mul(tf.mul(apply(xv as Tensor3D, g, b), dy), maskOrOnes))
  const [dx, dgamma, dbeta] = tf.grads(f)([x, gamma, beta])
  const y = tf.mul(apply(x, gamma, beta), maskOrOnes)
  const valid = validPositions(c.lengths, c.T, c.C)
  const out: Comparison[] = [
    compare('y', await values(y), c.y, tol, valid),
    compare('dx', await values(dx!), c.dx, tol),
    compare('dgamma', await values(dgamma!), c.dgamma, tol),
    compare('dbeta', await values(dbeta!), c.dbeta, tol),
  ]
  const stats: { mean: Tensor; variance: Tensor } = tf.tidy(() => {
    const total = counts.reduce((a, k) => a + k, 0)
    const m =
      c.norm === 'bn_step'
        ? perStepMoments(x, mask, counts)
        : c.norm === 'bn_seq'
          ? sequenceMoments(x, mask, total)
          : c.norm === 'ln'
            ? tf.moments(x, -1)
            : tf.moments(tf.reshape(x, [c.N, c.T, c.groups!, c.C / c.groups!]), -1)
    return { mean: m.mean, variance: m.variance }
  })
  const statsValid = c.norm === 'ln' ? validPositions(c.lengths, c.T, 1) : c.norm === 'gn' ? validPositions(c.lengths, c.T, c.groups!) : undefined
  out.push(compare('mean', await values(stats.mean), c.mean, tol, statsValid), compare('var', await values(stats.variance), c.var, tol, statsValid))
  if (c.count !== undefined) {
    const want = c.norm === 'bn_seq' ? [counts.reduce((a, k) => a + k, 0)] : counts
    out.push(compare('count', want, c.count, tol))
  }
  tf.dispose([x, gamma, beta, dy, dx, dgamma, dbeta, y, stats.mean, stats.variance, maskOrOnes])
  if (mask) mask.dispose()
  return out
}

function specOf(c: { cell: CellKind; norm: NormKind; D: number; H: number; K: number }, eps: number, groups: number | null): ModelSpec {
  return { cell: c.cell, norm: c.norm, inputSize: c.D, hidden: c.H, outputs: c.K, groups: groups ?? 1, eps }
}

const paramsOf = (p: Record<string, Nested>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, flat(v)]))

async function runCell(c: CellCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const net = new RecurrentNet(specOf(c, c.meta.eps, c.groups), paramsOf(c.params))
  const x = tf.tensor3d(flat(c.x), [c.N, c.T, c.D])
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
  tf.dispose([x, loss, logits!, hLast!, ...Object.values(grads), ...Object.values(bnStats).flatMap((m) => [m.mean, m.variance])])
  net.dispose()
  return out
}

async function runTrain(c: TrainCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const net = new RecurrentNet(specOf(c, c.meta.eps, null), paramsOf(c.init_params), c.momentum)
  const optimizer = tf.train.sgd(c.lr)
  const out: Comparison[] = []
  for (const [i, batch] of c.batches.entries()) {
    const x = tf.tensor3d(flat(batch.x), [c.N, batch.lengths.length ? flat(batch.x).length / (c.N * c.D) : 0, c.D])
    const step = net.trainStep(x, batch.lengths, { kind: 'class', labels: batch.labels }, optimizer)
    out.push(compare(`loss at step ${i + 1}`, await values(step.loss), batch.loss, tol))
    tf.dispose([x, step.loss, step.accuracy, step.gradNorm])
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
  const x = tf.tensor3d(flat(c.test.x), [c.N, testT, c.D])
  const evaluated = tf.tidy(() => {
    const r = net.forward(x, c.test.lengths, { mode: 'eval', policy: c.eval_policy })
    return [r.logits, r.hLast]
  })
  out.push(compare(`test logits (policy ${c.eval_policy})`, await values(evaluated[0]!), c.test.logits, tol))
  out.push(compare(`test h_last (policy ${c.eval_policy})`, await values(evaluated[1]!), c.test.h_last, tol))
  tf.dispose([x, ...evaluated])
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
