// Normalizing on a GPU: the statistics (a stats input, or each row's own in groups, centered or
// not), x̂ and 1/σ as shader source, and the three normalizing kernels. The same formulas as
// js/normalization.ts, for every norm.
import type { NormAttrs, StatsSource } from '../kernels/names'
import { f, type ShaderLang } from './lang'
import { NO_STEP, program, runReleasing, type Attrs, type Gpu, type Info, type ProgramSpec, type Step } from './program'

/**
 * Per-row statistics of columns [col0, col0 + C) of v in `groups` groups: [R, 2G] (mean — 0 for
 * a norm that does not center — then 1/√(var + eps)), for rows rowOffset + r.
 */
export function rowStatsProgram(L: ShaderLang, R: number, col0: number, C: number, n: NormAttrs): ProgramSpec {
  const groups = n.groups || 1
  const size = C / groups
  return program(
    ['v'],
    [R, 2 * groups],
    L.main(`
      ${L.int('r', 'rowOffset + rc.x')}
      ${L.int('g', L.sel(`rc.y < ${groups}`, 'rc.y', `rc.y - ${groups}`))}
      ${L.int('base', `${col0} + g * ${size}`)}
      ${L.float('m', '0.0')}
      ${n.center ? `${L.loop('k', 0, size)} { m += getV(r, base + k); }\n      m /= ${f(size)};` : ''}
      if (rc.y < ${groups}) { setOutput(m); return; }
      ${L.float('q', '0.0')}
      ${L.loop('k', 0, size)} { ${L.float('d', 'getV(r, base + k) - m')} q += d * d; }
      setOutput(${L.rsqrt(`q / ${f(size)} + ${f(n.eps)}`)});`),
  )
}

/** x̂ of value `x` at (row-stats row `rr`, column `c`) of C columns; batch `stats` rows via statsRow + seg. */
export function xhatOf(L: ShaderLang, n: NormAttrs, C: number, x: string, rr: string, c: string, seg = '0'): string {
  const groups = n.groups || 1
  if (n.stats === 'batch')
    return `((${x} - ${n.center ? `getStats(statsRow + ${seg}, ${c})` : '0.0'}) * ${invOf(L, n, C, rr, c, seg)})`
  if (n.stats === 'row') return `((${x} - getRs(${rr}, (${c}) / ${C / groups})) * ${invOf(L, n, C, rr, c, seg)})`
  return `(${x})`
}

/** 1/√(var + eps) at (row-stats row `rr`, column `c`). */
export function invOf(L: ShaderLang, n: NormAttrs, C: number, rr: string, c: string, seg = '0'): string {
  const groups = n.groups || 1
  if (n.stats === 'batch') return L.rsqrt(`getStats(statsRow + ${seg}, ${C} + ${c}) + ${f(n.eps)}`)
  return `getRs(${rr}, ${groups} + (${c}) / ${C / groups})`
}

/**
 * The inputs a normalizer reads in a kernel: γ and β (as the rows of one input, `gammaBeta`: a
 * WebGPU shader binds at most 8–10 buffers), and its statistics (batch: the stats input; row:
 * `rs`, computed first).
 */
export function normInputs(stats: StatsSource): string[] {
  return [
    ...(stats !== 'none' ? ['gammaBeta'] : []),
    ...(stats === 'batch' ? ['stats'] : []),
    ...(stats === 'row' ? ['rs'] : []),
  ]
}

const normAttrsOf = (a: Attrs): NormAttrs => a as unknown as NormAttrs
const stepOf = (a: Attrs): Step => ({ rowOffset: (a.rowOffset as number) || 0, statsRow: (a.statsRow as number) || 0 })

export function momentsKernel(gpu: Gpu, ins: Record<string, Info>, a: Attrs): Info {
  const L = gpu.lang
  const R = ins.v!.shape[0]!
  const S = a.segments as number
  const W = a.width as number
  const col0 = a.col0 as number
  const rows = R / S
  const p = program(
    ['v', 'w'],
    [S, 2 * W],
    L.main(`
      ${L.int('j', 'rc.y')}
      ${L.int('col', `${col0} + ${L.sel(`j < ${W}`, 'j', `j - ${W}`)}`)}
      ${L.int('first', `rc.x * ${rows}`)}
      ${L.float('mean', '0.0')}
      ${a.center ? `${L.loop('r', 0, rows)} { mean += getW(rowOffset + first + r, 0) * getV(first + r, col); }` : ''}
      if (j < ${W}) { setOutput(mean); return; }
      ${L.float('q', '0.0')}
      ${L.loop('r', 0, rows)} { ${L.float('d', 'getV(first + r, col) - mean')} q += getW(rowOffset + first + r, 0) * d * d; }
      setOutput(q);`),
  )
  return gpu.run(p, [ins.v!, ins.w!], { rowOffset: a.wOffset as number, statsRow: 0 })
}

export function normApplyKernel(gpu: Gpu, ins: Record<string, Info>, a: Attrs): Info {
  const L = gpu.lang
  const [R, C] = ins.u!.shape as [number, number]
  const n = normAttrsOf(a)
  const names = ['u', ...normInputs(n.stats), ...(ins.bias ? ['bias'] : [])]
  const temp: Info[] = []
  const inputs: Record<string, Info> = { ...ins }
  if (n.stats === 'row') temp.push((inputs.rs = gpu.run(rowStatsProgram(L, R, 0, C, n), [ins.u!], NO_STEP)))
  const seg = `(rc.x / ${n.rowsPerSegment || 1})`
  const y =
    n.stats === 'none'
      ? 'x'
      : `getGammaBeta(0, rc.y) * ${xhatOf(L, n, C, 'x', 'rc.x', 'rc.y', seg)} + getGammaBeta(1, rc.y)`
  const p = program(
    names,
    [R, C],
    L.main(`
      ${L.float('x', 'getU(rc.x, rc.y)')}
      setOutput(${y}${ins.bias ? ' + getBias(rc.y)' : ''});`),
  )
  return runReleasing(gpu, [p], inputs, stepOf(a), temp)[0]!
}

export function normGradKernel(gpu: Gpu, ins: Record<string, Info>, a: Attrs): Info[] {
  const L = gpu.lang
  const R = ins.dy!.shape[0]!
  const C = ins.u!.shape[1]!
  const n = normAttrsOf(a)
  const G = n.groups || 1
  const dyCol0 = a.dyCol0 as number
  const step = stepOf(a)
  const rps = n.rowsPerSegment || 1
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const dyAt = (r: string, c: string) => `getDy(${r}, ${dyCol0} + ${c})`
  if (n.stats === 'none') {
    const copy = program(['dy'], [R, C], L.main(`setOutput(${dyAt('rc.x', 'rc.y')});`))
    const zero = program(['dy'], [R, C], L.main(`setOutput(0.0);`))
    return [gpu.run(copy, [ins.dy!], step), gpu.run(zero, [ins.dy!], step)]
  }
  let du: string
  if (n.stats === 'batch') {
    // Column sums of γ·dy and γ·dy·x̂ over each segment's rows: [S, 2C].
    const reduce = program(
      ['dy', 'u', 'gammaBeta', 'stats'],
      [R / rps, 2 * C],
      L.main(`
        ${L.int('c', L.sel(`rc.y < ${C}`, 'rc.y', `rc.y - ${C}`))}
        ${L.float('s', '0.0')}
        ${L.loop('k', 0, rps)} {
          ${L.int('r', `rc.x * ${rps} + k`)}
          ${L.float('dxhat', `getGammaBeta(0, c) * ${dyAt('r', 'c')}`)}
          s += ${L.sel(`rc.y < ${C}`, 'dxhat', `dxhat * ${xhatOf(L, n, C, 'getU(rowOffset + r, c)', '', 'c', 'rc.x')}`)};
        }
        setOutput(s);`),
    )
    temp.push((inputs.sums = gpu.run(reduce, [ins.dy!, ins.u!, ins.gammaBeta!, ins.stats!], step)))
    const m1 = n.center ? `getSums(rc.x / ${rps}, rc.y)` : '0.0'
    du = `${invOf(L, n, C, '', 'rc.y', `(rc.x / ${rps})`)} * (getGammaBeta(0, rc.y) * ${dyAt('rc.x', 'rc.y')} - getW(rowOffset + rc.x, 0) * (${m1} + xhat * getSums(rc.x / ${rps}, ${C} + rc.y)))`
  } else {
    temp.push((inputs.rs = gpu.run(rowStatsProgram(L, R, 0, C, n), [ins.u!], step)))
    const size = C / G
    // Per row and group: mean of γ·dy and of γ·dy·x̂: [R, 2G].
    const reduce = program(
      ['dy', 'u', 'gammaBeta', 'rs'],
      [R, 2 * G],
      L.main(`
        ${L.int('g', L.sel(`rc.y < ${G}`, 'rc.y', `rc.y - ${G}`))}
        ${L.float('s', '0.0')}
        ${L.loop('k', 0, size)} {
          ${L.int('c', `g * ${size} + k`)}
          ${L.float('dxhat', `getGammaBeta(0, c) * ${dyAt('rc.x', 'c')}`)}
          s += ${L.sel(`rc.y < ${G}`, 'dxhat', `dxhat * ${xhatOf(L, n, C, 'getU(rowOffset + rc.x, c)', 'rc.x', 'c')}`)};
        }
        setOutput(s / ${f(size)});`),
    )
    temp.push((inputs.sums = gpu.run(reduce, [ins.dy!, ins.u!, ins.gammaBeta!, inputs.rs!], step)))
    const m1 = n.center ? `getSums(rc.x, rc.y / ${size})` : '0.0'
    du = `${invOf(L, n, C, 'rc.x', 'rc.y')} * (getGammaBeta(0, rc.y) * ${dyAt('rc.x', 'rc.y')} - ${m1} - xhat * getSums(rc.x, ${G} + rc.y / ${size}))`
  }
  const seg = `(rc.x / ${rps})`
  const xhat = xhatOf(L, n, C, 'getU(rowOffset + rc.x, rc.y)', 'rc.x', 'rc.y', n.stats === 'batch' ? seg : '0')
  const common = ['dy', 'u', 'gammaBeta', ...(n.stats === 'batch' ? ['stats', 'w'] : ['rs']), 'sums']
  const duProgram = program(common, [R, C], L.main(`${L.float('xhat', xhat)} setOutput(${du});`))
  const dyXhatProgram = program(common, [R, C], L.main(`setOutput(${dyAt('rc.x', 'rc.y')} * ${xhat});`))
  return runReleasing(gpu, [duProgram, dyXhatProgram], inputs, step, temp)
}
