// Normalizing on WebGL: the statistics (a stats input, or each row's own in groups, centered or
// not), x̂ and 1/σ as GLSL, and the three normalizing kernels. The same formulas as
// js/normalization.ts, for every norm.
import type { NormAttrs, StatsSource } from '../kernels/names'
import { f, NO_STEP, Program, run, runReleasing, type Attrs, type Backend, type Info, type Step } from './program'

/**
 * Per-row statistics of columns [col0, col0 + C) of v in `groups` groups: [R, 2G] (mean — 0 for
 * a norm that does not center — then 1/√(var + eps)), for rows rowOffset + r.
 */
export function rowStatsProgram(R: number, col0: number, C: number, n: NormAttrs): Program {
  const groups = n.groups || 1
  const size = C / groups
  return new Program(['v'], [R, 2 * groups], `
    void main() {
      ivec2 rc = getOutputCoords();
      int r = rowOffset + rc.x;
      int g = rc.y < ${groups} ? rc.y : rc.y - ${groups};
      int base = ${col0} + g * ${size};
      float m = 0.0;
      ${n.center ? `for (int k = 0; k < ${size}; k++) m += getV(r, base + k);\n      m /= ${f(size)};` : ''}
      if (rc.y < ${groups}) { setOutput(m); return; }
      float q = 0.0;
      for (int k = 0; k < ${size}; k++) { float d = getV(r, base + k) - m; q += d * d; }
      setOutput(inversesqrt(q / ${f(size)} + ${f(n.eps)}));
    }`)
}

/** GLSL for x̂ of value `x` at (row-stats row `rr`, column `c`) of C columns; batch `stats` rows via statsRow + seg. */
export function xhatOf(n: NormAttrs, C: number, x: string, rr: string, c: string, seg = '0'): string {
  const groups = n.groups || 1
  if (n.stats === 'batch') return `((${x} - ${n.center ? `getStats(statsRow + ${seg}, ${c})` : '0.0'}) * ${invOf(n, C, rr, c, seg)})`
  if (n.stats === 'row') return `((${x} - getRs(${rr}, (${c}) / ${C / groups})) * ${invOf(n, C, rr, c, seg)})`
  return `(${x})`
}

/** GLSL for 1/√(var + eps) at (row-stats row `rr`, column `c`). */
export function invOf(n: NormAttrs, C: number, rr: string, c: string, seg = '0'): string {
  const groups = n.groups || 1
  if (n.stats === 'batch') return `inversesqrt(getStats(statsRow + ${seg}, ${C} + ${c}) + ${f(n.eps)})`
  return `getRs(${rr}, ${groups} + (${c}) / ${C / groups})`
}

/** The inputs a normalizer reads in a kernel: γ, β, and its statistics (batch: the stats input; row: `rs`, computed first). */
export function normInputs(stats: StatsSource): string[] {
  return [...(stats !== 'none' ? ['gamma', 'beta'] : []), ...(stats === 'batch' ? ['stats'] : []), ...(stats === 'row' ? ['rs'] : [])]
}

export const normAttrsOf = (a: Attrs): NormAttrs => a as unknown as NormAttrs
export const stepOf = (a: Attrs): Step => ({ rowOffset: (a.rowOffset as number) || 0, statsRow: (a.statsRow as number) || 0 })

export function momentsKernel(ins: Record<string, Info>, a: Attrs, backend: Backend): Info {
  const R = ins.v!.shape[0]!
  const S = a.segments as number
  const W = a.width as number
  const col0 = a.col0 as number
  const rows = R / S
  const program = new Program(['v', 'w'], [S, 2 * W], `
    void main() {
      ivec2 rc = getOutputCoords();
      int j = rc.y;
      int col = ${col0} + (j < ${W} ? j : j - ${W});
      int first = rc.x * ${rows};
      float mean = 0.0;
      ${a.center ? `for (int r = 0; r < ${rows}; r++) mean += getW(rowOffset + first + r, 0) * getV(first + r, col);` : ''}
      if (j < ${W}) { setOutput(mean); return; }
      float q = 0.0;
      for (int r = 0; r < ${rows}; r++) { float d = getV(first + r, col) - mean; q += getW(rowOffset + first + r, 0) * d * d; }
      setOutput(q);
    }`)
  return run(backend, program, [ins.v!, ins.w!], { rowOffset: a.wOffset as number, statsRow: 0 })
}

export function normApplyKernel(ins: Record<string, Info>, a: Attrs, backend: Backend): Info {
  const [R, C] = ins.u!.shape as [number, number]
  const n = normAttrsOf(a)
  const names = ['u', ...normInputs(n.stats), ...(ins.bias ? ['bias'] : [])]
  const temp: Info[] = []
  const inputs: Record<string, Info> = { ...ins }
  if (n.stats === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(R, 0, C, n), [ins.u!], NO_STEP)))
  const seg = `(rc.x / ${n.rowsPerSegment || 1})`
  const y = n.stats === 'none' ? 'x' : `getGamma(rc.y) * ${xhatOf(n, C, 'x', 'rc.x', 'rc.y', seg)} + getBeta(rc.y)`
  const program = new Program(names, [R, C], `
    void main() {
      ivec2 rc = getOutputCoords();
      float x = getU(rc.x, rc.y);
      setOutput(${y}${ins.bias ? ' + getBias(rc.y)' : ''});
    }`)
  return runReleasing(backend, [program], names, inputs, stepOf(a), temp)[0]!
}

export function normGradKernel(ins: Record<string, Info>, a: Attrs, backend: Backend): Info[] {
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
    const copy = new Program(['dy'], [R, C], `void main() { ivec2 rc = getOutputCoords(); setOutput(${dyAt('rc.x', 'rc.y')}); }`)
    const zero = new Program(['dy'], [R, C], `void main() { setOutput(0.0); }`)
    return [run(backend, copy, [ins.dy!], step), run(backend, zero, [ins.dy!], step)]
  }
  let du: string
  if (n.stats === 'batch') {
    // Column sums of γ·dy and γ·dy·x̂ over each segment's rows: [S, 2C].
    const reduce = new Program(['dy', 'u', 'gamma', 'stats'], [R / rps, 2 * C], `
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y < ${C} ? rc.y : rc.y - ${C};
        float s = 0.0;
        for (int k = 0; k < ${rps}; k++) {
          int r = rc.x * ${rps} + k;
          float dxhat = getGamma(c) * ${dyAt('r', 'c')};
          s += rc.y < ${C} ? dxhat : dxhat * ${xhatOf(n, C, 'getU(rowOffset + r, c)', '', 'c', 'rc.x')};
        }
        setOutput(s);
      }`)
    temp.push((inputs.sums = run(backend, reduce, [ins.dy!, ins.u!, ins.gamma!, ins.stats!], step)))
    const m1 = n.center ? `getSums(rc.x / ${rps}, rc.y)` : '0.0'
    du = `${invOf(n, C, '', 'rc.y', `(rc.x / ${rps})`)} * (getGamma(rc.y) * ${dyAt('rc.x', 'rc.y')} - getW(rowOffset + rc.x, 0) * (${m1} + xhat * getSums(rc.x / ${rps}, ${C} + rc.y)))`
  } else {
    temp.push((inputs.rs = run(backend, rowStatsProgram(R, 0, C, n), [ins.u!], step)))
    const size = C / G
    // Per row and group: mean of γ·dy and of γ·dy·x̂: [R, 2G].
    const reduce = new Program(['dy', 'u', 'gamma', 'rs'], [R, 2 * G], `
      void main() {
        ivec2 rc = getOutputCoords();
        int g = rc.y < ${G} ? rc.y : rc.y - ${G};
        float s = 0.0;
        for (int k = 0; k < ${size}; k++) {
          int c = g * ${size} + k;
          float dxhat = getGamma(c) * ${dyAt('rc.x', 'c')};
          s += rc.y < ${G} ? dxhat : dxhat * ${xhatOf(n, C, 'getU(rowOffset + rc.x, c)', 'rc.x', 'c')};
        }
        setOutput(s / ${f(size)});
      }`)
    temp.push((inputs.sums = run(backend, reduce, [ins.dy!, ins.u!, ins.gamma!, inputs.rs!], step)))
    const m1 = n.center ? `getSums(rc.x, rc.y / ${size})` : '0.0'
    du = `${invOf(n, C, 'rc.x', 'rc.y')} * (getGamma(rc.y) * ${dyAt('rc.x', 'rc.y')} - ${m1} - xhat * getSums(rc.x, ${G} + rc.y / ${size}))`
  }
  const seg = `(rc.x / ${rps})`
  const xhat = xhatOf(n, C, 'getU(rowOffset + rc.x, rc.y)', 'rc.x', 'rc.y', n.stats === 'batch' ? seg : '0')
  const common = ['dy', 'u', 'gamma', ...(n.stats === 'batch' ? ['stats', 'w'] : ['rs']), 'sums']
  const duProgram = new Program(common, [R, C], `void main() { ivec2 rc = getOutputCoords(); float xhat = ${xhat}; setOutput(${du}); }`)
  const dyXhatProgram = new Program(common, [R, C], `void main() { ivec2 rc = getOutputCoords(); setOutput(${dyAt('rc.x', 'rc.y')} * ${xhat}); }`)
  return runReleasing(backend, [duProgram, dyXhatProgram], common, inputs, step, temp)
}
