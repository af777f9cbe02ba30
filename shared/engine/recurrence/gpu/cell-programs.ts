// A cell's time step on a GPU, for every cell: the programs' skeleton — which element computes
// which activation or gradient block, masking, the normalizers applied inside the step — with
// the per-unit arithmetic written in from the cell's formulas by the shading language's dialect.
import type { CellDefinition } from '../../../kinds'
import { emit, expr, needed, type Bindings, type Operand } from '../../../kinds/formulas'
import { cellShape, type CellShape } from '../kernels/layout'
import type { CellBackwardAttrs, CellForwardAttrs, NormAttrs } from '../kernels/names'
import type { ShaderLang } from './lang'
import { invOf, normInputs, normSource, rowStatsProgram, sumTerm, weightOf, xhatOf } from './normalization'
import { NO_STEP, program, runReleasing, type Gpu, type Info, type ProgramSpec, type Step } from './program'

const local = (name: string) => `v_${name.replace(/\./g, '_')}`

/**
 * The statements that compute `value` from `bindings` and end in setOutput: the bindings it needs
 * as locals, in order. Names not bound are read with `read`.
 */
function output(L: ShaderLang, bindings: Bindings, value: Operand, read: (name: string) => string): string {
  const e = expr(value)
  const dialect = L.formulas((name) => (name in bindings ? local(name) : read(name)))
  const lines = needed(bindings, [e]).map((name) => L.float(local(name), emit(expr(bindings[name]!), dialect)))
  return [...lines, `setOutput(${emit(e, dialect)});`].join(' ')
}

/** An element of a [N, blocks·H] output: its sample n, its block q of H columns, its unit k in the block. */
const blockElement = (L: ShaderLang, H: number) => `${L.int('n', 'rc.x')}
      ${L.int('q', `rc.y / ${H}`)}
      ${L.int('k', `rc.y - q * ${H}`)}`

/** One branch per block of `width` columns: `if (q == i) { … }`. */
const branches = (blocks: { q: number; body: string }[]) =>
  blocks.map((b) => `if (q == ${b.q}) { ${b.body} return; }`).join('\n      ')

const activationBindings = (def: CellDefinition) =>
  Object.fromEntries(Object.entries(def.activations).map(([name, x]) => [`a.${name}`, x]))

/** What forward formulas read: the gate terms at sample n of step rowOffset, the previous state. */
function forwardReader(
  def: CellDefinition,
  H: number,
  aRead: ((name: string) => string) | null,
): (name: string) => string {
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

/** The recurrent term N_h(v) at (n, c) of C columns, normalized with n (row statistics: `rs`, computed first). */
function recurrentTerm(L: ShaderLang, n: NormAttrs, C: number): string {
  return L.fn(
    'recurrentAt',
    ['n', 'c'],
    `return ${n.stats === 'none' ? 'getV(n, c)' : normSource(L, 'y', { gamma: 'getGammaBeta(0, c)', xhat: xhatOf(L, n, C, 'getV(n, c)', 'n', 'c'), beta: 'getGammaBeta(1, c)' })};`,
  )
}

/** The inner term's x̂ and y at A's row `row`, row-stats row `rr`, unit k. */
function innerTerm(L: ShaderLang, cell: CellShape, n: NormAttrs, H: number): string {
  const x = `getA(row, ${cell.layout.innerColumn! * H} + k)`
  return `
    ${L.fn('cellXhat', ['row', 'rr', 'k'], `return ${xhatOf(L, n, H, x, 'rr', 'k')};`)}
    ${L.fn('cellY', ['row', 'rr', 'k'], n.stats === 'none' ? 'return cellXhat(row, rr, k);' : `return ${normSource(L, 'y', { gamma: 'getGammaBeta(0, k)', xhat: 'cellXhat(row, rr, k)', beta: 'getGammaBeta(1, k)' })};`)}`
}

export function cellForwardKernel(gpu: Gpu, ins: Record<string, Info>, attrs: Record<string, unknown>): Info[] {
  const L = gpu.lang
  const a = attrs as unknown as CellForwardAttrs
  const cell = cellShape(a.cell)
  const { def, layout } = cell
  const [N, H] = ins.hPrev!.shape as [number, number]
  const n = a.norm
  const step: Step = { rowOffset: a.rowOffset, statsRow: n.statsRow || 0 }
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const names = (list: string[]) => list.filter((x) => inputs[x] !== undefined)
  const readA = (key: string) => `getA(n, ${layout.activations.indexOf(key) * H} + k)`
  if (a.stage === 'state') {
    if (n.stats === 'row')
      temp.push((inputs.rs = gpu.run(rowStatsProgram(L, N, layout.innerColumn! * H, H, n), [ins.A!], NO_STEP)))
    const list = names(['A', 'hPrev', 'cPrev', 'keep', ...normInputs(n.stats)])
    const read = forwardReader(def, H, readA)
    const stateProgram = (s: 'h' | 'c'): ProgramSpec =>
      program(
        list,
        [N, H],
        `
    ${L.helpers}
    ${innerTerm(L, cell, n, H)}
    ${L.main(`
      ${L.int('n', 'rc.x')}
      ${L.int('k', 'rc.y')}
      if (getKeep(rowOffset + n, 0) <= 0.0) { setOutput(get${s === 'h' ? 'HPrev' : 'CPrev'}(n, k)); return; }
      ${output(L, {}, def.next[s]!, read)}`)}`,
      )
    return runReleasing(
      gpu,
      def.state.map((s) => stateProgram(s)),
      inputs,
      step,
      temp,
    )
  }
  const C = layout.G * H
  if (n.stats === 'row') temp.push((inputs.rs = gpu.run(rowStatsProgram(L, N, 0, C, n), [ins.v!], NO_STEP)))
  const list = names(['xz', 'v', 'hPrev', 'cPrev', 'keep', ...normInputs(n.stats)])
  const header = `${L.helpers}\n    ${recurrentTerm(L, n, C)}`
  const bindings = activationBindings(def)
  const activations = program(
    list,
    [N, cell.aWidth * H],
    `
    ${header}
    ${L.main(`
      ${blockElement(L, H)}
      ${branches(layout.activations.map((name, i) => ({ q: i, body: output(L, bindings, `a.${name}`, forwardReader(def, H, null)) })))}
      setOutput(0.0);`)}`,
  )
  if (a.stage === 'gates') return runReleasing(gpu, [activations], inputs, step, temp)
  // 'step': A (unless the new h is the activation itself), then h from A or from the formulas directly.
  const keepA = !layout.stateIsActivation
  const outs: Info[] = []
  if (keepA) {
    const A = gpu.run(
      activations,
      list.map((x) => inputs[x]!),
      step,
    )
    outs.push(A)
    inputs.A = A
  }
  const h = program(
    keepA ? [...list, 'A'] : list,
    [N, H],
    `
    ${header}
    ${L.main(`
      ${L.int('n', 'rc.x')}
      ${L.int('k', 'rc.y')}
      if (getKeep(rowOffset + n, 0) <= 0.0) { setOutput(getHPrev(n, k)); return; }
      ${keepA ? output(L, {}, def.next.h, forwardReader(def, H, readA)) : output(L, bindings, def.next.h, forwardReader(def, H, null))}`)}`,
  )
  return [...outs, ...runReleasing(gpu, [h], inputs, step, temp)]
}

/** Where a backward formula's name lives at (row, n, k) in the backward's programs. */
function backwardReader(cell: CellShape, H: number, hasPrev: boolean): (name: string) => string {
  const { def, layout } = cell
  const carryC = layout.carry.c?.col ?? -1
  return (name) => {
    const [space, key] = name.split('.') as [string, string | undefined]
    if (name === 'dh') return 'dhAt(n, k)'
    if (name === 'carry.c') return hasPrev && carryC >= 0 ? `getPrev(n, ${carryC * H} + k)` : '0.0'
    if (space === 'a') return `getA(row, ${layout.activations.indexOf(key!) * H} + k)`
    if (name === 'prev.h') return 'getHPrev(row, k)'
    if (name === 'prev.c') return 'getCPrev(row, k)'
    if (name === 'y') return 'cellY(row, n, k)'
    if (name === 'dinner') return 'dinnerAt(n, k)'
    throw new Error(`${def.kind}: a backward formula reads "${name}", which the step does not have`)
  }
}

/** The packed step gradient's blocks of H columns, each from the cell's backward formulas. */
function backwardBlocks(L: ShaderLang, cell: CellShape, read: (name: string) => string): { q: number; body: string }[] {
  const { def, layout } = cell
  const after = { ...(def.backward.beforeNorm ?? {}), ...def.backward.afterNorm }
  const blocks: { q: number; body: string }[] = []
  const gates = (col: number, formulas: Record<string, Operand>) =>
    def.gates.forEach((g, i) => blocks.push({ q: col + i, body: output(L, after, formulas[g]!, read) }))
  gates(layout.dx.col, def.backward.dx as Record<string, Operand>)
  if (layout.du !== layout.dx) gates(layout.du.col, def.backward.du as Record<string, Operand>)
  blocks.push({ q: layout.carry.h!.col, body: output(L, after, def.backward.carry.h, read) })
  if (layout.carry.c) blocks.push({ q: layout.carry.c.col, body: output(L, after, def.backward.carry.c ?? 0, read) })
  if (def.inner !== undefined) {
    blocks.push({ q: layout.innerDy!.col, body: 'setOutput(innerAt(n, k));' })
    blocks.push({
      q: layout.innerDyXhat!.col,
      body: `setOutput(${normSource(L, 'dgamma', { dy: 'innerAt(n, k)', xhat: 'cellXhat(row, n, k)' })});`,
    })
  }
  return blocks
}

/**
 * The inner term's gradient through its normalizer, dinnerAt(n, k): first the sums over the batch
 * (one row, and the valid samples' count last) or over each sample's groups, run now into
 * inputs.sums; then du from them.
 */
function innerNormBackward(
  gpu: Gpu,
  n: NormAttrs,
  N: number,
  H: number,
  base: string[],
  shared: string,
  inputs: Record<string, Info>,
  temp: Info[],
  step: Step,
): string {
  const L = gpu.lang
  if (n.stats === 'none') return L.fn('dinnerAt', ['n', 'k'], 'return innerAt(n, k);')
  const G = n.groups || 1
  const size = H / G
  const g = normSource(L, 'g', { gamma: 'getGammaBeta(0, k)', dy: 'innerAt(n, k)' })
  const sums = (split: number) => sumTerm(L, split, 'd', 'cellXhat(rowOffset + n, n, k)')
  const batch = n.stats === 'batch'
  const reduce = program(
    base,
    batch ? [1, 2 * H + 1] : [N, 2 * G],
    `
          ${shared}
          ${L.main(
            batch
              ? `
            ${L.int('k', L.sel(`rc.y < ${H}`, 'rc.y', `rc.y - ${H}`))}
            ${L.float('s', '0.0')}
            if (rc.y == ${2 * H}) {
              ${L.loop('n', 0, N)} { s += ${normSource(L, 'n', { m: 'getKeep(rowOffset + n, 0)' })}; }
              setOutput(s);
              return;
            }
            ${L.loop('n', 0, N)} { ${L.float('d', g)} s += ${sums(H)}; }
            setOutput(s);`
              : `
            ${L.int('n', 'rc.x')}
            ${L.int('g', L.sel(`rc.y < ${G}`, 'rc.y', `rc.y - ${G}`))}
            ${L.float('s', '0.0')}
            ${L.loop('j', 0, size)} { ${L.int('k', `g * ${size} + j`)} ${L.float('d', g)} s += ${sums(G)}; }
            setOutput(s);`,
          )}`,
  )
  temp.push(
    (inputs.sums = gpu.run(
      reduce,
      base.map((x) => inputs[x]!),
      step,
    )),
  )
  base.push('sums')
  const du = batch
    ? {
        inv: invOf(L, n, H, '', 'k'),
        w: normSource(L, 'w', { m: 'getKeep(rowOffset + n, 0)', n: `getSums(0, ${2 * H})` }),
        s1: 'getSums(0, k)',
        s2: `getSums(0, ${H} + k)`,
      }
    : {
        inv: invOf(L, n, H, 'n', 'k'),
        w: weightOf(L, size),
        s1: `getSums(n, k / ${size})`,
        s2: `getSums(n, ${G} + k / ${size})`,
      }
  const value = normSource(L, 'du', { ...du, g, xhat: 'cellXhat(rowOffset + n, n, k)' }, n.center)
  return L.fn('dinnerAt', ['n', 'k'], `return ${value};`)
}

export function cellBackwardKernel(gpu: Gpu, ins: Record<string, Info>, attrs: Record<string, unknown>): Info {
  const L = gpu.lang
  const a = attrs as unknown as CellBackwardAttrs
  const cell = cellShape(a.cell)
  const { def, layout } = cell
  const [N, H] = ins.dhRec!.shape as [number, number]
  const n = a.norm
  const step: Step = { rowOffset: a.rowOffset, statsRow: n.statsRow || 0 }
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const inner = def.inner !== undefined
  if (inner && n.stats === 'row')
    temp.push((inputs.rs = gpu.run(rowStatsProgram(L, N, layout.innerColumn! * H, H, n), [ins.A!], step)))
  // No w (valid / count): per-step batch statistics' count is summed from keep by the reduction
  // below, which keeps the program within WebGPU's bindings (at most 8–10 buffers a shader).
  const base = ['dhRec', 'prev', 'dhOut', 'A', 'hPrev', 'cPrev', 'keep', ...(inner ? normInputs(n.stats) : [])].filter(
    (x) => inputs[x] !== undefined,
  )
  const carryH = layout.carry.h!.col
  const carryC = layout.carry.c?.col ?? -1
  const read = backwardReader(cell, H, ins.prev !== undefined)
  const shared = `
    ${L.helpers}
    ${inner ? innerTerm(L, cell, n, H) : ''}
    ${L.fn('dhAt', ['n', 'k'], `return getDhRec(n, k)${ins.prev ? ` + getPrev(n, ${carryH * H} + k)` : ''}${ins.dhOut ? ' + getDhOut(rowOffset + n, k)' : ''};`)}
    ${
      inner
        ? L.fn(
            'innerAt',
            ['n', 'k'],
            `${L.int('row', 'rowOffset + n')}
      if (getKeep(row, 0) <= 0.0) { return 0.0; }
      ${output(L, def.backward.beforeNorm ?? {}, 'inner', read).replace(/setOutput\((.*)\);$/, 'return $1;')}`,
          )
        : ''
    }`
  const dinner = inner ? innerNormBackward(gpu, n, N, H, base, shared, inputs, temp, step) : ''
  const masked = L.sel(
    `q == ${carryH}`,
    'dhAt(n, k)',
    carryC >= 0 ? L.sel(`q == ${carryC}`, read('carry.c'), '0.0') : '0.0',
  )
  const p = program(
    base,
    [N, layout.width * H],
    `
    ${shared}
    ${dinner}
    ${L.main(`
      ${blockElement(L, H)}
      ${L.int('row', 'rowOffset + n')}
      if (getKeep(row, 0) <= 0.0) {
        setOutput(${masked});
        return;
      }
      ${branches(backwardBlocks(L, cell, read))}
      setOutput(0.0);`)}`,
  )
  return runReleasing(gpu, [p], inputs, step, temp)[0]!
}
