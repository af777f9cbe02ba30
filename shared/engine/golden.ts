// The reference check: runs a PyTorch reference case (goldens/README.md) on whatever tfjs backend
// is active and compares every value with |a - b| <= atol + rtol·|b|. Used by the unit tests (cpu),
// `npm run lab -- golden` (cpu or wasm) and the app's self-check (the user's GPU).
import { z } from 'zod'
import { CELLS, isBatchNorm, normDefinition, NORMS, TERMS, type CellKind, type NormKind } from '../kinds'
import { crossEntropy } from './core/losses'
import { countsPerStep } from './core/moments'
import type { ModelSpec } from './core/spec'
import { stepInputs } from './model'
import { disposeStep, RecurrentNet } from './network'
import { normalizeSequence } from './recurrence/norm-op'
import { tf, type Tensor, type Tensor2D } from './core/tf'
import type { CaseResult, Comparison } from './golden-result'

export type { CaseResult, Comparison } from './golden-result'

type Nested = number | Nested[]
const Nested: z.ZodType<Nested> = z.lazy(() => z.union([z.number(), z.array(Nested)]))
const NumberList = z.array(z.number())
const Lengths = z.array(z.number().int().min(0))
const Meta = z.object({
  eps: z.number().positive(),
  tolerance: z.object({ rtol: z.number().min(0), atol: z.number().min(0) }),
})
const Stats = z.object({ mean: Nested, var: Nested })
type Tolerance = z.infer<typeof Meta>['tolerance']

/** The reference cases' file format (shared/goldens/README.md), checked field by field on load. */
const NormCase = z.object({
  meta: Meta,
  kind: z.literal('norm'),
  norm: z.enum(NORMS).refine((norm) => norm !== 'none', 'a normalizer case needs a norm'),
  N: z.number().int().min(1),
  T: z.number().int().min(1),
  C: z.number().int().min(1),
  lengths: Lengths,
  groups: z.number().int().min(1).nullish(),
  x: Nested,
  gamma: NumberList,
  beta: NumberList,
  dy: Nested,
  /** Centering norms: the statistics; RMSNorm: the mean square `ms`. */
  mean: Nested.optional(),
  var: Nested.optional(),
  ms: Nested.optional(),
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
  /** InstanceNorm: each sample's statistics of x·Wx over its valid steps, [N][G·H]. */
  instance_stats: Stats.optional(),
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
  batches: z
    .array(z.object({ x: Nested, labels: z.array(z.number().int().min(0)), lengths: Lengths, loss: z.number() }))
    .min(1),
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

function compare(
  name: string,
  actual: ArrayLike<number>,
  expected: Nested,
  tol: Tolerance,
  include?: (i: number) => boolean,
): Comparison {
  const want = flat(expected)
  if (actual.length !== want.length)
    return {
      name: `${name} (got ${actual.length} values, expected ${want.length})`,
      worstAbs: Infinity,
      worstRatio: Infinity,
      pass: false,
    }
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

/** Batch-major [N, T, C] values as time-major rows [T·N, C] (row t·N + n), and back. */
function timeMajor(values: number[], N: number, T: number, C: number): Float32Array {
  const out = new Float32Array(N * T * C)
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++) out.set(values.slice((n * T + t) * C, (n * T + t + 1) * C), (t * N + n) * C)
  return out
}

function batchMajorRows(rows: Float32Array, N: number, T: number, C: number): Float32Array {
  const out = new Float32Array(N * T * C)
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) out.set(rows.subarray((t * N + n) * C, (t * N + n + 1) * C), (n * T + t) * C)
  return out
}

/**
 * Runs a normalizer case through the recurrence's normalizing kernels (recurrence/norm-op.ts),
 * the input stacked over time as training stacks a cell's input term; the case's γ/β are its.
 * loss = Σ over valid positions of y·dy.
 */
async function runNorm(c: NormCase): Promise<Comparison[]> {
  const tol = c.meta.tolerance
  const { N, T, C, lengths } = c
  const counts = countsPerStep(lengths, T)
  const total = counts.reduce((a, k) => a + k, 0)
  const X = tf.tensor2d(timeMajor(flat(c.x), N, T, C), [T * N, C])
  const mask = new Float32Array(T * N * C)
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) if (t < lengths[n]!) mask.fill(1, (t * N + n) * C, (t * N + n + 1) * C)
  const dyMasked = tf.mul(tf.tensor2d(timeMajor(flat(c.dy), N, T, C), [T * N, C]), tf.tensor2d(mask, [T * N, C]))
  const gamma = tf.tensor1d(c.gamma)
  const beta = tf.tensor1d(c.beta)
  const kept: { y?: Tensor; stats?: { mean: Tensor; variance: Tensor } | null } = {}
  const { value, grads } = tf.valueAndGrads((x: Tensor, g: Tensor, b: Tensor) => {
    const r = normalizeSequence(c.norm, c.groups ?? 1, c.meta.eps, x as Tensor2D, { N, T, lengths, counts }, g, b)
    kept.y = tf.keep(tf.mul(r.y, tf.tensor2d(mask, [T * N, C])))
    kept.stats = r.stats
    return tf.sum(tf.mul(r.y, dyMasked)) as tf.Scalar
  })([X, gamma, beta])
  const valid3 = validPositions(lengths, T, C)
  const out: Comparison[] = [
    compare('y', batchMajorRows(await values(kept.y!), N, T, C), c.y, tol, valid3),
    compare('dx', batchMajorRows(await values(grads[0]!), N, T, C), c.dx, tol),
    compare('dgamma', await values(grads[1]!), c.dgamma, tol),
    compare('dbeta', await values(grads[2]!), c.dbeta, tol),
  ]
  const def = normDefinition(c.norm)
  if (def.over === 'sample-sequence') {
    // Each sample's own statistics, as the kernels computed them: [N, C] and the steps behind each.
    out.push(
      compare('mean', await values(kept.stats!.mean), c.mean!, tol),
      compare('var', await values(kept.stats!.variance), c.var!, tol),
      compare('count', lengths, c.count!, tol),
    )
  } else if (isBatchNorm(c.norm)) {
    out.push(
      compare('mean', await values(kept.stats!.mean), c.mean!, tol),
      compare('var', await values(kept.stats!.variance), c.var!, tol),
    )
    out.push(compare('count', def.over === 'batch-sequence' ? [total] : counts, c.count!, tol))
  } else {
    // Per-sample norms keep no statistics: check the case's own per-(sample, step, group) moments
    // against its inputs, so a misread case file is caught.
    const groups = def.grouped ? c.groups! : 1
    const x = tf.reshape(tf.tensor3d(flat(c.x), [N, T, C]), [N, T, groups, C / groups])
    const m = tf.moments(x, -1)
    const meanSquare = tf.mean(tf.square(x), -1)
    const validGroups = validPositions(lengths, T, groups)
    if (def.center)
      out.push(
        compare('mean', await values(m.mean), c.mean!, tol, validGroups),
        compare('var', await values(m.variance), c.var!, tol, validGroups),
      )
    else out.push(compare('ms', await values(meanSquare), c.ms!, tol, validGroups))
    tf.dispose([x, m.mean, m.variance, meanSquare])
  }
  tf.dispose([
    X,
    dyMasked,
    gamma,
    beta,
    value,
    ...grads,
    kept.y!,
    ...(kept.stats ? [kept.stats.mean, kept.stats.variance] : []),
  ])
  return out
}

function specOf(
  c: { cell: CellKind; norm: NormKind; D: number; H: number; K: number },
  eps: number,
  groups: number | null,
): ModelSpec {
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
  for (const name of names)
    out.push(compare(`grad ${name}`, await values(grads[net.vars[name]!.name]!), c.grads[name]!, tol))
  for (const [term, stats] of Object.entries(c.batch_stats ?? {})) {
    if (flat(stats.mean).length === 0) continue
    const mine = bnStats[term]
    if (!mine) {
      out.push({ name: `batch_stats ${term} (not computed)`, worstAbs: Infinity, worstRatio: Infinity, pass: false })
      continue
    }
    out.push(
      compare(`batch_stats ${term} mean`, await values(mine.mean), stats.mean, tol),
      compare(`batch_stats ${term} var`, await values(mine.variance), stats.var, tol),
    )
  }
  if (c.instance_stats) {
    // The case's own per-sample statistics of x·Wx against its inputs, so a misread case is caught.
    const stats = tf.tidy(() => {
      const U = tf.reshape(
        tf.matMul(
          tf.reshape(tf.tensor3d(flat(c.x), [c.N, c.T, c.D]), [c.N * c.T, c.D]),
          tf.tensor2d(flat(c.params.Wx!), [c.D, flat(c.params.b!).length]),
        ),
        [c.N, c.T, -1],
      )
      const w = tf.tensor3d(
        Array.from({ length: c.N * c.T }, (_, i) =>
          i % c.T < c.lengths[Math.floor(i / c.T)]! ? 1 / c.lengths[Math.floor(i / c.T)]! : 0,
        ),
        [c.N, c.T, 1],
      )
      const mean = tf.sum(tf.mul(U, w), 1)
      return [mean, tf.sum(tf.mul(tf.square(tf.sub(U, tf.expandDims(mean, 1))), w), 1)]
    })
    out.push(
      compare('instance_stats mean', await values(stats[0]!), c.instance_stats.mean, tol),
      compare('instance_stats var', await values(stats[1]!), c.instance_stats.var, tol),
    )
    tf.dispose(stats)
  }
  tf.dispose([
    ...x,
    loss,
    logits!,
    hLast!,
    ...Object.values(grads),
    ...Object.values(bnStats).flatMap((m) => [m.mean, m.variance]),
  ])
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
    return {
      name,
      kind: c.kind,
      pass: false,
      worstAbs: Infinity,
      worstRatio: Infinity,
      comparisons: [],
      error: (error as Error).message,
    }
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
