// A cell's formulas as AssemblyScript over four float32 lanes: the source of
// recurrence/wasm/assembly/cells.generated.ts, compiled with the hand-written skeleton around it
// (the loops over samples, masking, the normalizers) into the wasm backend's SIMD kernels by
// `npm run generate` (scripts/build-wasm-kernels.ts). What each stage reads and writes is
// cell-stages.ts's, as for the JavaScript (emit/js.ts); this file spells it as pointer arithmetic
// and vector operations. A row's last 1–3 units are a partial vector (lanes.ts).
import { expr, type Dialect, type Expr } from '../../kinds/formulas'
import { CELL_DEFINITIONS, type CellDefinition } from '../../kinds/cells'
import { cellStages, type Place, type Stage } from './cell-stages'

const local = (name: string) => `v_${name.replace(/\./g, '_')}`

/** A number as an AssemblyScript float literal. */
export const float = (v: number): string => {
  const s = String(Object.is(v, -0) ? 0 : v)
  return /[.e]/.test(s) ? s : `${s}.0`
}

/** How a lane type spells each operator (every one a call: no precedence to get wrong). */
export interface LaneOps {
  add: string
  sub: string
  mul: string
  div: string
  neg: string
  /** x² as one call where the lane type has one (else x·x). */
  square?: string
}

/** Four float32 lanes: lanes.ts's and math.ts's functions. */
export const OPS32: LaneOps = { add: 'add', sub: 'sub', mul: 'mul', div: 'f32x4.div', neg: 'neg', square: 'square' }

/** An expression over v128 lanes: names and numbers as the dialect spells them, operators as `ops` does. */
export function lanesOf(e: Expr, d: Dialect, ops: LaneOps): string {
  switch (e.op) {
    case 'ref':
      return d.ref(e.name)
    case 'num':
      return d.num(e.value)
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return `${ops[e.op]}(${lanesOf(e.a, d, ops)}, ${lanesOf(e.b, d, ops)})`
    case 'square': {
      const a = lanesOf(e.a, d, ops)
      return ops.square ? `${ops.square}(${a})` : `${ops.mul}(${a}, ${a})`
    }
    case 'neg':
      return `${ops.neg}(${lanesOf(e.a, d, ops)})`
    case 'sigmoid':
    case 'tanh':
    case 'rsqrt':
      return d.call(e.op, lanesOf(e.a, d, ops))
    case 'sum':
      throw new Error('a sum over a statistic is a loop: emit its term')
  }
}

/** Four float32 lanes with names spelled by `ref`: numbers splat, functions math.ts's (sigmoid4, tanh4, rsqrt4). */
export const f32x4Dialect = (ref: (name: string) => string): Dialect => ({
  ref,
  num: (v) => `sp(${float(v)})`,
  call: (fn, arg) => `${fn}4(${arg})`,
})

/** A cell's expression over four float32 lanes. */
const vec = (e: Expr): string => lanesOf(e, f32x4Dialect(local), OPS32)

/** A place's address: unit k of its block (keep: one plane of N·H per kept value). */
const address = (p: Place) =>
  p.array === 'keep' ? `at(keep, ${p.block} * NH + k)` : `at(${p.array}, ${p.block === 0 ? '' : `${p.block} * H + `}k)`

function body(s: Stage): string[] {
  return [
    'const m = H - k',
    ...s.reads.map(([name, place]) => `const ${local(name)} = ld(${address(place)}, m)`),
    ...s.order.map((name) => `const ${local(name)} = ${vec(expr(s.bindings[name]!))}`),
    ...s.outputs.map((o) => `st(${address(o.to)}, ${vec(expr(o.value))}, m)`),
  ]
}

const SIGNATURES = {
  gates: 'H: i32, x: usize, u: usize, ph: usize, pc: usize, A: usize',
  state: 'H: i32, A: usize, y: usize, ph: usize, pc: usize, h: usize, c: usize',
  beforeNorm:
    'H: i32, A: usize, y: usize, ph: usize, pc: usize, dh: usize, cc: usize, inner: usize, keep: usize, NH: i32',
  afterNorm:
    'H: i32, A: usize, y: usize, ph: usize, pc: usize, dh: usize, cc: usize, dinner: usize, keep: usize, NH: i32, P: usize',
} as const
type StageName = keyof typeof SIGNATURES

const args = (stage: StageName) =>
  SIGNATURES[stage]
    .split(', ')
    .map((p) => p.split(':')[0])
    .join(', ')

function fn(name: string, stage: StageName, s: Stage | null): string {
  if (!s) return [`function ${name}(${SIGNATURES[stage]}): void {`, '  // no inner term', '}'].join('\n')
  return [
    `@inline function ${name}(${SIGNATURES[stage]}): void {`,
    '  for (let k = 0; k < H; k += 4) {',
    ...body(s).map((l) => `    ${l}`),
    '  }',
    '}',
  ].join('\n')
}

function cellSource(def: CellDefinition): string {
  const s = cellStages(def)
  return [
    fn(`gates_${def.kind}`, 'gates', s.gates),
    fn(`state_${def.kind}`, 'state', s.state),
    fn(`beforeNorm_${def.kind}`, 'beforeNorm', s.beforeNorm),
    fn(`afterNorm_${def.kind}`, 'afterNorm', s.afterNorm),
  ].join('\n\n')
}

/** One exported function per stage that picks the cell by its index in CELL_DEFINITIONS (CELL_INDEX). */
function dispatch(stage: StageName): string {
  const cases = CELL_DEFINITIONS.map(
    (def, i) => `  ${i === 0 ? '' : 'else '}if (cell == ${i}) ${stage}_${def.kind}(${args(stage)})`,
  )
  return [`export function ${stage}Row(cell: i32, ${SIGNATURES[stage]}): void {`, ...cases, '}'].join('\n')
}

/** The whole generated AssemblyScript file. */
export function generateWasmCellRows(): string {
  return [
    '// Generated by `npm run generate` from the cell definitions in shared/kinds/cells (shared/engine/emit/assemblyscript.ts).',
    "// Do not edit: change a cell's formulas and generate again (a unit test fails while this file is stale).",
    '// Cells by index: ' + CELL_DEFINITIONS.map((d, i) => `${i} ${d.kind}`).join(', ') + '.',
    "import { add, at, ld, mul, neg, sp, square, st, sub } from './lanes'",
    "import { sigmoid4, tanh4 } from './math'",
    '',
    ...CELL_DEFINITIONS.map((def) => cellSource(def) + '\n'),
    ...(['gates', 'state', 'beforeNorm', 'afterNorm'] as const).map((stage) => dispatch(stage) + '\n'),
  ].join('\n')
}
