// The reference check: runs a PyTorch reference case (goldens/README.md) on whatever tfjs backend
// is active and compares every value with |a - b| <= atol + rtol·|b|. Used by the unit tests (cpu),
// `npm run lab -- golden` (cpu or wasm) and the app's self-check (the user's GPU).
import { z } from 'zod'
import { CELLS, NORMS, TERMS, type CellKind, type NormKind } from '../kinds'
import { crossEntropy } from './losses'
import { batchLayout, stepInputs } from './model'
import { countsPerStep, normalizerFor } from './norms'
import { disposeStep, RecurrentNet } from './network'
import { Population } from './population'
import type { ModelSpec } from './spec'
import { tf, type Tensor, type Tensor2D } from './tf'
import type { CaseResult, Comparison } from './golden-result'

export type { CaseResult, Comparison } from './golden-result'

type Nested = number | Nested[]
const Nested: z.ZodType<Nested> = z.lazy(() => z.union([z.number(), z.array(Nested)]))
const NumberList = z.array(z.number())
const Lengths = z.array(z.number().int().min(0))
const Meta = z.object({ eps: z.number().positive(), tolerance: z.object({ rtol: z.number().min(0), atol: z.number().min(0) }) })
const Stats = z.object({ mean: Nested, var: Nested })
type Tolerance = z.infer<typeof Meta>['tolerance']

/** The reference cases' file format (shared/goldens/README.md), checked field by field on load. */
const NormCase = z.object({
  meta: Meta,
  kind: z.literal('norm'),
  norm: z.enum(['bn_step', 'bn_seq', 'ln', 'gn']),
  N: z.number().int().min(1),
  T: z.number().int().min(1),
  C: z.number().int().min(1),
  lengths: Lengths,
  groups: z.number().int().min(1).nullish(),
  x: Nested,
  gamma: NumberList,
  beta: NumberList,
  dy: Nested,
  mean: Nested,
  var: Nested,
  count: Nested.optional(),
  y: Nested,
  dx: Nested,
  dgamma: NumberList,
  dbeta: NumberList,
})

const CellCase = z.object({
  meta: Meta,
  kind: z.literal('cell'),
  cell: z.enum(CELLS),
  norm: z.enum(NORMS),
  groups: z.number().int().min(1).nullable(),
  N: z.number().int().min(1),
  T: z.number().int().min(1),
  D: z.number().int().min(1),
  H: z.number().int().min(1),
  K: z.number().int().min(1),
  lengths: Lengths,
  x: Nested,
  labels: z.array(z.number().int().min(0)),
  params: z.record(z.string(), Nested),
  loss: z.number(),
  logits: Nested,
  h_last: Nested,
  grads: z.record(z.string(), Nested),
  count: NumberList,
  batch_stats: z.record(z.enum(TERMS), Stats).optional(),
})

const TrainCase = z.object({
  meta: Meta,
  kind: z.literal('train'),
  cell: z.enum(CELLS),
  norm: z.enum(NORMS),
  N: z.number().int().min(1),
  T: z.number().int().min(1),
  D: z.number().int().min(1),
  H: z.number().int().min(1),
  K: z.number().int().min(1),
  lr: z.number().positive(),
  momentum: z.number().positive(),
  eval_policy: z.literal('last'),
  init_params: z.record(z.string(), Nested),
  batches: z.array(z.object({ x: Nested, labels: z.array(z.number().int().min(0)), lengths: Lengths, loss: z.number() })).min(1),
  final_params: z.record(z.string(), Nested),
  running: z.record(z.enum(TERMS), z.object({ mean: Nested, var: Nested, seen: NumberList })),
  test: z.object({ x: Nested, lengths: Lengths, logits: Nested, h_last: Nested }),
})

const GoldenCaseSchema = z.discriminatedUnion('kind', [NormCase, CellCase, TrainCase])
export type NormCase = z.infer<typeof NormCase>
export type CellCase = z.infer<typeof CellCase>
export type TrainCase = z.infer<typeof TrainCase>
export type GoldenCase = z.infer<typeof GoldenCaseSchema>

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
 * Runs a normalizer case through the normalizer object the model uses (norms/): one [N, C] tensor
 * per time step as the input term, begin a training pass, apply step by step. The case's γ/β are
 * the input term's.
 */
async function runNorm(c: NormCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const { N, T, C, lengths } = c
  const layout = batchLayout(lengths, T)
  const { counts } = layout
  const total = counts.reduce((a, k) => a + k, 0)
  const steps = stepInputs(flat(c.x), N, T, C)
  const dys = stepInputs(flat(c.dy), N, T, C)
  const masks = counts.map((_, t) => tf.tensor2d(lengths.map((l) => (t < l ? 1 : 0)), [N, 1]))
  const gamma = tf.tensor1d(c.gamma)
  const beta = tf.tensor1d(c.beta)
  const population = new Population()
  const normalizer = normalizerFor(c.norm)

  /** y per step, and the batch statistics the pass would fold into the population. */
  const apply = (xs: Tensor2D[], g: Tensor, b: Tensor) => {
    const pass = normalizer.begin(
      { mode: 'train', batch: layout, affine: () => ({ gamma: g, beta: b }), population, policy: 'last', eps: c.meta.eps, groups: c.groups ?? 1 },
      xs.map((x, t) => (counts[t]! > 0 ? x : null)),
    )
    const ys = xs.map((x, t) => (counts[t] === 0 ? tf.zerosLike(x) : pass.apply('x', x, t).y))
    return { ys, updates: pass.populationUpdates() }
  }
  // loss = sum over valid positions of y · dy
  const lossOf = (...args: Tensor[]) => {
    const { ys, updates } = apply(args.slice(0, T) as Tensor2D[], args[T]!, args[T + 1]!)
    tf.dispose(updates.flatMap((u) => [u.moments.mean, u.moments.variance]))
    return tf.addN(ys.map((y, t) => tf.sum(tf.mul(tf.mul(y, dys[t]!), masks[t]!))))
  }
  const grads = tf.grads(lossOf)([...steps, gamma, beta])
  const forward = tf.tidy(() => {
    const r = apply(steps, gamma, beta)
    const stats = r.updates[0]?.moments
    return { ys: r.ys.map((y, t) => tf.mul(y, masks[t]!)), means: stats ? [stats.mean] : [], vars: stats ? [stats.variance] : [] }
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
    out.push(compare('mean', await values(forward.means[0]!), c.mean, tol), compare('var', await values(forward.vars[0]!), c.var, tol))
    out.push(compare('count', c.norm === 'bn_seq' ? [total] : counts, c.count!, tol))
  } else {
    // LN and GN keep no statistics: check the reference's own per-(sample, step) moments against
    // the inputs, so a misread case file is caught.
    const x = tf.tensor3d(flat(c.x), [N, T, C])
    const m = c.norm === 'ln' ? tf.moments(x, -1) : tf.moments(tf.reshape(x, [N, T, c.groups!, C / c.groups!]), -1)
    const inner = c.norm === 'ln' ? 1 : c.groups!
    out.push(compare('mean', await values(m.mean), c.mean, tol, validPositions(lengths, T, inner)), compare('var', await values(m.variance), c.var, tol, validPositions(lengths, T, inner)))
    tf.dispose([x, m.mean, m.variance])
  }
  tf.dispose([...steps, ...dys, ...masks, gamma, beta, ...grads, ...forward.ys, ...forward.means, ...forward.vars])
  tf.dispose(layout.weights.flatMap((w) => (w ? [w.col, w.row] : [])))
  population.dispose()
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
  const bnStats: Record<string, { mean: Tensor; variance: Tensor }> = {}
  const { value: loss, grads } = tf.variableGrads(() => {
    const out = net.forward(x, c.lengths, { mode: 'train' })
    logits = tf.keep(out.logits)
    hLast = tf.keep(out.hLast)
    for (const u of out.populationUpdates) {
      tf.keep(u.moments.mean)
      tf.keep(u.moments.variance)
      bnStats[u.term] = u.moments
    }
    return crossEntropy(out.logits, c.labels) as tf.Scalar
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

/** Validates a parsed JSON file as a reference case, naming the file and every field that is off. */
export function asGoldenCase(name: string, value: unknown): GoldenCase {
  const parsed = GoldenCaseSchema.safeParse(value)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(case)'}: ${i.message}`)
  throw new Error(`${name} is not a reference case: ${issues.join('; ')}`)
}
