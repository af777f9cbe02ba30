// The small expression language cells are written in: one time step of one hidden unit, forward
// and backward, as formulas over named values ('x.i', 'a.f', 'dh'…). The engine turns the same
// formulas into JavaScript loops (generated at build time: the app's CSP allows no eval), GLSL
// (and, next, WGSL) at load time, and tfjs ops for the step-by-step reference model. Plain data:
// no tfjs, nothing that runs.

export type Expr =
  | { readonly op: 'ref'; readonly name: string }
  | { readonly op: 'num'; readonly value: number }
  | { readonly op: 'add' | 'sub' | 'mul'; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'neg' | 'sigmoid' | 'tanh' | 'square'; readonly a: Expr }

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
  else if (e.op === 'add' || e.op === 'sub' || e.op === 'mul') {
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
  if (a.op === 'add' || a.op === 'sub' || a.op === 'mul')
    return sameExpr(a.a, (b as typeof a).a) && sameExpr(a.b, (b as typeof a).b)
  return sameExpr(a.a, (b as typeof a).a)
}

/** Writes an expression in a target language: names and numbers as the target reads them, operators as it spells them. */
export interface Dialect {
  ref(name: string): string
  num(value: number): string
  call(fn: 'sigmoid' | 'tanh', arg: string): string
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
    case 'neg':
      return `(-${emit(e.a, d)})`
    case 'square': {
      const a = emit(e.a, d)
      return `(${a} * ${a})`
    }
    case 'sigmoid':
    case 'tanh':
      return d.call(e.op, bare(emit(e.a, d)))
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
    case 'neg':
      return -evaluate(e.a, env)
    case 'square':
      return evaluate(e.a, env) ** 2
    case 'sigmoid':
      return 1 / (1 + Math.exp(-evaluate(e.a, env)))
    case 'tanh':
      return Math.tanh(evaluate(e.a, env))
  }
}
