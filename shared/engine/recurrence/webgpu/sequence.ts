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
import { normSource } from '../gpu/normalization'
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
  const row = (base: number, width: number, t: string, n: string, j: string) =>
    `result[${base} + (${t} * N + ${n}) * ${width} + ${j}]`
  const aRead = (j: string) => (L.A >= 0 ? row(L.A, AW, 't', 'n', j) : row(L.h, H, '(t + 1)', 'n', j))
  const read = (name: string): string => {
    const [space, key] = name.split('.') as [string, string | undefined]
    const gate = key === undefined ? -1 : def.gates.indexOf(key as never)
    if (space === 'x' && gate >= 0) return `xz[(t * N + n) * C + ${gate * H} + k]`
    if (space === 'u' && gate >= 0) return `recurrentAt(t, n, ${gate * H} + k)`
    if (name === 'prev.h') return row(L.h, H, 't', 'n', 'k')
    if (name === 'prev.c') return row(L.c, H, 't', 'n', 'k')
    if (name === 'y') return 'cellY(t, n, k)'
    if (space === 'a') return aRead(`${layout.activations.indexOf(key!) * H} + k`)
    throw new Error(`${def.kind}: a forward formula reads "${name}", which the step does not have`)
  }
  const activations = Object.fromEntries(Object.entries(def.activations).map(([name, x]) => [`a.${name}`, x]))
  const vAt = (n: string, c: string) => row(L.V, C, 't', n, c)
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
      ${row(L.h, H, '0', 'n0', 'e')} = 0.0;
      ${L.c >= 0 ? `${row(L.c, H, '0', 'n0', 'e')} = 0.0;` : ''}
    }
    sync();
    for (var t = 0; t < uniforms.T; t++) {
      let live = countAt(t) > 0.0;
      for (var e = tid; e < S * C; e += WG) {
        let n = n0 + e / C;
        let c = e % C;
        var s = 0.0;
        if (live) { for (var k = 0; k < H; k++) { s += ${row(L.h, H, 't', 'n', 'k')} * Wh[k * C + c]; } }
        ${vAt('n', 'c')} = s;
      }
      sync();
      ${statsPhase('H', hN, C, vAt, `${L.statsH}`, samples)}
      sync();
      ${
        L.A >= 0
          ? `for (var e = tid; e < S * ${AW}; e += WG) {
        let n = n0 + e / ${AW};
        let j = e % ${AW};
        let q = j / H;
        let k = j % H;
        var value = 0.0;
        if (live) { ${gates} }
        ${row(L.A, AW, 't', 'n', 'j')} = value;
      }
      sync();`
          : ''
      }
      ${inner ? `${statsPhase('C', cN, H, innerAt, `${L.statsC}`, samples)}\n      sync();` : ''}
      for (var e = tid; e < S * H; e += WG) {
        let n = n0 + e / H;
        let k = e % H;
        let valid = keepAt(t, n) > 0.0;
        var value = ${row(L.h, H, 't', 'n', 'k')};
        if (valid) ${state('h')}
        ${row(L.h, H, '(t + 1)', 'n', 'k')} = value;
        ${
          L.c >= 0
            ? `value = ${row(L.c, H, 't', 'n', 'k')};
        if (valid) ${state('c')}
        ${row(L.c, H, '(t + 1)', 'n', 'k')} = value;`
            : ''
        }
      }
      sync();
    }
  }`
}

function backwardSource(
  cell: CellShape,
  a: SequenceBackwardAttrs,
  N: number,
  H: number,
  F: ForwardLayout,
  B: BackwardLayout,
  samples: number,
  threads: number,
): string {
  const { def, layout } = cell
  const C = layout.G * H
  const AW = cell.aWidth * H
  const PW = layout.width * H
  const inner = def.inner !== undefined
  const hN = a.hNorm
  const cN = a.innerNorm
  const fwd = (base: number, width: number, t: string, n: string, j: string) =>
    `fwd[${base} + (${t} * N + ${n}) * ${width} + ${j}]`
  const P = (t: string, n: string, j: string) => `result[${B.P} + (${t} * N + ${n}) * ${PW} + ${j}]`
  const carryH = layout.carry.h!.col * H
  const carryC = layout.carry.c ? layout.carry.c.col * H : -1
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
  const before = def.backward.beforeNorm ?? {}
  const after = { ...before, ...def.backward.afterNorm }
  const blocks: { q: number; body: string }[] = []
  def.gates.forEach((g, i) =>
    blocks.push({
      q: layout.dx.col + i,
      body: formula(after, (def.backward.dx as Record<string, Operand>)[g]!, read, 'value'),
    }),
  )
  if (layout.du !== layout.dx)
    def.gates.forEach((g, i) =>
      blocks.push({
        q: layout.du.col + i,
        body: formula(after, (def.backward.du as Record<string, Operand>)[g]!, read, 'value'),
      }),
    )
  blocks.push({ q: layout.carry.h!.col, body: formula(after, def.backward.carry.h, read, 'value') })
  if (layout.carry.c)
    blocks.push({ q: layout.carry.c.col, body: formula(after, def.backward.carry.c ?? 0, read, 'value') })
  if (inner) {
    blocks.push({ q: layout.innerDy!.col, body: 'value = innerAt(t, n, k);' })
    blocks.push({
      q: layout.innerDyXhat!.col,
      body: `value = ${norm('dgamma', { dy: 'innerAt(t, n, k)', xhat: 'cellXhat(t, n, k)' })};`,
    })
  }
  const innerValue = (n: string, k: string) => fwd(F.A, AW, 't', n, `${layout.innerColumn! * H} + ${k}`)
  // The inner term's gradient through its normalizer: sums over the batch (into the output's
  // scratch) or over each sample's groups (workgroup memory), then dinner from them.
  const G = cN.groups || 1
  const size = H / G
  const gC = norm('g', { gamma: 'gbC[k]', dy: 'innerAt(t, n, k)' })
  const sumsC = `let d = ${gC}; s1 += ${norm('s1', { g: 'd' })}; s2 += ${norm('s2', { g: 'd', xhat: 'cellXhat(t, n, k)' })};`
  let innerSums = ''
  let dinner = 'innerAt(t, n, k)'
  if (inner && cN.stats === 'batch') {
    innerSums = `
      for (var k = tid; k < H; k += WG) {
        var s1 = 0.0;
        var s2 = 0.0;
        for (var n = 0; n < N; n++) { ${sumsC} }
        result[${B.sums} + k] = s1;
        result[${B.sums} + H + k] = s2;
      }
      sync();`
    dinner = norm(
      'du',
      {
        inv: 'CInv(t, n, k)',
        g: gC,
        w: norm('w', { m: 'keepAt(t, n)', n: 'countAt(t)' }),
        s1: `result[${B.sums} + k]`,
        xhat: 'cellXhat(t, n, k)',
        s2: `result[${B.sums} + H + k]`,
      },
      cN.center,
    )
  } else if (inner && cN.stats === 'row') {
    innerSums = `
      for (var e = tid; e < S * ${G}; e += WG) {
        let n = n0 + e / ${G};
        let g = e % ${G};
        var s1 = 0.0;
        var s2 = 0.0;
        for (var j = 0; j < ${size}; j++) { let k = g * ${size} + j; ${sumsC} }
        CSums[(n - n0) * ${2 * G} + g] = s1;
        CSums[(n - n0) * ${2 * G} + ${G} + g] = s2;
      }
      sync();`
    dinner = norm(
      'du',
      {
        inv: 'CInv(t, n, k)',
        g: gC,
        w: norm('w', { m: '1.0', n: f(size) }),
        s1: `CSums[(n - n0) * ${2 * G} + k / ${size}]`,
        xhat: 'cellXhat(t, n, k)',
        s2: `CSums[(n - n0) * ${2 * G} + ${G} + k / ${size}]`,
      },
      cN.center,
    )
  }
  // The recurrent term's norm backward: dy is P's du columns.
  const dy = (n: string, c: string) => P('t', n, `${layout.du.col * H} + ${c}`)
  const vAt = (n: string, c: string) => fwd(F.V, C, 't', n, c)
  const GH = hN.groups || 1
  const sizeH = C / GH
  const gH = norm('g', { gamma: 'gbH[c]', dy: dy('n', 'c') })
  const sumsH = `let d = ${gH}; s1 += ${norm('s1', { g: 'd' })}; s2 += ${norm('s2', { g: 'd', xhat: `HXhat(${vAt('n', 'c')}, t, n, c)` })};`
  let hSums = ''
  let du = dy('n', 'c')
  if (hN.stats === 'batch') {
    hSums = `
      for (var c = tid; c < C; c += WG) {
        var s1 = 0.0;
        var s2 = 0.0;
        for (var n = 0; n < N; n++) { ${sumsH} }
        result[${B.sums} + ${2 * H} + c] = s1;
        result[${B.sums} + ${2 * H} + C + c] = s2;
      }
      sync();`
    du = norm(
      'du',
      {
        inv: 'HInv(t, n, c)',
        g: gH,
        w: 'w',
        s1: `result[${B.sums} + ${2 * H} + c]`,
        xhat: 'xhat',
        s2: `result[${B.sums} + ${2 * H} + C + c]`,
      },
      hN.center,
    )
  } else if (hN.stats === 'row') {
    hSums = `
      for (var e = tid; e < S * ${GH}; e += WG) {
        let n = n0 + e / ${GH};
        let g = e % ${GH};
        var s1 = 0.0;
        var s2 = 0.0;
        for (var j = 0; j < ${sizeH}; j++) { let c = g * ${sizeH} + j; ${sumsH} }
        HSums[(n - n0) * ${2 * GH} + g] = s1;
        HSums[(n - n0) * ${2 * GH} + ${GH} + g] = s2;
      }
      sync();`
    du = norm(
      'du',
      {
        inv: 'HInv(t, n, c)',
        g: gH,
        w: norm('w', { m: '1.0', n: f(sizeH) }),
        s1: `HSums[(n - n0) * ${2 * GH} + c / ${sizeH}]`,
        xhat: 'xhat',
        s2: `HSums[(n - n0) * ${2 * GH} + ${GH} + c / ${sizeH}]`,
      },
      hN.center,
    )
  }
  const dhSlot = (t: string, n: string, k: string) => `result[${B.dh} + ((${t}) % 2) * ${N * H} + ${n} * H + ${k}]`
  // The gradient into the recurrent matMul's output at step t: du where the term is normalized, else P's du columns.
  const duRead =
    hN.stats === 'none'
      ? (n: string, c: string) => dy(n, c)
      : (n: string, c: string) => `result[${B.dV} + (t * N + ${n}) * C + ${c}]`
  return `
  ${common(N, H, C, samples, threads)}
  ${normFunctions('H', hN, C, F.statsH, samples, 'fwd')}
  ${hN.stats === 'row' ? `var<workgroup> HSums: array<f32, ${samples * 2 * GH}>;` : ''}
  ${inner ? normFunctions('C', cN, H, F.statsC, samples, 'fwd') : ''}
  ${inner && cN.stats === 'row' ? `var<workgroup> CSums: array<f32, ${samples * 2 * G}>;` : ''}
  ${inner ? `fn cellXhat(t: i32, n: i32, k: i32) -> f32 { return CXhat(${innerValue('n', 'k')}, t, n, k); }` : ''}
  ${inner ? `fn cellY(t: i32, n: i32, k: i32) -> f32 { return ${cN.stats === 'none' ? 'cellXhat(t, n, k)' : norm('y', { gamma: 'gbC[k]', xhat: 'cellXhat(t, n, k)', beta: 'gbC[H + k]' })}; }` : ''}
  fn dhAt(t: i32, n: i32, k: i32) -> f32 {
    var s = ${dhSlot('t', 'n', 'k')};
    if (t < uniforms.T - 1) { s += ${P('(t + 1)', 'n', `${carryH} + k`)}; }
    ${a.sequenceOutput ? 's += dy[(t * N + n) * H + k];' : ''}
    return s;
  }
  fn carryCAt(t: i32, n: i32, k: i32) -> f32 {
    ${carryC >= 0 ? `if (t < uniforms.T - 1) { return ${P('(t + 1)', 'n', `${carryC} + k`)}; }` : ''}
    return 0.0;
  }
  ${
    inner
      ? `fn innerAt(t: i32, n: i32, k: i32) -> f32 {
    if (keepAt(t, n) <= 0.0) { return 0.0; }
    var value = 0.0;
    ${formula(before, 'inner', read, 'value')}
    return value;
  }
  fn dinnerAt(t: i32, n: i32, k: i32) -> f32 { return ${dinner}; }`
      : ''
  }
  fn main(index: i32) {
    tid = i32(localIndex);
    n0 = i32(workgroupId.x) * S;
    for (var e = tid; e < S * H; e += WG) {
      let n = n0 + e / H;
      let k = e % H;
      ${dhSlot('uniforms.T - 1', 'n', 'k')} = ${a.sequenceOutput ? '0.0' : 'dy[n * H + k]'};
    }
    sync();
    for (var t = uniforms.T - 1; t >= 0; t--) {
      ${inner && cN.stats === 'row' ? statsPhase('C', cN, H, innerValue, '', samples) + '\n      sync();' : ''}
      ${hN.stats === 'row' ? statsPhase('H', hN, C, vAt, '', samples) + '\n      sync();' : ''}
      ${innerSums}
      for (var e = tid; e < S * ${PW}; e += WG) {
        let n = n0 + e / ${PW};
        let j = e % ${PW};
        let q = j / H;
        let k = j % H;
        var value = 0.0;
        if (keepAt(t, n) <= 0.0) {
          if (q == ${layout.carry.h!.col}) { value = dhAt(t, n, k); }
          ${carryC >= 0 ? `if (q == ${layout.carry.c!.col}) { value = carryCAt(t, n, k); }` : ''}
        } else { ${branches(blocks)} }
        ${P('t', 'n', 'j')} = value;
      }
      sync();
      ${
        hN.stats !== 'none'
          ? `${hSums}
      for (var e = tid; e < S * C; e += WG) {
        let n = n0 + e / C;
        let c = e % C;
        let count = countAt(t);
        let w = select(0.0, ${norm('w', { m: 'keepAt(t, n)', n: 'count' })}, keepAt(t, n) > 0.0);
        let xhat = HXhat(${vAt('n', 'c')}, t, n, c);
        result[${B.dV} + (t * N + n) * C + c] = ${du};
        result[${B.dyXhat} + (t * N + n) * C + c] = ${norm('dgamma', { dy: dy('n', 'c'), xhat: 'xhat' })};
      }
      sync();`
          : ''
      }
      if (t > 0) {
        for (var e = tid; e < S * H; e += WG) {
          let n = n0 + e / H;
          let k = e % H;
          var s = 0.0;
          for (var c = 0; c < C; c++) { s += ${duRead('n', 'c')} * Wh[k * C + c]; }
          ${dhSlot('t - 1', 'n', 'k')} = s;
        }
      }
      sync();
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
    backwardSource(cell, a, N, H, F, B, samples, threads),
  )
  return backend.runWebGPUProgram(program, names.map((x) => ins[x]!) as never, 'float32', [
    { type: 'int32', data: [a.T] },
    { type: 'int32', data: [0] },
    { type: 'int32', data: [0] },
  ]) as unknown as Info
}
