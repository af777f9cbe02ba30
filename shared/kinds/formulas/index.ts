// The small expression language cells and normalizers are written in: one time step of one hidden
// unit, forward and backward, as formulas over named values ('x.i', 'a.f', 'dh'…); a normalizer's
// statistics as sums over its statistic's values (`sum`: which values is the norm's domain, the
// backend's loop — the formula says only what is summed). The engine turns the same
// formulas into JavaScript loops (generated at build time: the app's CSP allows no eval), GLSL
// (and, next, WGSL) at load time, and tfjs ops for the step-by-step reference model. Plain data:
// no tfjs, nothing that runs.

export type Expr =
  | { readonly op: 'ref'; readonly name: string }
  | { readonly op: 'num'; readonly value: number }
  | { readonly op: 'add' | 'sub' | 'mul' | 'div'; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'neg' | 'sigmoid' | 'tanh' | 'square' | 'rsqrt'; readonly a: Expr }
  /** The sum of `a` over every value of a statistic's domain (a reduction: emitted as a loop's accumulation, never inline). */
  | { readonly op: 'sum'; readonly a: Expr }

/** What a formula takes: an expression, a name (a value defined elsewhere) or a number. */
export type Operand = Expr | string | number

/** Named formulas in order: each may use the names before it. */
export type Bindings = Readonly<Record<string, Operand>>

export const expr = (x: Operand): Expr =>
  typeof x === 'string' ? { op: 'ref', name: x } : typeof x === 'number' ? { op: 'num', value: x } : x

const fold = (op: 'add' | 'mul', xs: Operand[]): Expr => xs.map(expr).reduce((a, b) => ({ op, a, b }))

export const add = (...xs: [Operand, Operand, ...Operand[]]): Expr => fold('add', xs)
export const mul = (...xs: [Operand, Operand, ...Operand[]]): Expr => fold('mul', xs)
export const sub = (a: Operand, b: Operand): Expr => ({ op: 'sub', a: expr(a), b: expr(b) })
export const div = (a: Operand, b: Operand): Expr => ({ op: 'div', a: expr(a), b: expr(b) })
/** 1/√a. */
export const rsqrt = (a: Operand): Expr => ({ op: 'rsqrt', a: expr(a) })
/** Σ a over the statistic's values. */
export const sum = (a: Operand): Expr => ({ op: 'sum', a: expr(a) })
export const neg = (a: Operand): Expr => ({ op: 'neg', a: expr(a) })
export const square = (a: Operand): Expr => ({ op: 'square', a: expr(a) })
export const sigmoid = (a: Operand): Expr => ({ op: 'sigmoid', a: expr(a) })
export const tanh = (a: Operand): Expr => ({ op: 'tanh', a: expr(a) })
export const oneMinus = (a: Operand): Expr => sub(1, a)
/** σ'(z) from s = σ(z): s(1 − s). */
export const dsigmoid = (s: Operand): Expr => mul(s, oneMinus(s))
/** tanh'(z) from t = tanh(z): 1 − t². */
export const dtanh = (t: Operand): Expr => oneMinus(square(t))

/** Every name an expression reads. */
export function refsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.op === 'ref') out.add(e.name)
  else if (e.op === 'add' || e.op === 'sub' || e.op === 'mul' || e.op === 'div') {
    refsOf(e.a, out)
    refsOf(e.b, out)
  } else if (e.op !== 'num') refsOf(e.a, out)
  return out
}

/** The bindings the given expressions need (directly or through other bindings), in binding order. */
export function needed(bindings: Bindings, roots: readonly Expr[]): string[] {
  const want = new Set<string>()
  const visit = (e: Expr) => {
    for (const name of refsOf(e)) {
      if (want.has(name) || !(name in bindings)) continue
      want.add(name)
      visit(expr(bindings[name]!))
    }
  }
  roots.forEach(visit)
  return Object.keys(bindings).filter((name) => want.has(name))
}

/** Structural equality (the same formula written twice). */
export function sameExpr(a: Expr, b: Expr): boolean {
  if (a.op !== b.op) return false
  if (a.op === 'ref') return a.name === (b as typeof a).name
  if (a.op === 'num') return a.value === (b as typeof a).value
  if (a.op === 'add' || a.op === 'sub' || a.op === 'mul' || a.op === 'div')
    return sameExpr(a.a, (b as typeof a).a) && sameExpr(a.b, (b as typeof a).b)
  return sameExpr(a.a, (b as typeof a).a)
}

/** Writes an expression in a target language: names and numbers as the target reads them, operators as it spells them. */
export interface Dialect {
  ref(name: string): string
  num(value: number): string
  call(fn: 'sigmoid' | 'tanh' | 'rsqrt', arg: string): string
}

/** Source text without the parentheses around the whole of it (a statement's right side, a call's argument). */
export function bare(source: string): string {
  if (!source.startsWith('(') || !source.endsWith(')')) return source
  let depth = 0
  for (let i = 0; i < source.length - 1; i++) {
    if (source[i] === '(') depth++
    else if (source[i] === ')') depth--
    if (depth === 0) return source // the first parenthesis closes before the end: not one group
  }
  return source.slice(1, -1)
}

/** An expression as source text in a dialect (inner terms fully parenthesized: no precedence to get wrong). */
export function emit(e: Expr, d: Dialect): string {
  switch (e.op) {
    case 'ref':
      return d.ref(e.name)
    case 'num':
      return d.num(e.value)
    case 'add':
      return `(${emit(e.a, d)} + ${emit(e.b, d)})`
    case 'sub':
      return `(${emit(e.a, d)} - ${emit(e.b, d)})`
    case 'mul':
      return `(${emit(e.a, d)} * ${emit(e.b, d)})`
    case 'div':
      return `(${emit(e.a, d)} / ${emit(e.b, d)})`
    case 'neg':
      return `(-${emit(e.a, d)})`
    case 'square': {
      const a = emit(e.a, d)
      return `(${a} * ${a})`
    }
    case 'sigmoid':
    case 'tanh':
    case 'rsqrt':
      return d.call(e.op, bare(emit(e.a, d)))
    case 'sum':
      throw new Error('a sum over a statistic is a loop: emit its term (the backend accumulates it), not the sum')
  }
}

/** The value of an expression over numbers (tests, and a check of every emitter against it). */
export function evaluate(e: Expr, env: (name: string) => number): number {
  switch (e.op) {
    case 'ref':
      return env(e.name)
    case 'num':
      return e.value
    case 'add':
      return evaluate(e.a, env) + evaluate(e.b, env)
    case 'sub':
      return evaluate(e.a, env) - evaluate(e.b, env)
    case 'mul':
      return evaluate(e.a, env) * evaluate(e.b, env)
    case 'div':
      return evaluate(e.a, env) / evaluate(e.b, env)
    case 'neg':
      return -evaluate(e.a, env)
    case 'square':
      return evaluate(e.a, env) ** 2
    case 'sigmoid':
      return 1 / (1 + Math.exp(-evaluate(e.a, env)))
    case 'tanh':
      return Math.tanh(evaluate(e.a, env))
    case 'rsqrt':
      return 1 / Math.sqrt(evaluate(e.a, env))
    case 'sum':
      throw new Error('a sum over a statistic has no value at one element: evaluate it over its values (sumOver)')
  }
}

/**
 * An expression with names replaced (by numbers or other expressions), folded where a 0 or 1 makes
 * a term vanish: how a norm that does not center loses its mean (μ = 0, m₁ = 0) before it is emitted.
 */
export function substitute(e: Expr, values: Readonly<Record<string, Operand>>): Expr {
  const num = (x: Expr) => (x.op === 'num' ? x.value : null)
  switch (e.op) {
    case 'ref':
      return e.name in values ? expr(values[e.name]!) : e
    case 'num':
      return e
    case 'add':
    case 'sub':
    case 'mul':
    case 'div': {
      const a = substitute(e.a, values)
      const b = substitute(e.b, values)
      const [x, y] = [num(a), num(b)]
      if (x !== null && y !== null) return expr(evaluate({ op: e.op, a, b }, () => 0))
      if (e.op === 'add' && x === 0) return b
      if ((e.op === 'add' || e.op === 'sub') && y === 0) return a
      if (e.op === 'sub' && x === 0) return { op: 'neg', a: b }
      if (e.op === 'mul' && (x === 0 || y === 0)) return expr(0)
      if (e.op === 'mul' && x === 1) return b
      if ((e.op === 'mul' || e.op === 'div') && y === 1) return a
      return { op: e.op, a, b }
    }
    default: {
      const a = substitute(e.a, values)
      if (e.op === 'sum' && num(a) === 0) return expr(0)
      if (e.op === 'square' && num(a) === 0) return expr(0)
      return { op: e.op, a }
    }
  }
}
