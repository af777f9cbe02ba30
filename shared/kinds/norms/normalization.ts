// The arithmetic every normalizer shares, written once as formulas: its statistics, the normalized
// value, its backward and the population's update. A norm's definition (norm.ts) says only which
// values one statistic is over (its domain), whether it centers and which terms it acts on; every
// backend's normalization — JavaScript and AssemblyScript generated at build time, GLSL and WGSL
// at load time, the tfjs reference — is emitted from these formulas, its own code only the loops
// over the domain. tests/unit/engine/normalization-formulas.test.ts checks the backward is the
// forward's gradient, so an error both a kernel and its reference would share has nowhere to hide.
import {
  add,
  div,
  evaluate,
  expr,
  mul,
  refsOf,
  rsqrt,
  square,
  sub,
  substitute,
  sum,
  type Expr,
  type Operand,
} from '../formulas'

/**
 * One statistic's values x, each with a mask m: 1 for a value that counts (a feature of a group,
 * a valid sample, a valid step), 0 for padding — or a weight the caller already normalized. `sum`
 * runs over every value the statistic normalizes (padding included: m keeps it out of the
 * statistics; its dy is 0). The statistics divide once by n = Σm (float32 keeps Σx/3 closer than
 * Σ(x/3): the weights' rounding is not multiplied into every term), and each value's weight in
 * them is w = m/n. Other names: eps; gamma, beta of x's feature; dy the gradient into y; rate the
 * population's momentum where the statistic moved (0 where not); pop.mean, pop.variance the
 * running statistics.
 */
const CENTERED = {
  n: sum('m'),
  sx: sum(mul('m', 'x')),
  mean: div('sx', 'n'),
  sq: sum(mul('m', square(sub('x', 'mean')))),
  variance: div('sq', 'n'),
  inv: rsqrt(add('variance', 'eps')),
  xhat: mul(sub('x', 'mean'), 'inv'),
  y: add(mul('gamma', 'xhat'), 'beta'),
  w: div('m', 'n'),
  g: mul('gamma', 'dy'),
  s1: sum('g'),
  s2: sum(mul('g', 'xhat')),
  // d/du of Σ dy·y: inv·(g − w·(Σg + x̂·Σg·x̂)) — the mean's and the variance's paths.
  du: mul('inv', sub('g', mul('w', add('s1', mul('xhat', 's2'))))),
  dgamma: mul('dy', 'xhat'),
  // The unbiased variance n/(n − 1)·σ² into the population (PyTorch's convention).
  unbias: div('n', sub('n', 1)),
  popMean: add('pop.mean', mul('rate', sub('mean', 'pop.mean'))),
  popVariance: add('pop.variance', mul('rate', sub(mul('unbias', 'variance'), 'pop.variance'))),
} as const satisfies Record<string, Expr>

export type NormFormulaName = keyof typeof CENTERED

/** The formulas of a norm that centers or not. */
export type NormFormulas = { readonly [K in NormFormulaName]: Expr }

/**
 * Without centering (RMSNorm) the mean is 0 — the "variance" the mean square, m₁ = Σg gone from
 * the backward, and no Bessel correction (no mean was estimated from the same values).
 */
export const UNCENTERED = { sx: 0, mean: 0, s1: 0, unbias: 1 } as const satisfies Readonly<Record<string, Operand>>

function build(center: boolean): NormFormulas {
  const out = {} as Record<NormFormulaName, Expr>
  for (const [name, e] of Object.entries(CENTERED) as [NormFormulaName, Expr][])
    out[name] = center
      ? e
      : name in UNCENTERED
        ? expr(UNCENTERED[name as keyof typeof UNCENTERED])
        : substitute(e, UNCENTERED)
  return out
}

const BY_CENTER = { true: build(true), false: build(false) }

export function normFormulas(center: boolean): NormFormulas {
  return BY_CENTER[String(center) as 'true' | 'false']
}

/** What a sum accumulates per value (its term), for a backend's loop. */
export function termOf(e: Expr): Expr {
  if (e.op !== 'sum') throw new Error('not a sum over a statistic')
  return e.a
}

/** Whether a formula is a sum over the statistic (a loop) rather than a value per element. */
export const isSum = (e: Expr): boolean => e.op === 'sum'

/** One statistic's values, for evaluating the formulas over them. */
export interface StatisticValues {
  x: readonly number[]
  m: readonly number[]
  gamma: readonly number[]
  beta: readonly number[]
  dy: readonly number[]
  eps: number
}

const FORWARD_AND_BACKWARD = [
  'n',
  'sx',
  'mean',
  'sq',
  'variance',
  'inv',
  'xhat',
  'y',
  'w',
  'g',
  's1',
  's2',
  'du',
  'dgamma',
] as const

/**
 * The formulas' meaning over one statistic's values, in float64: each sum over the values, each
 * other formula per value (what every backend's loops must compute; the definitions test checks
 * it against finite differences).
 */
export function evaluateOverValues(
  center: boolean,
  v: StatisticValues,
): Record<(typeof FORWARD_AND_BACKWARD)[number], number | number[]> {
  const f = normFormulas(center)
  const out: Record<string, number | number[]> = {}
  const perValue: Record<string, readonly number[]> = { x: v.x, m: v.m, gamma: v.gamma, beta: v.beta, dy: v.dy }
  const at = (i: number) => (name: string) => {
    if (name === 'eps') return v.eps
    const known = out[name] ?? perValue[name]
    if (known === undefined) throw new Error(`the normalization formulas read "${name}", which has no value`)
    return typeof known === 'number' ? known : known[i]!
  }
  for (const name of FORWARD_AND_BACKWARD) {
    const e = f[name]
    if (e.op === 'num') out[name] = e.value
    else if (isSum(e)) out[name] = v.x.reduce((s, _, i) => s + evaluate(termOf(e), at(i)), 0)
    else if ([...refsOf(e)].every((r) => r === 'eps' || typeof out[r] === 'number')) out[name] = evaluate(e, at(0))
    else out[name] = v.x.map((_, i) => evaluate(e, at(i)))
  }
  return out as Record<(typeof FORWARD_AND_BACKWARD)[number], number | number[]>
}

const WEIGHT = normFormulas(true).w

/** A valid value's weight w = m/n in a statistic over n of them (m = 1): the weights the kernels take. */
export function valueWeight(n: number): number {
  return evaluate(WEIGHT, (name) => (name === 'm' ? 1 : n))
}
