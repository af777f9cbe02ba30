// A cell's time step on WebGL, for every cell: the programs' skeleton — which texel computes
// which activation or gradient block, masking, the normalizers applied inside the step — with
// the per-unit arithmetic written in by the GLSL dialect from the cell's formulas.
import { cellDefinition, type CellDefinition, type CellKind } from '../../../kinds'
import { emit, expr, needed, type Bindings, type Operand } from '../../../kinds/formulas'
import { cellLayout, type CellLayout } from '../kernels/layout'
import type { CellBackwardAttrs, CellForwardAttrs, NormAttrs } from '../kernels/names'
import { invOf, normInputs, rowStatsProgram, xhatOf } from './normalization'
import { f, glsl, HELPERS, NO_STEP, Program, run, runReleasing, type Backend, type Info, type Step } from './program'

const local = (name: string) => `v_${name.replace(/\./g, '_')}`

interface Cell {
  def: CellDefinition
  layout: CellLayout
  aWidth: number
}

const CELLS = new Map<CellKind, Cell>()

function cellOf(kind: CellKind): Cell {
  let cell = CELLS.get(kind)
  if (!cell) {
    const def = cellDefinition(kind)
    const layout = cellLayout(def)
    cell = { def, layout, aWidth: layout.activations.length }
    CELLS.set(kind, cell)
  }
  return cell
}

/**
 * The GLSL statements that compute `value` from `bindings` and end in setOutput: the bindings
 * it needs as locals, in order. Names not bound are read with `read`.
 */
function output(bindings: Bindings, value: Operand, read: (name: string) => string): string {
  const e = expr(value)
  const dialect = glsl((name) => (name in bindings ? local(name) : read(name)))
  const lines = needed(bindings, [e]).map((name) => `float ${local(name)} = ${emit(expr(bindings[name]!), dialect)};`)
  return [...lines, `setOutput(${emit(e, dialect)});`].join(' ')
}

/** A texel of a [N, blocks·H] output: its sample n, its block q of H columns, its unit k in the block. */
const blockTexel = (H: number) => `ivec2 rc = getOutputCoords();
      int n = rc.x;
      int q = rc.y / ${H};
      int k = rc.y - q * ${H};`

/** One branch per block of `width` columns: `if (q == i) { … }`. */
const branches = (blocks: { q: number; body: string }[]) => blocks.map((b) => `if (q == ${b.q}) { ${b.body} return; }`).join('\n      ')

const activationBindings = (def: CellDefinition) => Object.fromEntries(Object.entries(def.activations).map(([name, x]) => [`a.${name}`, x]))

/** What forward formulas read: the gate terms at sample n of step rowOffset, the previous state. */
function forwardReader(def: CellDefinition, H: number, aRead: ((name: string) => string) | null): (name: string) => string {
  return (name) => {
    const [space, key] = name.split('.') as [string, string | undefined]
    const gate = key === undefined ? -1 : def.gates.indexOf(key as never)
    if (space === 'x' && gate >= 0) return `getXz(rowOffset + n, ${gate * H} + k)`
    if (space === 'u' && gate >= 0) return `recurrentAt(n, ${gate * H} + k)`
    if (name === 'prev.h') return 'getHPrev(n, k)'
    if (name === 'prev.c') return 'getCPrev(n, k)'
    if (name === 'y') return 'cellY(n, n, k)'
    if (space === 'a' && aRead) return aRead(key!)
    throw new Error(`${def.kind}: a forward formula reads "${name}", which the step does not have`)
  }
}

/** GLSL of the recurrent term N_h(v) at (n, c) of C columns, normalized with n (row statistics: `rs`, computed first). */
function recurrentTerm(n: NormAttrs, C: number): string {
  return `float recurrentAt(int n, int c) { return ${n.stats === 'none' ? 'getV(n, c)' : `getGamma(c) * ${xhatOf(n, C, 'getV(n, c)', 'n', 'c')} + getBeta(c)`}; }`
}

/** GLSL: the inner term's x̂ and y at A's row `row`, row-stats row `rr`, unit k. */
function innerGlsl(cell: Cell, n: NormAttrs, H: number): string {
  const x = `getA(row, ${cell.layout.innerColumn! * H} + k)`
  return `
    float cellXhat(int row, int rr, int k) { return ${xhatOf(n, H, x, 'rr', 'k')}; }
    float cellY(int row, int rr, int k) { ${n.stats === 'none' ? 'return cellXhat(row, rr, k);' : 'return getGamma(k) * cellXhat(row, rr, k) + getBeta(k);'} }`
}

export function cellForwardKernel(ins: Record<string, Info>, attrs: Record<string, unknown>, backend: Backend): Info[] {
  const a = attrs as unknown as CellForwardAttrs
  const cell = cellOf(a.cell)
  const { def, layout } = cell
  const [N, H] = ins.hPrev!.shape as [number, number]
  const n = a.norm
  const step: Step = { rowOffset: a.rowOffset, statsRow: n.statsRow || 0 }
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const names = (list: string[]) => list.filter((x) => inputs[x] !== undefined)
  if (a.stage === 'state') {
    if (n.stats === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, layout.innerColumn! * H, H, n), [ins.A!], NO_STEP)))
    const list = names(['A', 'hPrev', 'cPrev', 'keep', ...normInputs(n.stats)])
    const read = forwardReader(def, H, (key) => `getA(n, ${layout.activations.indexOf(key) * H} + k)`)
    const stateProgram = (s: 'h' | 'c') =>
      new Program(list, [N, H], `
    ${HELPERS}
    ${innerGlsl(cell, n, H)}
    void main() {
      ivec2 rc = getOutputCoords();
      int n = rc.x;
      int k = rc.y;
      if (getKeep(rowOffset + n, 0) <= 0.0) { setOutput(get${s === 'h' ? 'HPrev' : 'CPrev'}(n, k)); return; }
      ${output({}, def.next[s]!, read)}
    }`)
    return runReleasing(backend, def.state.map((s) => stateProgram(s)), list, inputs, step, temp)
  }
  const C = layout.G * H
  if (n.stats === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, 0, C, n), [ins.v!], NO_STEP)))
  const list = names(['xz', 'v', 'hPrev', 'cPrev', 'keep', ...normInputs(n.stats)])
  const header = `${HELPERS}\n    ${recurrentTerm(n, C)}`
  const bindings = activationBindings(def)
  const activations = new Program(list, [N, cell.aWidth * H], `
    ${header}
    void main() {
      ${blockTexel(H)}
      ${branches(layout.activations.map((name, i) => ({ q: i, body: output(bindings, `a.${name}`, forwardReader(def, H, null)) })))}
    }`)
  if (a.stage === 'gates') return runReleasing(backend, [activations], list, inputs, step, temp)
  // 'step': A (unless the new h is the activation itself), then h from A or from the formulas directly.
  const keepA = !layout.stateIsActivation
  const programs: Program[] = []
  const outs: Info[] = []
  if (keepA) {
    const A = run(backend, activations, list.map((x) => inputs[x]!), step)
    outs.push(A)
    inputs.A = A
  }
  const hList = keepA ? [...list, 'A'] : list
  const h = new Program(hList, [N, H], `
    ${header}
    void main() {
      ivec2 rc = getOutputCoords();
      int n = rc.x;
      int k = rc.y;
      if (getKeep(rowOffset + n, 0) <= 0.0) { setOutput(getHPrev(n, k)); return; }
      ${keepA ? output({}, def.next.h, forwardReader(def, H, (key) => `getA(n, ${layout.activations.indexOf(key) * H} + k)`)) : output(bindings, def.next.h, forwardReader(def, H, null))}
    }`)
  programs.push(h)
  return [...outs, ...runReleasing(backend, programs, hList, inputs, step, temp)]
}

export function cellBackwardKernel(ins: Record<string, Info>, attrs: Record<string, unknown>, backend: Backend): Info {
  const a = attrs as unknown as CellBackwardAttrs
  const cell = cellOf(a.cell)
  const { def, layout } = cell
  const [N, H] = ins.dhRec!.shape as [number, number]
  const P = layout.width
  const n = a.norm
  const step: Step = { rowOffset: a.rowOffset, statsRow: n.statsRow || 0 }
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const inner = def.inner !== undefined
  if (inner && n.stats === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, layout.innerColumn! * H, H, n), [ins.A!], step)))
  const base = ['dhRec', 'prev', 'dhOut', 'A', 'hPrev', 'cPrev', 'keep', 'w', ...(inner ? normInputs(n.stats) : [])].filter((x) => inputs[x] !== undefined)
  const carryH = layout.carry.h!.col
  const carryC = layout.carry.c?.col ?? -1
  const read = (name: string): string => {
    const [space, key] = name.split('.') as [string, string | undefined]
    if (name === 'dh') return 'dhAt(n, k)'
    if (name === 'carry.c') return ins.prev && carryC >= 0 ? `getPrev(n, ${carryC * H} + k)` : '0.0'
    if (space === 'a') return `getA(row, ${layout.activations.indexOf(key!) * H} + k)`
    if (name === 'prev.h') return 'getHPrev(row, k)'
    if (name === 'prev.c') return 'getCPrev(row, k)'
    if (name === 'y') return 'cellY(row, n, k)'
    if (name === 'dinner') return 'dinnerAt(n, k)'
    throw new Error(`${def.kind}: a backward formula reads "${name}", which the step does not have`)
  }
  const before = def.backward.beforeNorm ?? {}
  const shared = `
    ${HELPERS}
    ${inner ? innerGlsl(cell, n, H) : ''}
    float dhAt(int n, int k) {
      return getDhRec(n, k)${ins.prev ? ` + getPrev(n, ${carryH * H} + k)` : ''}${ins.dhOut ? ' + getDhOut(rowOffset + n, k)' : ''};
    }
    ${
      inner
        ? `float innerAt(int n, int k) {
      int row = rowOffset + n;
      if (getKeep(row, 0) <= 0.0) return 0.0;
      ${output(before, 'inner', read).replace(/setOutput\((.*)\);$/, 'return $1;')}
    }`
        : ''
    }`
  let dinner = ''
  if (inner) {
    let dcNew = 'innerAt(n, k)'
    if (n.stats !== 'none') {
      const G = n.groups || 1
      const size = H / G
      const reduce =
        n.stats === 'batch'
          ? new Program(base, [1, 2 * H], `
          ${shared}
          void main() {
            ivec2 rc = getOutputCoords();
            int k = rc.y < ${H} ? rc.y : rc.y - ${H};
            float s = 0.0;
            for (int n = 0; n < ${N}; n++) {
              float d = getGamma(k) * innerAt(n, k);
              s += rc.y < ${H} ? d : d * cellXhat(rowOffset + n, n, k);
            }
            setOutput(s);
          }`)
          : new Program(base, [N, 2 * G], `
          ${shared}
          void main() {
            ivec2 rc = getOutputCoords();
            int n = rc.x;
            int g = rc.y < ${G} ? rc.y : rc.y - ${G};
            float s = 0.0;
            for (int j = 0; j < ${size}; j++) {
              int k = g * ${size} + j;
              float d = getGamma(k) * innerAt(n, k);
              s += rc.y < ${G} ? d : d * cellXhat(rowOffset + n, n, k);
            }
            setOutput(s / ${f(size)});
          }`)
      temp.push((inputs.sums = run(backend, reduce, base.map((x) => inputs[x]!), step)))
      base.push('sums')
      dcNew =
        n.stats === 'batch'
          ? `${invOf(n, H, '', 'k')} * (getGamma(k) * innerAt(n, k) - getW(rowOffset + n, 0) * (${n.center ? 'getSums(0, k)' : '0.0'} + cellXhat(rowOffset + n, n, k) * getSums(0, ${H} + k)))`
          : `${invOf(n, H, 'n', 'k')} * (getGamma(k) * innerAt(n, k) - ${n.center ? `getSums(n, k / ${size})` : '0.0'} - cellXhat(rowOffset + n, n, k) * getSums(n, ${G} + k / ${size}))`
    }
    dinner = `float dinnerAt(int n, int k) { return ${dcNew}; }`
  }
  const after = { ...before, ...def.backward.afterNorm }
  const blocks: { q: number; body: string }[] = []
  def.gates.forEach((g, i) => blocks.push({ q: layout.dx.col + i, body: output(after, (def.backward.dx as Record<string, Operand>)[g]!, read) }))
  if (layout.du !== layout.dx) def.gates.forEach((g, i) => blocks.push({ q: layout.du.col + i, body: output(after, (def.backward.du as Record<string, Operand>)[g]!, read) }))
  blocks.push({ q: carryH, body: output(after, def.backward.carry.h, read) })
  if (layout.carry.c) blocks.push({ q: layout.carry.c.col, body: output(after, def.backward.carry.c ?? 0, read) })
  if (inner) {
    blocks.push({ q: layout.innerDy!.col, body: 'setOutput(innerAt(n, k));' })
    blocks.push({ q: layout.innerDyXhat!.col, body: 'setOutput(innerAt(n, k) * cellXhat(row, n, k));' })
  }
  const program = new Program(base, [N, P * H], `
    ${shared}
    ${dinner}
    void main() {
      ${blockTexel(H)}
      int row = rowOffset + n;
      if (getKeep(row, 0) <= 0.0) {
        setOutput(q == ${carryH} ? dhAt(n, k) : ${carryC >= 0 ? `(q == ${carryC} ? ${read('carry.c')} : 0.0)` : '0.0'});
        return;
      }
      ${branches(blocks)}
      setOutput(0.0);
    }`)
  return runReleasing(backend, [program], base, inputs, step, temp)[0]!
}
