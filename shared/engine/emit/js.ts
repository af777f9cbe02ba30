// A cell's formulas as JavaScript: the source of recurrence/js/cells.generated.ts. Run at build
// time (`npm run generate`; a unit test fails when the file is stale), because the app's CSP
// allows no eval: the page cannot compile JavaScript at load time the way it compiles shaders.
// Each function is one sample's row: the names a formula reads become array reads (once each,
// into locals), its bindings locals, its outputs writes.
import { bare, emit, expr, needed, refsOf, type Bindings, type Dialect, type Operand } from '../../kinds/formulas'
import { CELL_DEFINITIONS, type CellDefinition } from '../../kinds/cells'
import { cellLayout, type CellLayout } from '../recurrence/kernels/layout'

const local = (name: string) => `v_${name.replace(/\./g, '_')}`

const JS: Dialect = {
  ref: local,
  num: (v) => (Object.is(v, -0) ? '0' : String(v)),
  call: (fn, arg) => (fn === 'tanh' ? `Math.tanh(${arg})` : `sigmoid(${arg})`),
}

/** Reads of the names a function's formulas use, as `const v_name = …` lines. */
type Reader = (name: string) => string | null

interface Output {
  /** Where the value goes: an array element expression. */
  to: string
  value: Operand
}

/**
 * A row function's body: one declaration reading every name its formulas use, a line per
 * formula, one line of writes (so a cell's generated code reads as its formulas, not as rows of
 * array accesses).
 */
function body(bindings: Bindings, outputs: readonly Output[], read: Reader): string[] {
  const roots = outputs.map((o) => expr(o.value))
  const order = needed(bindings, roots)
  const used = new Set([...roots, ...order.map((n) => expr(bindings[n]!))].flatMap((e) => [...refsOf(e)]))
  const reads: string[] = []
  for (const name of [...used].sort()) {
    if (name in bindings) continue
    const from = read(name)
    if (from === null) throw new Error(`a formula reads "${name}", which this stage does not have`)
    reads.push(`${local(name)} = ${from}!`)
  }
  return [
    ...(reads.length ? [`const ${reads.join(', ')}`] : []),
    ...order.map((name) => `const ${local(name)} = ${bare(emit(expr(bindings[name]!), JS))}`),
    outputs.map((o) => `${o.to} = ${bare(emit(expr(o.value), JS))}`).join('; '),
  ]
}

/** Reads every stage shares: activations from A, y, the previous state. */
function common(def: CellDefinition, layout: CellLayout): Reader {
  return (name) => {
    if (name.startsWith('a.')) {
      const i = layout.activations.indexOf(name.slice(2))
      return i < 0 ? null : `A[ao + ${i} * H + k]`
    }
    if (name === 'y') return def.inner ? 'y![bo + k]' : null
    if (name === 'prev.h') return 'ph[so + k]'
    if (name === 'prev.c') return def.state.includes('c') ? 'pc![so + k]' : null
    return null
  }
}

function backwardReader(def: CellDefinition, layout: CellLayout): Reader {
  const base = common(def, layout)
  return (name) => {
    if (name === 'dh') return 'dh[bo + k]'
    if (name === 'carry.c') return def.state.includes('c') ? 'cc![bo + k]' : null
    return base(name)
  }
}

function fn(signature: string, lines: string[]): string {
  return [`    ${signature} {`, '      for (let k = 0; k < H; k++) {', ...lines.map((l) => `        ${l}`), '      }', '    },'].join('\n')
}

function cellSource(def: CellDefinition): string {
  const layout = cellLayout(def)
  const activationBindings = Object.fromEntries(Object.entries(def.activations).map(([name, f]) => [`a.${name}`, f]))
  const gateIndex = (prefix: string, name: string) => (name.startsWith(prefix) ? def.gates.indexOf(name.slice(prefix.length)) : -1)
  const gates = body(
    activationBindings,
    layout.activations.map((name, i) => ({ to: `A[ao + ${i} * H + k]`, value: `a.${name}` })),
    (name) => {
      const x = gateIndex('x.', name)
      if (x >= 0) return `x[xo + ${x} * H + k]`
      const u = gateIndex('u.', name)
      if (u >= 0) return `u[uo + ${u} * H + k]`
      return name.startsWith('a.') ? null : common(def, layout)(name)
    },
  )
  const state = body({}, [{ to: 'h[oo + k]', value: def.next.h }, ...(def.next.c !== undefined ? [{ to: 'c![oo + k]', value: def.next.c }] : [])], common(def, layout))
  const K = layout.kept.length
  const before = def.backward.beforeNorm ?? {}
  const beforeNorm = def.inner
    ? fn('beforeNorm(H, A, ao, y, bo, ph, pc, so, dh, cc, inner, keep)', body(before, [{ to: 'inner[bo + k]', value: 'inner' }, ...layout.kept.map((name, j) => ({ to: `keep[(bo + k) * ${K} + ${j}]`, value: name }))], backwardReader(def, layout)))
    : '    beforeNorm() {}, // no inner term'
  const P = (block: number, i = 0) => `P[po + ${block + i} * H + k]`
  const read = backwardReader(def, layout)
  const afterNorm = body(
    def.backward.afterNorm,
    [
      ...def.gates.map((g, i) => ({ to: P(layout.dx.col, i), value: (def.backward.dx as Record<string, Operand>)[g]! })),
      ...(layout.du !== layout.dx ? def.gates.map((g, i) => ({ to: P(layout.du.col, i), value: (def.backward.du as Record<string, Operand>)[g]! })) : []),
      { to: P(layout.carry.h!.col), value: def.backward.carry.h },
      ...(layout.carry.c ? [{ to: P(layout.carry.c.col), value: def.backward.carry.c ?? 0 }] : []),
    ],
    (name) => {
      if (name === 'dinner') return def.inner ? 'dinner![bo + k]' : null
      const j = layout.kept.indexOf(name)
      if (j >= 0) return `keep[(bo + k) * ${K} + ${j}]`
      return read(name)
    },
  )
  return [
    `  ${def.kind}: {`,
    fn('gates(H, x, xo, u, uo, ph, pc, so, A, ao)', gates),
    fn('state(H, A, ao, y, bo, ph, pc, so, h, c, oo)', state),
    beforeNorm,
    fn('afterNorm(H, A, ao, y, bo, ph, pc, so, dh, cc, dinner, keep, P, po)', afterNorm),
    '  },',
  ].join('\n')
}

/** The whole generated file. */
export function generateCellRows(): string {
  return [
    '// Generated by `npm run generate` from the cell definitions in shared/kinds/cells (shared/engine/emit/js.ts).',
    '// Do not edit: change a cell\'s formulas and generate again (a unit test fails while this file is stale).',
    "import type { CellKind } from '../../../kinds'",
    "import type { CellRows } from './cell-rows'",
    '',
    'const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))',
    '',
    'export const CELL_ROWS: Record<CellKind, CellRows> = {',
    ...CELL_DEFINITIONS.map((def) => cellSource(def)),
    '}',
    '',
  ].join('\n')
}
