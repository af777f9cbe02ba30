// Normalizing on a GPU: the statistics (a stats input, or each row's own in groups, centered or
// not), x̂ and 1/σ as shader source, and the three normalizing kernels. The arithmetic is the
// normalization's formulas (shared/kinds/norms/normalization.ts) spelled in the shader language
// at load time (normSource); these programs say which values each sum runs over.
import { normCall } from '../../emit/normalization'
import type { NormFormulaName } from '../../../kinds/norms/normalization'
import type { NormAttrs, StatsSource } from '../kernels/names'
import { f, type ShaderLang } from './lang'
import { NO_STEP, program, runReleasing, type Attrs, type Gpu, type Info, type ProgramSpec, type Step } from './program'

/** A normalization formula as shader source, its names bound to shader expressions (center: the norm's). */
export function normSource(
  L: ShaderLang,
  name: NormFormulaName,
  args: Readonly<Record<string, string>>,
  center = true,
): string {
  return normCall(
    name,
    args,
    L.formulas((ref) => ref),
    center,
  )
}

/** A value's weight in a group of `size` values' statistics (every feature counts: m = 1, n = size). */
export const weightOf = (L: ShaderLang, size: number): string => normSource(L, 'w', { m: '1.0', n: f(size) })

/** One output of a sums program: s1's term (g at the value) for rc.y below `split`, s2's above. */
export const sumTerm = (L: ShaderLang, split: number, g: string, xhat: string): string =>
  L.sel(`rc.y < ${split}`, normSource(L, 's1', { g }), normSource(L, 's2', { g, xhat }))

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
      ${L.float('sx', '0.0')}
      ${n.center ? `${L.loop('k', 0, size)} { sx += ${normSource(L, 'sx', { m: '1.0', x: 'getV(r, base + k)' })}; }` : ''}
      ${L.float('m', normSource(L, 'mean', { sx: 'sx', n: f(size) }, n.center))}
      if (rc.y < ${groups}) { setOutput(m); return; }
      ${L.float('q', '0.0')}
      ${L.loop('k', 0, size)} { q += ${normSource(L, 'sq', { m: '1.0', x: 'getV(r, base + k)', mean: 'm' }, n.center)}; }
      setOutput(${normSource(L, 'inv', { variance: normSource(L, 'variance', { sq: 'q', n: f(size) }), eps: f(n.eps) })});`),
  )
}

/** x̂ of value `x` at (row-stats row `rr`, column `c`) of C columns; batch `stats` rows via statsRow + seg. */
export function xhatOf(L: ShaderLang, n: NormAttrs, C: number, x: string, rr: string, c: string, seg = '0'): string {
  const groups = n.groups || 1
  const inv = invOf(L, n, C, rr, c, seg)
  if (n.stats === 'batch') return normSource(L, 'xhat', { x, mean: `getStats(statsRow + ${seg}, ${c})`, inv }, n.center)
  if (n.stats === 'row')
    return normSource(L, 'xhat', { x, mean: `getRs(${rr}, (${c}) / ${C / groups})`, inv }, n.center)
  return `(${x})`
}

/** 1/√(var + eps) at (row-stats row `rr`, column `c`). */
export function invOf(L: ShaderLang, n: NormAttrs, C: number, rr: string, c: string, seg = '0'): string {
  const groups = n.groups || 1
  if (n.stats === 'batch')
    return normSource(L, 'inv', { variance: `getStats(statsRow + ${seg}, ${C} + ${c})`, eps: f(n.eps) })
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
      ${L.float('n', '0.0')}
      ${L.loop('r', 0, rows)} { n += ${normSource(L, 'n', { m: 'getW(rowOffset + first + r, 0)' })}; }
      n = ${L.sel('n == 0.0', '1.0', 'n')};
      ${L.float('sx', '0.0')}
      ${a.center ? `${L.loop('r', 0, rows)} { sx += ${normSource(L, 'sx', { m: 'getW(rowOffset + first + r, 0)', x: 'getV(first + r, col)' })}; }` : ''}
      ${L.float('mean', normSource(L, 'mean', { sx: 'sx', n: 'n' }, a.center as boolean))}
      if (j < ${W}) { setOutput(mean); return; }
      ${L.float('q', '0.0')}
      ${L.loop('r', 0, rows)} { q += ${normSource(L, 'sq', { m: 'getW(rowOffset + first + r, 0)', x: 'getV(first + r, col)', mean: 'mean' }, a.center as boolean)}; }
      setOutput(${normSource(L, 'variance', { sq: 'q', n: 'n' })});`),
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
      : normSource(L, 'y', {
          gamma: 'getGammaBeta(0, rc.y)',
          xhat: xhatOf(L, n, C, 'x', 'rc.x', 'rc.y', seg),
          beta: 'getGammaBeta(1, rc.y)',
        })
  const p = program(
    names,
    [R, C],
    L.main(`
      ${L.float('x', 'getU(rc.x, rc.y)')}
      setOutput(${y}${ins.bias ? ' + getBias(rc.y)' : ''});`),
  )
  return runReleasing(gpu, [p], inputs, stepOf(a), temp)[0]!
}

/** What the backward's programs share: the shapes, the step, and how they read dy and g = γ·dy. */
interface GradParts {
  L: ShaderLang
  n: NormAttrs
  R: number
  C: number
  G: number
  rps: number
  step: Step
  dyAt(r: string, c: string): string
  gOf(r: string, c: string): string
  /** s1's term for rc.y below `split`, s2's above (dxhat: g at the value). */
  sumsOf(split: number, xhat: string): string
}

/** batch: the column sums s1, s2 over each segment's rows and the weights' sum n last ([S, 2C + 1]), run now; du from them. */
function batchGradSums(gpu: Gpu, p: GradParts, ins: Record<string, Info>, temp: Info[]): string {
  const { L, n, C, rps } = p
  const reduce = program(
    ['dy', 'u', 'gammaBeta', 'stats', 'w'],
    [p.R / rps, 2 * C + 1],
    L.main(`
        if (rc.y == ${2 * C}) {
          ${L.float('n', '0.0')}
          ${L.loop('k', 0, rps)} { n += ${normSource(L, 'n', { m: `getW(rowOffset + rc.x * ${rps} + k, 0)` })}; }
          setOutput(${L.sel('n == 0.0', '1.0', 'n')});
          return;
        }
        ${L.int('c', L.sel(`rc.y < ${C}`, 'rc.y', `rc.y - ${C}`))}
        ${L.float('s', '0.0')}
        ${L.loop('k', 0, rps)} {
          ${L.int('r', `rc.x * ${rps} + k`)}
          ${L.float('dxhat', p.gOf('r', 'c'))}
          s += ${p.sumsOf(C, xhatOf(L, n, C, 'getU(rowOffset + r, c)', '', 'c', 'rc.x'))};
        }
        setOutput(s);`),
  )
  temp.push((ins.sums = gpu.run(reduce, [ins.dy!, ins.u!, ins.gammaBeta!, ins.stats!, ins.w!], p.step)))
  const seg = `rc.x / ${rps}`
  return normSource(
    L,
    'du',
    {
      inv: invOf(L, n, C, '', 'rc.y', `(${seg})`),
      g: p.gOf('rc.x', 'rc.y'),
      w: normSource(L, 'w', { m: 'getW(rowOffset + rc.x, 0)', n: `getSums(${seg}, ${2 * C})` }),
      s1: `getSums(${seg}, rc.y)`,
      xhat: 'xhat',
      s2: `getSums(${seg}, ${C} + rc.y)`,
    },
    n.center,
  )
}

/** row: each row's statistics (rs) and its groups' sums s1, s2 ([R, 2G]), run now; du from them. */
function rowGradSums(gpu: Gpu, p: GradParts, ins: Record<string, Info>, temp: Info[]): string {
  const { L, n, C, G } = p
  temp.push((ins.rs = gpu.run(rowStatsProgram(L, p.R, 0, C, n), [ins.u!], p.step)))
  const size = C / G
  const reduce = program(
    ['dy', 'u', 'gammaBeta', 'rs'],
    [p.R, 2 * G],
    L.main(`
        ${L.int('g', L.sel(`rc.y < ${G}`, 'rc.y', `rc.y - ${G}`))}
        ${L.float('s', '0.0')}
        ${L.loop('k', 0, size)} {
          ${L.int('c', `g * ${size} + k`)}
          ${L.float('dxhat', p.gOf('rc.x', 'c'))}
          s += ${p.sumsOf(G, xhatOf(L, n, C, 'getU(rowOffset + rc.x, c)', 'rc.x', 'c'))};
        }
        setOutput(s);`),
  )
  temp.push((ins.sums = gpu.run(reduce, [ins.dy!, ins.u!, ins.gammaBeta!, ins.rs!], p.step)))
  return normSource(
    L,
    'du',
    {
      inv: invOf(L, n, C, 'rc.x', 'rc.y'),
      g: p.gOf('rc.x', 'rc.y'),
      w: weightOf(L, size),
      s1: `getSums(rc.x, rc.y / ${size})`,
      xhat: 'xhat',
      s2: `getSums(rc.x, ${G} + rc.y / ${size})`,
    },
    n.center,
  )
}

export function normGradKernel(gpu: Gpu, ins: Record<string, Info>, a: Attrs): Info[] {
  const L = gpu.lang
  const R = ins.dy!.shape[0]!
  const C = ins.u!.shape[1]!
  const n = normAttrsOf(a)
  const dyCol0 = a.dyCol0 as number
  const step = stepOf(a)
  const rps = n.rowsPerSegment || 1
  const dyAt = (r: string, c: string) => `getDy(${r}, ${dyCol0} + ${c})`
  if (n.stats === 'none') {
    const copy = program(['dy'], [R, C], L.main(`setOutput(${dyAt('rc.x', 'rc.y')});`))
    const zero = program(['dy'], [R, C], L.main(`setOutput(0.0);`))
    return [gpu.run(copy, [ins.dy!], step), gpu.run(zero, [ins.dy!], step)]
  }
  const parts: GradParts = {
    L,
    n,
    R,
    C,
    G: n.groups || 1,
    rps,
    step,
    dyAt,
    gOf: (r, c) => normSource(L, 'g', { gamma: `getGammaBeta(0, ${c})`, dy: dyAt(r, c) }),
    sumsOf: (split, xhat) => sumTerm(L, split, 'dxhat', xhat),
  }
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const du = n.stats === 'batch' ? batchGradSums(gpu, parts, inputs, temp) : rowGradSums(gpu, parts, inputs, temp)
  const seg = `(rc.x / ${rps})`
  const xhat = xhatOf(L, n, C, 'getU(rowOffset + rc.x, rc.y)', 'rc.x', 'rc.y', n.stats === 'batch' ? seg : '0')
  const common = ['dy', 'u', 'gammaBeta', ...(n.stats === 'batch' ? ['stats', 'w'] : ['rs']), 'sums']
  const duProgram = program(common, [R, C], L.main(`${L.float('xhat', xhat)} setOutput(${du});`))
  const dyXhatProgram = program(
    common,
    [R, C],
    L.main(`setOutput(${normSource(L, 'dgamma', { dy: dyAt('rc.x', 'rc.y'), xhat })});`),
  )
  return runReleasing(gpu, [duProgram, dyXhatProgram], inputs, step, temp)
}
