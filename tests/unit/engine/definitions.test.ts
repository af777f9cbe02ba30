// One definition per cell, generated into every backend: the generated JavaScript on disk is what
// the generator writes from the definitions today; each emitter (JavaScript, GLSL, tfjs) computes
// what the formulas say; the layout of a step's packed gradient is read off the definition; and
// a cell's backward formulas are the derivatives of its forward ones (finite differences).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CELL_DEFINITIONS, cellDefinition, NORM_DEFINITIONS } from '../../../shared/kinds'
import { emit, evaluate, expr, type Operand } from '../../../shared/kinds/formulas'
import { generateCellRows } from '../../../shared/engine/emit/js'
import { cellLayout } from '../../../shared/engine/recurrence/kernels/layout'
import { GENERATED_CELL_ROWS, GENERATED_NORM_FUNCTIONS } from '../../../scripts/generated-files'
import { generateNormFunctionsJs } from '../../../shared/engine/emit/normalization'
import { ROOT } from '../../helpers/temp'
import { BENCH_CASES, BENCH_NORMS } from '../../../shared/engine/bench-cases'

describe('generated code', () => {
  it('the JavaScript of every cell on disk is what `npm run generate` writes from the definitions', () => {
    expect(readFileSync(join(ROOT, GENERATED_CELL_ROWS), 'utf8'), 'run `npm run generate`').toBe(generateCellRows())
  })
  it("the JavaScript of the normalization's formulas on disk is what `npm run generate` writes", () => {
    expect(readFileSync(join(ROOT, GENERATED_NORM_FUNCTIONS), 'utf8'), 'run `npm run generate`').toBe(
      generateNormFunctionsJs(),
    )
  })
})

describe('the benchmarks, read off the definitions', () => {
  it('time no norm and one norm per statistic domain over every term (per-step BN, LN), every cell', () => {
    expect(BENCH_NORMS).toEqual(['none', 'bn_step', 'ln'])
    for (const norm of BENCH_NORMS) {
      const d = NORM_DEFINITIONS.find((x) => x.kind === norm)!
      expect(d.terms === 'none' || d.terms === 'all').toBe(true)
    }
    expect(new Set(BENCH_CASES.map((c) => c.norm))).toEqual(new Set(BENCH_NORMS))
    expect(new Set(BENCH_CASES.map((c) => c.cell))).toEqual(new Set(CELL_DEFINITIONS.map((c) => c.kind)))
  })
})

describe('layouts, read off the definitions', () => {
  it('names every block of the packed step gradient; an LSTM shares dx and du, a GRU does not', () => {
    const lstm = cellLayout(cellDefinition('lstm'))
    expect(lstm.du).toBe(lstm.dx)
    expect([
      lstm.dx.col,
      lstm.carry.h!.col,
      lstm.carry.c!.col,
      lstm.innerDy!.col,
      lstm.innerDyXhat!.col,
      lstm.width,
    ]).toEqual([0, 4, 5, 6, 7, 8])
    expect(lstm.activations).toEqual(['i', 'f', 'g', 'o', 'c'])
    expect(lstm.kept).toEqual(['th'])
    const gru = cellLayout(cellDefinition('gru'))
    expect([gru.dx.col, gru.du.col, gru.carry.h!.col, gru.width]).toEqual([0, 3, 6, 7])
    expect(gru.carry.c).toBeNull()
    expect(gru.innerDy).toBeNull()
    const rnn = cellLayout(cellDefinition('rnn'))
    expect(rnn.stateIsActivation).toBe(true)
    expect(rnn.width).toBe(2)
  })
})

/** A cell's formulas on numbers: activations, the new state, the backward, with the inner term's normalizer the identity. */
function numericCell(
  kind: 'rnn' | 'lstm' | 'gru',
  inputs: Record<string, number>,
  upstream: { dh: number; dc: number },
) {
  const def = cellDefinition(kind)
  const env = new Map(Object.entries(inputs))
  const read = (name: string) => {
    const v = env.get(name)
    if (v === undefined) throw new Error(`no ${name}`)
    return v
  }
  for (const [name, f] of Object.entries(def.activations)) env.set(`a.${name}`, evaluate(expr(f), read))
  if (def.inner) env.set('y', read(`a.${def.inner.activation}`))
  const h = evaluate(expr(def.next.h), read)
  const c = def.next.c !== undefined ? evaluate(expr(def.next.c), read) : 0
  env.set('dh', upstream.dh)
  env.set('carry.c', upstream.dc)
  for (const [name, f] of Object.entries(def.backward.beforeNorm ?? {})) env.set(name, evaluate(expr(f), read))
  if (def.inner) env.set('dinner', read('inner')) // the identity's backward
  for (const [name, f] of Object.entries(def.backward.afterNorm)) env.set(name, evaluate(expr(f), read))
  const grad = (f: Operand) => evaluate(expr(f), read)
  return {
    loss: upstream.dh * h + upstream.dc * c,
    dx: def.gates.map((g) => grad((def.backward.dx as Record<string, Operand>)[g]!)),
    du: def.gates.map((g) => grad((def.backward.du as Record<string, Operand>)[g]!)),
    carry: { h: grad(def.backward.carry.h), c: def.backward.carry.c !== undefined ? grad(def.backward.carry.c) : 0 },
  }
}

describe('backward formulas are the derivatives of the forward ones', () => {
  it.each(['rnn', 'lstm', 'gru'] as const)('%s: every dx, du and carry against a central difference', (kind) => {
    const def = cellDefinition(kind)
    const inputs: Record<string, number> = { 'prev.h': 0.3, 'prev.c': -0.7 }
    def.gates.forEach((g, i) => {
      inputs[`x.${g}`] = 0.4 - 0.3 * i
      inputs[`u.${g}`] = -0.2 + 0.25 * i
    })
    const up = { dh: 0.9, dc: -0.6 }
    const at = numericCell(kind, inputs, up)
    const h = 1e-6
    const numeric = (name: string) =>
      (numericCell(kind, { ...inputs, [name]: inputs[name]! + h }, up).loss -
        numericCell(kind, { ...inputs, [name]: inputs[name]! - h }, up).loss) /
      (2 * h)
    def.gates.forEach((g, i) => {
      expect(at.dx[i], `d/dx.${g}`).toBeCloseTo(numeric(`x.${g}`), 6)
      expect(at.du[i], `d/du.${g}`).toBeCloseTo(numeric(`u.${g}`), 6)
    })
    // The carries are the gradient into the previous state beyond the recurrent matMul.
    expect(at.carry.h, 'd/dprev.h').toBeCloseTo(numeric('prev.h'), 6)
    if (def.state.includes('c')) expect(at.carry.c, 'd/dprev.c').toBeCloseTo(numeric('prev.c'), 6)
  })
})

describe('the emitters write what the formulas say', () => {
  it('JavaScript source of every formula evaluates to the same number as the formula', () => {
    const env: Record<string, number> = {}
    let seed = 1
    const valueOf = (name: string) => (env[name] ??= Math.sin(seed++ * 1.7) * 0.9)
    for (const def of CELL_DEFINITIONS) {
      const all = { ...def.activations, ...(def.backward.beforeNorm ?? {}), ...def.backward.afterNorm }
      for (const [name, f] of Object.entries(all)) {
        const e = expr(f)
        const source = emit(e, {
          ref: (n) => `env[${JSON.stringify(n)}]`,
          num: String,
          call: (fn, a) => (fn === 'tanh' ? `Math.tanh(${a})` : `(1 / (1 + Math.exp(-(${a}))))`),
        })
        const js = new Function('env', `return ${source}`) as (env: Record<string, number>) => number
        expect(js(new Proxy(env, { get: (_t, n: string) => valueOf(n) })), `${def.kind} ${name}`).toBeCloseTo(
          evaluate(e, valueOf),
          12,
        )
      }
    }
  })

  it('every norm is one of the statistic domains the kernels know, centered or not', () => {
    for (const def of NORM_DEFINITIONS) {
      expect(['none', 'batch-step', 'batch-sequence', 'features', 'sample-sequence']).toContain(def.over)
      // Statistics over a whole sequence exist before the loop only for the input term.
      if (def.over === 'batch-sequence' || def.over === 'sample-sequence') expect(def.terms).toBe('input')
    }
  })
})
