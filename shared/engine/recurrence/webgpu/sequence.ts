// The whole time loop in one WebGPU dispatch, forward and backward: a workgroup loops over the
// time steps with barriers between a step's phases, so the recurrence stays on the GPU from the
// first step to the last (WebGL cannot: every phase of every step is a program of its own).
//
//   samples       one workgroup per sample when every statistic inside the loop stays within a
//                 sample (no norm, LN, GN, RMSNorm); one workgroup for the whole batch when a
//                 term inside the loop has per-step batch statistics (BN)
//   forward, t    V = h·Wh; [the recurrent term's statistics]; the activations A; [the inner
//                 term's statistics]; the new state (masked)
//   backward, t   [the inner term's sums]; the packed step gradient P; [the recurrent term's
//                 norm backward]; the gradient into h, dV·Whᵀ
//
// Every value a phase reads from another invocation goes through the output buffer (storage)
// and a storage barrier; only the statistics of a sample's own rows live in workgroup memory.
// The arithmetic is the cell's and the norm's, written in from their definitions by the
// formulas' WGSL dialect, as every other backend's kernels are; the op (../op.ts) reads the
// stacked tensors it needs out of the one output (one slice each, once per sequence).
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu'
import { emit, expr, needed, type Bindings, type Operand } from '../../../kinds/formulas'
import { cellShape, type CellShape } from '../kernels/layout'
import {
  backwardLayout,
  forwardLayout,
  type BackwardLayout,
  type ForwardLayout,
  type SequenceAttrs,
  type SequenceBackwardAttrs,
  type SequenceForwardAttrs,
} from '../kernels/sequence-layout'
import type { NormAttrs } from '../kernels/names'
import { f, WGSL } from '../gpu/lang'
import { normSource, weightOf } from '../gpu/normalization'
import type { NormFormulaName } from '../../../kinds/norms/normalization'

/** A normalization formula in WGSL, its names bound to WGSL expressions. */
const norm = (name: NormFormulaName, args: Readonly<Record<string, string>>, center = true) =>
  normSource(WGSL, name, args, center)

type Info = { dataId: object; shape: number[]; dtype: string }

/** Threads a workgroup runs: enough for a step's widest phase over its samples, at most 256 (WebGPU's default limit). */
function workgroupSize(samples: number, width: number): number {
  let size = 32
  while (size < 256 && size < samples * width) size *= 2
  return size
}

class SequenceProgram implements WebGPUProgram {
  readonly outputShape: number[]
  readonly dispatchLayout = { x: [0] }
  readonly dispatch: [number, number, number]
  readonly workgroupSize: [number, number, number]
  readonly uniforms = 'T : i32, popRowsH : i32, popRowsC : i32,'
  readonly shaderKey: string
  constructor(
    readonly variableNames: string[],
    size: number,
    groups: number,
    threads: number,
    code: string,
  ) {
    this.outputShape = [size]
    this.dispatch = [groups, 1, 1]
    this.workgroupSize = [threads, 1, 1]
    this.shaderKey = `normlab-sequence:${threads}:${code}`
    // WebGPU derives a pipeline's bindings from what its entry point reaches: every input is named.
    this.code = code.replace(MAIN, `${MAIN}\n    ${variableNames.map((n) => `_ = &${n};`).join(' ')}`)
  }
  private readonly code: string
  getUserCode(): string {
    return this.code
  }
}

const MAIN = 'fn main(index: i32) {'

/** A value from formulas: the bindings it needs as locals, then the value, as one WGSL expression inside a block. */
function formula(bindings: Bindings, value: Operand, read: (name: string) => string, into: string): string {
  const e = expr(value)
  const local = (name: string) => `v_${name.replace(/\./g, '_')}`
  const dialect = WGSL.formulas((name) => (name in bindings ? local(name) : read(name)))
  const lines = needed(bindings, [e]).map((name) => `let ${local(name)} = ${emit(expr(bindings[name]!), dialect)};`)
  return `{ ${lines.join(' ')} ${into} = ${emit(e, dialect)}; }`
}

/** One branch per block of H columns of a row: `if (q == i) { … }`. */
const branches = (blocks: { q: number; body: string }[]) =>
  blocks.map((b) => `if (q == ${b.q}) { ${b.body} }`).join(' else ')

/**
 * The normalizer of a term of `C` columns inside the loop, as WGSL functions of (t, n, c):
 * `<p>Xhat(x, t, n, c)` and `<p>Inv(t, n, c)`. Batch statistics are rows of the output (or, at
 * evaluation, of the population input `pop<p>` for steps before `popRows<p>`); row statistics
 * live in workgroup memory `<p>Rs` [samples, 2G] for the step being computed.
 */
function normFunctions(
  p: 'H' | 'C',
  n: NormAttrs,
  C: number,
  statsAt: number,
  samples: number,
  from: 'result' | 'fwd',
  withPopulation = false,
): string {
  const G = n.groups || 1
  const size = C / G
  const eps = f(n.eps)
  if (n.stats === 'none') return `fn ${p}Xhat(x: f32, t: i32, n: i32, c: i32) -> f32 { return x; }`
  if (n.stats === 'batch')
    return `
  fn ${p}Stat(t: i32, j: i32) -> f32 {
    ${withPopulation ? `if (t < uniforms.popRows${p}) { return pop${p}[t * ${2 * C} + j]; }` : ''}
    return ${from}[${statsAt} + t * ${2 * C} + j];
  }
  fn ${p}Inv(t: i32, n: i32, c: i32) -> f32 { return ${norm('inv', { variance: `${p}Stat(t, ${C} + c)`, eps })}; }
  fn ${p}Xhat(x: f32, t: i32, n: i32, c: i32) -> f32 { return ${norm('xhat', { x: 'x', mean: `${p}Stat(t, c)`, inv: `${p}Inv(t, n, c)` }, n.center)}; }`
  return `
  var<workgroup> ${p}Rs: array<f32, ${samples * 2 * G}>;
  fn ${p}Inv(t: i32, n: i32, c: i32) -> f32 { return ${p}Rs[(n - n0) * ${2 * G} + ${G} + c / ${size}]; }
  fn ${p}Xhat(x: f32, t: i32, n: i32, c: i32) -> f32 { return ${norm('xhat', { x: 'x', mean: `${p}Rs[(n - n0) * ${2 * G} + c / ${size}]`, inv: `${p}Inv(t, n, c)` }, n.center)}; }`
}

/**
 * Statements computing a term's statistics at step t from `value(t, n, c)` (C columns): batch —
 * each column's weighted moments over the valid samples, into the output at `statsAt` (unless
 * population rows cover t); row — each of my samples' groups' mean and 1/σ, into `<p>Rs`.
 */
function statsPhase(
  p: 'H' | 'C',
  n: NormAttrs,
  C: number,
  value: (n: string, c: string) => string,
  statsAt: string,
  samples: number,
): string {
  if (n.stats === 'batch')
    return `
    if (t >= uniforms.popRows${p}) {
      let count = countAt(t);
      for (var c = tid; c < ${C}; c += WG) {
        var mean = 0.0;
        var q = 0.0;
        if (count > 0.0) {
          var sx = 0.0;
          ${n.center ? `for (var m = 0; m < N; m++) { sx += ${norm('sx', { m: 'keepAt(t, m)', x: value('m', 'c') })}; }` : ''}
          mean = ${norm('mean', { sx: 'sx', n: 'count' }, n.center)};
          for (var m = 0; m < N; m++) { q += ${norm('sq', { m: 'keepAt(t, m)', x: value('m', 'c'), mean: 'mean' }, n.center)}; }
          q = ${norm('variance', { sq: 'q', n: 'count' })};
        }
        result[${statsAt} + t * ${2 * C} + c] = mean;
        result[${statsAt} + t * ${2 * C} + ${C} + c] = q;
      }
    }`
  if (n.stats === 'row') {
    const G = n.groups || 1
    const size = C / G
    return `
    for (var e = tid; e < ${samples * G}; e += WG) {
      let n = n0 + e / ${G};
      let g = e % ${G};
      var sx = 0.0;
      ${n.center ? `for (var j = 0; j < ${size}; j++) { sx += ${norm('sx', { m: '1.0', x: value('n', `g * ${size} + j`) })}; }` : ''}
      let mean = ${norm('mean', { sx: 'sx', n: f(size) }, n.center)};
      var q = 0.0;
      for (var j = 0; j < ${size}; j++) { q += ${norm('sq', { m: '1.0', x: value('n', `g * ${size} + j`), mean: 'mean' }, n.center)}; }
      ${p}Rs[(n - n0) * ${2 * G} + g] = mean;
      ${p}Rs[(n - n0) * ${2 * G} + ${G} + g] = ${norm('inv', { variance: norm('variance', { sq: 'q', n: f(size) }), eps: f(n.eps) })};
    }`
  }
  return ''
}

/** What both passes declare: sizes, the step's validity, the sync between phases. */
function common(N: number, H: number, C: number, samples: number, threads: number): string {
  return `
  const N = ${N};
  const H = ${H};
  const C = ${C};
  const S = ${samples};
  const WG = ${threads};
  var<private> tid: i32;
  var<private> n0: i32;
  fn keepAt(t: i32, n: i32) -> f32 { return keep[t * N + n]; }
  fn countAt(t: i32) -> f32 { var s = 0.0; for (var m = 0; m < N; m++) { s += keep[t * N + m]; } return s; }
  fn sync() { storageBarrier(); workgroupBarrier(); }
  fn sigmoidOf(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
  fn tanhOf(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }`
}

function forwardSource(
  cell: CellShape,
  a: SequenceForwardAttrs,
  N: number,
  H: number,
  L: ForwardLayout,
  samples: number,
  threads: number,
): string {
  const { def, layout } = cell
  const C = layout.G * H
  const AW = cell.aWidth * H
  const inner = def.inner !== undefined
  const hN = a.hNorm
  const cN = a.innerNorm
  const read = forwardReader(cell, H, L)
  const activations = Object.fromEntries(Object.entries(def.activations).map(([name, x]) => [`a.${name}`, x]))
  const vAt = (n: string, c: string) => resultRow(L.V, C, 't', n, c)
  const innerAt = (n: string, k: string) =>
    `result[${L.A} + (t * N + ${n}) * ${AW} + ${layout.innerColumn! * H} + ${k}]`
  const gates =
    L.A >= 0
      ? branches(
          layout.activations.map((name, i) => ({ q: i, body: formula(activations, `a.${name}`, read, 'value') })),
        )
      : ''
  // The new state: from A where it is kept, else (the new h is the activation) from the activations' formulas.
  const state = (s: 'h' | 'c') => formula(L.A >= 0 ? {} : activations, def.next[s]!, read, 'value')
  return `
  ${common(N, H, C, samples, threads)}
  ${normFunctions('H', hN, C, L.statsH, samples, 'result', a.popRowsH > 0)}
  fn recurrentAt(t: i32, n: i32, c: i32) -> f32 {
    let v = ${vAt('n', 'c')};
    return ${hN.stats === 'none' ? 'v' : norm('y', { gamma: 'gbH[c]', xhat: 'HXhat(v, t, n, c)', beta: 'gbH[C + c]' })};
  }
  ${inner ? normFunctions('C', cN, H, L.statsC, samples, 'result', a.popRowsC > 0) : ''}
  ${inner ? `fn cellY(t: i32, n: i32, k: i32) -> f32 { let x = CXhat(${innerAt('n', 'k')}, t, n, k); return ${cN.stats === 'none' ? 'x' : norm('y', { gamma: 'gbC[k]', xhat: 'x', beta: 'gbC[H + k]' })}; }` : ''}
  fn main(index: i32) {
    tid = i32(localIndex);
    n0 = i32(workgroupId.x) * S;
    for (var e = tid; e < S * H; e += WG) {
      ${resultRow(L.h, H, '0', 'n0', 'e')} = 0.0;
      ${L.c >= 0 ? `${resultRow(L.c, H, '0', 'n0', 'e')} = 0.0;` : ''}
    }
    sync();
    for (var t = 0; t < uniforms.T; t++) {
      let live = countAt(t) > 0.0;
      for (var e = tid; e < S * C; e += WG) {
        let n = n0 + e / C;
        let c = e % C;
        var s = 0.0;
        if (live) { for (var k = 0; k < H; k++) { s += ${resultRow(L.h, H, 't', 'n', 'k')} * Wh[k * C + c]; } }
        ${vAt('n', 'c')} = s;
      }
      sync();
      ${statsPhase('H', hN, C, vAt, `${L.statsH}`, samples)}
      sync();
      ${L.A >= 0 ? activationsPhase(AW, L, gates) : ''}
      ${inner ? `${statsPhase('C', cN, H, innerAt, `${L.statsC}`, samples)}\n      sync();` : ''}
      ${statePhase(H, L, state)}
    }
  }`
}

/** The forward's output row j of a stacked tensor at (t, n). */
const resultRow = (base: number, width: number, t: string, n: string, j: string) =>
  `result[${base} + (${t} * N + ${n}) * ${width} + ${j}]`

/** Where a forward formula's name lives at (t, n, k). */
function forwardReader(cell: CellShape, H: number, L: ForwardLayout): (name: string) => string {
  const { def, layout } = cell
  const AW = cell.aWidth * H
  const aRead = (j: string) => (L.A >= 0 ? resultRow(L.A, AW, 't', 'n', j) : resultRow(L.h, H, '(t + 1)', 'n', j))
  return (name) => {
    const [space, key] = name.split('.') as [string, string | undefined]
    const gate = key === undefined ? -1 : def.gates.indexOf(key as never)
    if (space === 'x' && gate >= 0) return `xz[(t * N + n) * C + ${gate * H} + k]`
    if (space === 'u' && gate >= 0) return `recurrentAt(t, n, ${gate * H} + k)`
    if (name === 'prev.h') return resultRow(L.h, H, 't', 'n', 'k')
    if (name === 'prev.c') return resultRow(L.c, H, 't', 'n', 'k')
    if (name === 'y') return 'cellY(t, n, k)'
    if (space === 'a') return aRead(`${layout.activations.indexOf(key!) * H} + k`)
    throw new Error(`${def.kind}: a forward formula reads "${name}", which the step does not have`)
  }
}

/** Phase: the activations A of my samples at step t (kept for the backward). */
function activationsPhase(AW: number, L: ForwardLayout, gates: string): string {
  return `for (var e = tid; e < S * ${AW}; e += WG) {
        let n = n0 + e / ${AW};
        let j = e % ${AW};
        let q = j / H;
        let k = j % H;
        var value = 0.0;
        if (live) { ${gates} }
        ${resultRow(L.A, AW, 't', 'n', 'j')} = value;
      }
      sync();`
}

/** Phase: the new state h (and c) of my samples; a padded sample carries its state on. */
function statePhase(H: number, L: ForwardLayout, state: (s: 'h' | 'c') => string): string {
  return `for (var e = tid; e < S * H; e += WG) {
        let n = n0 + e / H;
        let k = e % H;
        let valid = keepAt(t, n) > 0.0;
        var value = ${resultRow(L.h, H, 't', 'n', 'k')};
        if (valid) ${state('h')}
        ${resultRow(L.h, H, '(t + 1)', 'n', 'k')} = value;
        ${
          L.c >= 0
            ? `value = ${resultRow(L.c, H, 't', 'n', 'k')};
        if (valid) ${state('c')}
        ${resultRow(L.c, H, '(t + 1)', 'n', 'k')} = value;`
            : ''
        }
      }
      sync();`
}

/** What the backward's phases share: sizes, layouts, and where each value lives. */
interface BackwardParts {
  cell: CellShape
  a: SequenceBackwardAttrs
  N: number
  H: number
  C: number
  F: ForwardLayout
  B: BackwardLayout
  samples: number
  /** The packed step gradient's width. */
  PW: number
  fwd(base: number, width: number, t: string, n: string, j: string): string
  P(t: string, n: string, j: string): string
  /** Where a backward formula's name lives at (t, n, k). */
  read(name: string): string
  /** The inner term's value at (t, n, k) as the forward computed it. */
  innerValue(n: string, k: string): string
  /** The recurrent term's value v = h·Wh at (t, n, c). */
  vAt(n: string, c: string): string
  /** The gradient into the recurrent term's normalizer output: P's du columns. */
  dy(n: string, c: string): string
  /** The gradient into h at step t (two slots, alternating). */
  dhSlot(t: string, n: string, k: string): string
}

function backwardParts(
  cell: CellShape,
  a: SequenceBackwardAttrs,
  N: number,
  H: number,
  F: ForwardLayout,
  B: BackwardLayout,
  samples: number,
): BackwardParts {
  const { def, layout } = cell
  const C = layout.G * H
  const AW = cell.aWidth * H
  const PW = layout.width * H
  const fwd = (base: number, width: number, t: string, n: string, j: string) =>
    `fwd[${base} + (${t} * N + ${n}) * ${width} + ${j}]`
  const P = (t: string, n: string, j: string) => `result[${B.P} + (${t} * N + ${n}) * ${PW} + ${j}]`
  const read = (name: string): string => {
    const [space, key] = name.split('.') as [string, string | undefined]
    if (name === 'dh') return 'dhAt(t, n, k)'
    if (name === 'carry.c') return 'carryCAt(t, n, k)'
    if (space === 'a') {
      const j = `${layout.activations.indexOf(key!) * H} + k`
      return F.A >= 0 ? fwd(F.A, AW, 't', 'n', j) : fwd(F.h, H, '(t + 1)', 'n', j)
    }
    if (name === 'prev.h') return fwd(F.h, H, 't', 'n', 'k')
    if (name === 'prev.c') return fwd(F.c, H, 't', 'n', 'k')
    if (name === 'y') return 'cellY(t, n, k)'
    if (name === 'dinner') return 'dinnerAt(t, n, k)'
    throw new Error(`${def.kind}: a backward formula reads "${name}", which the step does not have`)
  }
  return {
    cell,
    a,
    N,
    H,
    C,
    F,
    B,
    samples,
    PW,
    fwd,
    P,
    read,
    innerValue: (n, k) => fwd(F.A, AW, 't', n, `${layout.innerColumn! * H} + ${k}`),
    vAt: (n, c) => fwd(F.V, C, 't', n, c),
    dy: (n, c) => P('t', n, `${layout.du.col * H} + ${c}`),
    dhSlot: (t, n, k) => `result[${B.dh} + ((${t}) % 2) * ${N * H} + ${n} * H + ${k}]`,
  }
}

/** The packed step gradient P's blocks of H columns, each from the cell's backward formulas. */
function packedBlocks(b: BackwardParts): { q: number; body: string }[] {
  const { def, layout } = b.cell
  const after = { ...(def.backward.beforeNorm ?? {}), ...def.backward.afterNorm }
  const blocks: { q: number; body: string }[] = []
  const gates = (col: number, formulas: Record<string, Operand>) =>
    def.gates.forEach((g, i) => blocks.push({ q: col + i, body: formula(after, formulas[g]!, b.read, 'value') }))
  gates(layout.dx.col, def.backward.dx as Record<string, Operand>)
  if (layout.du !== layout.dx) gates(layout.du.col, def.backward.du as Record<string, Operand>)
  blocks.push({ q: layout.carry.h!.col, body: formula(after, def.backward.carry.h, b.read, 'value') })
  if (layout.carry.c)
    blocks.push({ q: layout.carry.c.col, body: formula(after, def.backward.carry.c ?? 0, b.read, 'value') })
  if (def.inner !== undefined) {
    blocks.push({ q: layout.innerDy!.col, body: 'value = innerAt(t, n, k);' })
    blocks.push({
      q: layout.innerDyXhat!.col,
      body: `value = ${norm('dgamma', { dy: 'innerAt(t, n, k)', xhat: 'cellXhat(t, n, k)' })};`,
    })
  }
  return blocks
}

/** One term's normalizer backward inside the loop: where its column variable is `col` over `width` columns. */
interface TermBackwardSpec {
  p: 'H' | 'C'
  n: NormAttrs
  width: number
  col: 'k' | 'c'
  /** γ of column col. */
  gamma: string
  /** The gradient into the normalizer's output at (t, n, col). */
  dy: string
  /** x̂ at (t, n, col), in the sums' loop. */
  xhat: string
  /** x̂ and the value's weight w as the du statement names them. */
  xhatInDu: string
  w: string
  /** Where the batch sums go in the output (s1 then s2, `width` each). */
  sumsAt: string
  samples: number
}

/**
 * The sums phase (batch: each column over the step's samples, into the output; row: each of my
 * samples' groups, into workgroup memory `<p>Sums`) and the du expression from them — both from
 * the normalization's formulas.
 */
function termNormBackward(o: TermBackwardSpec): { sums: string; du: string; shared: string } {
  const { p, n, width, col } = o
  if (n.stats === 'none') return { sums: '', du: o.dy, shared: '' }
  const g = norm('g', { gamma: o.gamma, dy: o.dy })
  const add = `let d = ${g}; s1 += ${norm('s1', { g: 'd' })}; s2 += ${norm('s2', { g: 'd', xhat: o.xhat })};`
  const du = (w: string, s1: string, s2: string) =>
    norm('du', { inv: `${p}Inv(t, n, ${col})`, g, w, s1, xhat: o.xhatInDu, s2 }, n.center)
  if (n.stats === 'batch')
    return {
      shared: '',
      sums: `
      for (var ${col} = tid; ${col} < ${width}; ${col} += WG) {
        var s1 = 0.0;
        var s2 = 0.0;
        for (var n = 0; n < N; n++) { ${add} }
        result[${o.sumsAt} + ${col}] = s1;
        result[${o.sumsAt} + ${width} + ${col}] = s2;
      }
      sync();`,
      du: du(o.w, `result[${o.sumsAt} + ${col}]`, `result[${o.sumsAt} + ${width} + ${col}]`),
    }
  const G = n.groups || 1
  const size = width / G
  const at = (j: string) => `${p}Sums[(n - n0) * ${2 * G} + ${j}]`
  return {
    shared: `var<workgroup> ${p}Sums: array<f32, ${o.samples * 2 * G}>;`,
    sums: `
      for (var e = tid; e < S * ${G}; e += WG) {
        let n = n0 + e / ${G};
        let g = e % ${G};
        var s1 = 0.0;
        var s2 = 0.0;
        for (var j = 0; j < ${size}; j++) { let ${col} = g * ${size} + j; ${add} }
        ${at('g')} = s1;
        ${at(`${G} + g`)} = s2;
      }
      sync();`,
    du: du(weightOf(WGSL, size), at(`${col} / ${size}`), at(`${G} + ${col} / ${size}`)),
  }
}

/** The WGSL functions the backward's phases call: dh, the carried c, the inner term's gradient before and after its norm. */
function backwardFunctions(b: BackwardParts, dinner: string): string {
  const { def, layout } = b.cell
  const carryH = layout.carry.h!.col * b.H
  const carryC = layout.carry.c ? layout.carry.c.col * b.H : -1
  const cN = b.a.innerNorm
  return `
  ${def.inner !== undefined ? `fn cellXhat(t: i32, n: i32, k: i32) -> f32 { return CXhat(${b.innerValue('n', 'k')}, t, n, k); }` : ''}
  ${def.inner !== undefined ? `fn cellY(t: i32, n: i32, k: i32) -> f32 { return ${cN.stats === 'none' ? 'cellXhat(t, n, k)' : norm('y', { gamma: 'gbC[k]', xhat: 'cellXhat(t, n, k)', beta: 'gbC[H + k]' })}; }` : ''}
  fn dhAt(t: i32, n: i32, k: i32) -> f32 {
    var s = ${b.dhSlot('t', 'n', 'k')};
    if (t < uniforms.T - 1) { s += ${b.P('(t + 1)', 'n', `${carryH} + k`)}; }
    ${b.a.sequenceOutput ? 's += dy[(t * N + n) * H + k];' : ''}
    return s;
  }
  fn carryCAt(t: i32, n: i32, k: i32) -> f32 {
    ${carryC >= 0 ? `if (t < uniforms.T - 1) { return ${b.P('(t + 1)', 'n', `${carryC} + k`)}; }` : ''}
    return 0.0;
  }
  ${
    def.inner !== undefined
      ? `fn innerAt(t: i32, n: i32, k: i32) -> f32 {
    if (keepAt(t, n) <= 0.0) { return 0.0; }
    var value = 0.0;
    ${formula(def.backward.beforeNorm ?? {}, 'inner', b.read, 'value')}
    return value;
  }
  fn dinnerAt(t: i32, n: i32, k: i32) -> f32 { return ${dinner}; }`
      : ''
  }`
}

/** Phase: P, the packed step gradient, for my samples at step t (padded samples pass dh and the carried c on). */
function packedPhase(b: BackwardParts): string {
  const { layout } = b.cell
  return `
      for (var e = tid; e < S * ${b.PW}; e += WG) {
        let n = n0 + e / ${b.PW};
        let j = e % ${b.PW};
        let q = j / H;
        let k = j % H;
        var value = 0.0;
        if (keepAt(t, n) <= 0.0) {
          if (q == ${layout.carry.h!.col}) { value = dhAt(t, n, k); }
          ${layout.carry.c ? `if (q == ${layout.carry.c.col}) { value = carryCAt(t, n, k); }` : ''}
        } else { ${branches(packedBlocks(b))} }
        ${b.P('t', 'n', 'j')} = value;
      }
      sync();`
}

/** Phase: the recurrent term's norm backward, dV and dy·x̂ at step t. */
function recurrentNormPhase(b: BackwardParts, h: { sums: string; du: string }): string {
  if (b.a.hNorm.stats === 'none') return ''
  return `${h.sums}
      for (var e = tid; e < S * C; e += WG) {
        let n = n0 + e / C;
        let c = e % C;
        let count = countAt(t);
        let w = select(0.0, ${norm('w', { m: 'keepAt(t, n)', n: 'count' })}, keepAt(t, n) > 0.0);
        let xhat = HXhat(${b.vAt('n', 'c')}, t, n, c);
        result[${b.B.dV} + (t * N + n) * C + c] = ${h.du};
        result[${b.B.dyXhat} + (t * N + n) * C + c] = ${norm('dgamma', { dy: b.dy('n', 'c'), xhat: 'xhat' })};
      }
      sync();`
}

/** Phase: the gradient into h at step t − 1, dV·Whᵀ (dV: du where the term is normalized, else P's du columns). */
function recurrentMatMulPhase(b: BackwardParts): string {
  const duRead =
    b.a.hNorm.stats === 'none'
      ? (n: string, c: string) => b.dy(n, c)
      : (n: string, c: string) => `result[${b.B.dV} + (t * N + ${n}) * C + ${c}]`
  return `
      if (t > 0) {
        for (var e = tid; e < S * H; e += WG) {
          let n = n0 + e / H;
          let k = e % H;
          var s = 0.0;
          for (var c = 0; c < C; c++) { s += ${duRead('n', 'c')} * Wh[k * C + c]; }
          ${b.dhSlot('t - 1', 'n', 'k')} = s;
        }
      }
      sync();`
}

function backwardSource(b: BackwardParts, threads: number): string {
  const { cell, a, N, H, C, F, B, samples } = b
  const inner = cell.def.inner !== undefined
  const hN = a.hNorm
  const cN = a.innerNorm
  // The inner term's gradient through its normalizer, then the recurrent term's: sums over the
  // batch (into the output's scratch) or over each sample's groups (workgroup memory), then du.
  const c = inner
    ? termNormBackward({
        p: 'C',
        n: cN,
        width: H,
        col: 'k',
        gamma: 'gbC[k]',
        dy: 'innerAt(t, n, k)',
        xhat: 'cellXhat(t, n, k)',
        xhatInDu: 'cellXhat(t, n, k)',
        w: norm('w', { m: 'keepAt(t, n)', n: 'countAt(t)' }),
        sumsAt: `${B.sums}`,
        samples,
      })
    : { sums: '', du: 'innerAt(t, n, k)', shared: '' }
  const h = termNormBackward({
    p: 'H',
    n: hN,
    width: C,
    col: 'c',
    gamma: 'gbH[c]',
    dy: b.dy('n', 'c'),
    xhat: `HXhat(${b.vAt('n', 'c')}, t, n, c)`,
    xhatInDu: 'xhat',
    w: 'w',
    sumsAt: `${B.sums} + ${2 * H}`,
    samples,
  })
  return `
  ${common(N, H, C, samples, threads)}
  ${normFunctions('H', hN, C, F.statsH, samples, 'fwd')}
  ${h.shared}
  ${inner ? normFunctions('C', cN, H, F.statsC, samples, 'fwd') : ''}
  ${c.shared}
  ${backwardFunctions(b, c.du)}
  fn main(index: i32) {
    tid = i32(localIndex);
    n0 = i32(workgroupId.x) * S;
    for (var e = tid; e < S * H; e += WG) {
      let n = n0 + e / H;
      let k = e % H;
      ${b.dhSlot('uniforms.T - 1', 'n', 'k')} = ${a.sequenceOutput ? '0.0' : 'dy[n * H + k]'};
    }
    sync();
    for (var t = uniforms.T - 1; t >= 0; t--) {
      ${inner && cN.stats === 'row' ? statsPhase('C', cN, H, b.innerValue, '', samples) + '\n      sync();' : ''}
      ${hN.stats === 'row' ? statsPhase('H', hN, C, b.vAt, '', samples) + '\n      sync();' : ''}
      ${c.sums}
      ${packedPhase(b)}
      ${recurrentNormPhase(b, h)}
      ${recurrentMatMulPhase(b)}
    }
  }`
}

/** Samples a workgroup holds: all of them when a per-step batch statistic is inside the loop, else one. */
const samplesPerGroup = (a: SequenceAttrs, N: number) => (a.wholeBatch ? N : 1)

/** Forward over the whole sequence: one dispatch. Inputs xz [T·N, C], keep [T·N, 1], Wh [H, C], gbH/gbC [2, ·], popH/popC (evaluation). */
export function sequenceForward(
  backend: WebGPUBackend,
  ins: Record<string, Info | undefined>,
  a: SequenceForwardAttrs,
  N: number,
  H: number,
): Info {
  const cell = cellShape(a.cell as never)
  const C = cell.layout.G * H
  const L = forwardLayout(a, a.T, N, H)
  const samples = samplesPerGroup(a, N)
  const threads = workgroupSize(samples, Math.max(C, cell.aWidth * H))
  const names = ['xz', 'keep', 'Wh', ...(['gbH', 'popH', 'gbC', 'popC'] as const).filter((x) => ins[x])]
  // Offsets depend on T: compiled in with T, so one pipeline per sequence length (as sizes are everywhere).
  const program = new SequenceProgram(
    names,
    L.size,
    N / samples,
    threads,
    forwardSource(cell, a, N, H, L, samples, threads),
  )
  return backend.runWebGPUProgram(program, names.map((x) => ins[x]!) as never, 'float32', [
    { type: 'int32', data: [a.T] },
    { type: 'int32', data: [a.popRowsH] },
    { type: 'int32', data: [a.popRowsC] },
  ]) as unknown as Info
}

/** Backward over the whole sequence: one dispatch. Inputs fwd (the forward's output), keep, Wh, dy, gbH/gbC. */
export function sequenceBackward(
  backend: WebGPUBackend,
  ins: Record<string, Info | undefined>,
  a: SequenceBackwardAttrs,
  N: number,
  H: number,
): Info {
  const cell = cellShape(a.cell as never)
  const C = cell.layout.G * H
  const F = forwardLayout(a, a.T, N, H)
  const B = backwardLayout(a, a.T, N, H)
  const samples = samplesPerGroup(a, N)
  const threads = workgroupSize(samples, Math.max(C, cell.layout.width * H))
  const names = ['fwd', 'keep', 'Wh', 'dy', ...(['gbH', 'gbC'] as const).filter((x) => ins[x])]
  const program = new SequenceProgram(
    names,
    B.size,
    N / samples,
    threads,
    backwardSource(backwardParts(cell, a, N, H, F, B, samples), threads),
  )
  return backend.runWebGPUProgram(program, names.map((x) => ins[x]!) as never, 'float32', [
    { type: 'int32', data: [a.T] },
    { type: 'int32', data: [0] },
    { type: 'int32', data: [0] },
  ]) as unknown as Info
}
