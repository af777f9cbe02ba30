// The fused recurrent kernels on WebGL: fragment shaders that compute, texel by texel, what
// math.ts computes (read it first: same names, same formulas). Inputs are unpacked textures (no
// padding lanes to misread, see webgl/packed-matmul.ts); sizes and modes are compiled into the
// shader, the step (row offset into stacked tensors, statistics row) is a uniform, so one program
// serves every time step. Reductions a texel would otherwise repeat (a row's statistics, a
// column's sums over the batch) run first as their own small program.
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'
import { tf } from '../tf'
import { KERNELS } from './kernels'
import { GRU_GRAD_WIDTH, LSTM_GRAD_WIDTH, RNN_GRAD_WIDTH, type NormMode } from './math'

type Info = tf.TensorInfo
type Uniform = NonNullable<GPGPUProgram['customUniforms']>[number]

const STEP_UNIFORMS: Uniform[] = [
  { name: 'rowOffset', type: 'int' },
  { name: 'statsRow', type: 'int' },
]

class Program implements GPGPUProgram {
  readonly customUniforms = STEP_UNIFORMS
  constructor(
    readonly variableNames: string[],
    readonly outputShape: number[],
    readonly userCode: string,
  ) {}
}

/** GLSL float literal. */
const f = (x: number) => (Number.isInteger(x) ? `${x}.0` : `${x}`)

const HELPERS = `
  float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
  // tanh without overflow (GLSL's tanh is NaN for large |x| on some drivers): as tfjs's Tanh.
  float tanhOf(float x) { float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
`

interface Step {
  rowOffset: number
  statsRow: number
}

function run(backend: MathBackendWebGL, program: Program, inputs: Info[], step: Step): Info {
  return backend.runWebGLProgram(program, inputs, 'float32', [[step.rowOffset], [step.statsRow]])
}

/**
 * Runs a kernel's programs on the named inputs (one program an output), then frees what the
 * kernel computed first for them (row statistics, sums): `temp`.
 */
function runReleasing(backend: MathBackendWebGL, programs: Program[], names: string[], inputs: Record<string, Info>, step: Step, temp: Info[]): Info[] {
  const list = names.map((n) => inputs[n]!)
  const out = programs.map((program) => run(backend, program, list, step))
  for (const t of temp) backend.disposeIntermediateTensorInfo(t)
  return out
}

/**
 * Per-row statistics of columns [col0, col0 + C) of v in `groups` groups: [R, 2G] (mean, then
 * 1/√(var + eps)), for rows rowOffset + r.
 */
function rowStatsProgram(R: number, col0: number, C: number, groups: number, eps: number): Program {
  const size = C / groups
  return new Program(['v'], [R, 2 * groups], `
    void main() {
      ivec2 rc = getOutputCoords();
      int r = rowOffset + rc.x;
      int g = rc.y < ${groups} ? rc.y : rc.y - ${groups};
      int base = ${col0} + g * ${size};
      float m = 0.0;
      for (int k = 0; k < ${size}; k++) m += getV(r, base + k);
      m /= ${f(size)};
      if (rc.y < ${groups}) { setOutput(m); return; }
      float q = 0.0;
      for (int k = 0; k < ${size}; k++) { float d = getV(r, base + k) - m; q += d * d; }
      setOutput(inversesqrt(q / ${f(size)} + ${f(eps)}));
    }`)
}

/** GLSL for x̂ of value `x` at (row-stats row `rr`, column `c`) in each mode; `stats` rows via statsRow + seg. */
function xhatOf(mode: NormMode, C: number, groups: number, eps: number, x: string, rr: string, c: string, seg = '0'): string {
  if (mode === 'bn') return `((${x} - getStats(statsRow + ${seg}, ${c})) * inversesqrt(getStats(statsRow + ${seg}, ${C} + ${c}) + ${f(eps)}))`
  if (mode === 'row') return `((${x} - getRs(${rr}, (${c}) / ${C / groups})) * getRs(${rr}, ${groups} + (${c}) / ${C / groups}))`
  return `(${x})`
}

function invOf(mode: NormMode, C: number, groups: number, eps: number, rr: string, c: string, seg = '0'): string {
  if (mode === 'bn') return `inversesqrt(getStats(statsRow + ${seg}, ${C} + ${c}) + ${f(eps)})`
  return `getRs(${rr}, ${groups} + (${c}) / ${C / groups})`
}

type Attrs = Record<string, unknown>
const mode = (a: Attrs) => a.mode as NormMode
const groupsOf = (a: Attrs) => (a.groups as number) || 1
const stepOf = (a: Attrs): Step => ({ rowOffset: (a.rowOffset as number) || 0, statsRow: (a.statsRow as number) || 0 })

// ---- kernels -----------------------------------------------------------------------------------

function momentsKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
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
      for (int r = 0; r < ${rows}; r++) mean += getW(rowOffset + first + r, 0) * getV(first + r, col);
      if (j < ${W}) { setOutput(mean); return; }
      float q = 0.0;
      for (int r = 0; r < ${rows}; r++) { float d = getV(first + r, col) - mean; q += getW(rowOffset + first + r, 0) * d * d; }
      setOutput(q);
    }`)
  return run(backend, program, [ins.v!, ins.w!], { rowOffset: a.wOffset as number, statsRow: 0 })
}

function normApplyKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [R, C] = ins.u!.shape as [number, number]
  const m = mode(a)
  const G = groupsOf(a)
  const eps = a.eps as number
  const names = ['u', ...(m !== 'none' ? ['gamma', 'beta'] : []), ...(ins.bias ? ['bias'] : []), ...(m === 'bn' ? ['stats'] : []), ...(m === 'row' ? ['rs'] : [])]
  const temp: Info[] = []
  const inputs: Record<string, Info> = { ...ins }
  if (m === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(R, 0, C, G, eps), [ins.u!], { rowOffset: 0, statsRow: 0 })))
  const seg = `(rc.x / ${(a.rowsPerSegment as number) || 1})`
  const y = m === 'none' ? 'x' : `getGamma(rc.y) * ${xhatOf(m, C, G, eps, 'x', 'rc.x', 'rc.y', seg)} + getBeta(rc.y)`
  const program = new Program(names, [R, C], `
    void main() {
      ivec2 rc = getOutputCoords();
      float x = getU(rc.x, rc.y);
      setOutput(${y}${ins.bias ? ' + getBias(rc.y)' : ''});
    }`)
  return runReleasing(backend, [program], names, inputs, stepOf(a), temp)[0]!
}

function normGradKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info[] {
  const R = ins.dy!.shape[0]!
  const C = ins.u!.shape[1]!
  const m = mode(a)
  const G = groupsOf(a)
  const eps = a.eps as number
  const dyCol0 = a.dyCol0 as number
  const step = stepOf(a)
  const rps = (a.rowsPerSegment as number) || 1
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  const dyAt = (r: string, c: string) => `getDy(${r}, ${dyCol0} + ${c})`
  if (m === 'none') {
    const copy = new Program(['dy'], [R, C], `void main() { ivec2 rc = getOutputCoords(); setOutput(${dyAt('rc.x', 'rc.y')}); }`)
    const zero = new Program(['dy'], [R, C], `void main() { setOutput(0.0); }`)
    return [run(backend, copy, [ins.dy!], step), run(backend, zero, [ins.dy!], step)]
  }
  let sums: string
  let du: string
  if (m === 'bn') {
    // Column sums of γ·dy and γ·dy·x̂ over each segment's rows: [S, 2C].
    const reduce = new Program(['dy', 'u', 'gamma', 'stats'], [R / rps, 2 * C], `
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y < ${C} ? rc.y : rc.y - ${C};
        float s = 0.0;
        for (int k = 0; k < ${rps}; k++) {
          int r = rc.x * ${rps} + k;
          float dxhat = getGamma(c) * ${dyAt('r', 'c')};
          s += rc.y < ${C} ? dxhat : dxhat * ${xhatOf('bn', C, 1, eps, 'getU(rowOffset + r, c)', '', 'c', 'rc.x')};
        }
        setOutput(s);
      }`)
    temp.push((inputs.sums = run(backend, reduce, [ins.dy!, ins.u!, ins.gamma!, ins.stats!], step)))
    sums = 'sums'
    du = `${invOf('bn', C, 1, eps, '', 'rc.y', `(rc.x / ${rps})`)} * (getGamma(rc.y) * ${dyAt('rc.x', 'rc.y')} - getW(rowOffset + rc.x, 0) * (getSums(rc.x / ${rps}, rc.y) + xhat * getSums(rc.x / ${rps}, ${C} + rc.y)))`
  } else {
    temp.push((inputs.rs = run(backend, rowStatsProgram(R, 0, C, G, eps), [ins.u!], step)))
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
          s += rc.y < ${G} ? dxhat : dxhat * ${xhatOf('row', C, G, eps, 'getU(rowOffset + rc.x, c)', 'rc.x', 'c')};
        }
        setOutput(s / ${f(size)});
      }`)
    temp.push((inputs.sums = run(backend, reduce, [ins.dy!, ins.u!, ins.gamma!, inputs.rs!], step)))
    sums = 'sums'
    du = `${invOf('row', C, G, eps, 'rc.x', 'rc.y')} * (getGamma(rc.y) * ${dyAt('rc.x', 'rc.y')} - getSums(rc.x, rc.y / ${size}) - xhat * getSums(rc.x, ${G} + rc.y / ${size}))`
  }
  const seg = `(rc.x / ${rps})`
  const xhat = xhatOf(m, C, G, eps, 'getU(rowOffset + rc.x, rc.y)', 'rc.x', 'rc.y', m === 'bn' ? seg : '0')
  const common = ['dy', 'u', 'gamma', ...(m === 'bn' ? ['stats', 'w'] : ['rs']), sums]
  const duProgram = new Program(common, [R, C], `void main() { ivec2 rc = getOutputCoords(); float xhat = ${xhat}; setOutput(${du}); }`)
  const dyXhatProgram = new Program(common, [R, C], `void main() { ivec2 rc = getOutputCoords(); setOutput(${dyAt('rc.x', 'rc.y')} * ${xhat}); }`)
  return runReleasing(backend, [duProgram, dyXhatProgram], common, inputs, step, temp)
}

function lstmGatesKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, C] = ins.v!.shape as [number, number]
  const H = C / 4
  const m = mode(a)
  const G = groupsOf(a)
  const eps = a.eps as number
  const step = stepOf(a)
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  if (m === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, 0, C, G, eps), [ins.v!], { rowOffset: 0, statsRow: 0 })))
  const names = ['xz', 'v', 'cPrev', ...(m !== 'none' ? ['gamma', 'beta'] : []), ...(m === 'bn' ? ['stats'] : []), ...(m === 'row' ? ['rs'] : [])]
  const normalized = m === 'none' ? 'getV(n, c)' : `getGamma(c) * ${xhatOf(m, C, G, eps, 'getV(n, c)', 'n', 'c')} + getBeta(c)`
  const program = new Program(names, [N, 5 * H], `
    ${HELPERS}
    float zAt(int n, int c) { return getXz(rowOffset + n, c) + ${normalized}; }
    void main() {
      ivec2 rc = getOutputCoords();
      int n = rc.x;
      int j = rc.y;
      if (j < ${H}) { setOutput(sigmoidOf(zAt(n, j))); return; }
      if (j < ${2 * H}) { setOutput(sigmoidOf(zAt(n, j))); return; }
      if (j < ${3 * H}) { setOutput(tanhOf(zAt(n, j))); return; }
      if (j < ${4 * H}) { setOutput(sigmoidOf(zAt(n, j))); return; }
      int k = j - ${4 * H};
      float i = sigmoidOf(zAt(n, k));
      float f = sigmoidOf(zAt(n, ${H} + k));
      float g = tanhOf(zAt(n, ${2 * H} + k));
      setOutput(f * getCPrev(n, k) + i * g);
    }`)
  return runReleasing(backend, [program], names, inputs, step, temp)[0]!
}

/** GLSL: the cell norm's x̂ and output y at sample n, column k, of A read at row `row`. */
function cellNormGlsl(m: NormMode, H: number, G: number, eps: number): string {
  const c = `getA(row, ${4 * H} + k)`
  const xhat = xhatOf(m, H, G, eps, c, 'rr', 'k')
  return `
    float cellXhat(int row, int rr, int k) { return ${xhat}; }
    float cellY(int row, int rr, int k) { ${m === 'none' ? 'return cellXhat(row, rr, k);' : 'return getGamma(k) * cellXhat(row, rr, k) + getBeta(k);'} }`
}

function lstmStateKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info[] {
  const [N, H] = ins.hPrev!.shape as [number, number]
  const m = mode(a)
  const G = groupsOf(a)
  const eps = a.eps as number
  const step = stepOf(a)
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  if (m === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, 4 * H, H, G, eps), [ins.A!], { rowOffset: 0, statsRow: 0 })))
  const names = ['A', 'hPrev', 'cPrev', 'keep', ...(m !== 'none' ? ['gamma', 'beta'] : []), ...(m === 'bn' ? ['stats'] : []), ...(m === 'row' ? ['rs'] : [])]
  const h = new Program(names, [N, H], `
    ${HELPERS}
    ${cellNormGlsl(m, H, G, eps)}
    void main() {
      ivec2 rc = getOutputCoords();
      if (getKeep(rowOffset + rc.x, 0) <= 0.0) { setOutput(getHPrev(rc.x, rc.y)); return; }
      setOutput(getA(rc.x, ${3 * H} + rc.y) * tanhOf(cellY(rc.x, rc.x, rc.y)));
    }`)
  const c = new Program(names, [N, H], `
    void main() {
      ivec2 rc = getOutputCoords();
      setOutput(getKeep(rowOffset + rc.x, 0) > 0.0 ? getA(rc.x, ${4 * H} + rc.y) : getCPrev(rc.x, rc.y));
    }`)
  return runReleasing(backend, [h, c], names, inputs, step, temp)
}

function lstmCellGradKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, H] = ins.dhRec!.shape as [number, number]
  const P = LSTM_GRAD_WIDTH * H
  const m = mode(a)
  const G = groupsOf(a)
  const eps = a.eps as number
  const step = stepOf(a)
  const inputs: Record<string, Info> = { ...ins }
  const temp: Info[] = []
  if (m === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, 4 * H, H, G, eps), [ins.A!], step)))
  const base = ['dhRec', ...(ins.prev ? ['prev'] : []), ...(ins.dhOut ? ['dhOut'] : []), 'A', 'cPrev', 'keep', 'w', ...(m !== 'none' ? ['gamma', 'beta'] : []), ...(m === 'bn' ? ['stats'] : []), ...(m === 'row' ? ['rs'] : [])]
  const shared = `
    ${HELPERS}
    ${cellNormGlsl(m, H, G, eps)}
    float dhAt(int n, int k) {
      return getDhRec(n, k)${ins.prev ? ` + getPrev(n, ${5 * H} + k)` : ''}${ins.dhOut ? ' + getDhOut(rowOffset + n, k)' : ''};
    }
    float dycAt(int n, int k) {
      int row = rowOffset + n;
      if (getKeep(row, 0) <= 0.0) return 0.0;
      float th = tanhOf(cellY(row, n, k));
      return dhAt(n, k) * getA(row, ${3 * H} + k) * (1.0 - th * th);
    }`
  let dcNew = 'dyc'
  if (m !== 'none') {
    const size = H / G
    const reduce =
      m === 'bn'
        ? new Program(base, [1, 2 * H], `
          ${shared}
          void main() {
            ivec2 rc = getOutputCoords();
            int k = rc.y < ${H} ? rc.y : rc.y - ${H};
            float s = 0.0;
            for (int n = 0; n < ${N}; n++) {
              float d = getGamma(k) * dycAt(n, k);
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
              float d = getGamma(k) * dycAt(n, k);
              s += rc.y < ${G} ? d : d * cellXhat(rowOffset + n, n, k);
            }
            setOutput(s / ${f(size)});
          }`)
    temp.push((inputs.sums = run(backend, reduce, base.map((n) => inputs[n]!), step)))
    base.push('sums')
    dcNew =
      m === 'bn'
        ? `${invOf('bn', H, 1, eps, '', 'k')} * (getGamma(k) * dyc - getW(row, 0) * (getSums(0, k) + xhat * getSums(0, ${H} + k)))`
        : `${invOf('row', H, G, eps, 'n', 'k')} * (getGamma(k) * dyc - getSums(n, k / ${size}) - xhat * getSums(n, ${G} + k / ${size}))`
  }
  const program = new Program(base, [N, P], `
    ${shared}
    void main() {
      ivec2 rc = getOutputCoords();
      int n = rc.x;
      int q = rc.y / ${H};
      int k = rc.y - q * ${H};
      int row = rowOffset + n;
      float dcCarry = ${ins.prev ? `getPrev(n, ${4 * H} + k)` : '0.0'};
      if (getKeep(row, 0) <= 0.0) {
        setOutput(q == 4 ? dcCarry : (q == 5 ? dhAt(n, k) : 0.0));
        return;
      }
      float dyc = dycAt(n, k);
      float xhat = cellXhat(row, n, k);
      float dc = ${dcNew} + dcCarry;
      float i = getA(row, k);
      float f = getA(row, ${H} + k);
      float g = getA(row, ${2 * H} + k);
      float o = getA(row, ${3 * H} + k);
      float result = 0.0;
      if (q == 0) result = dc * g * i * (1.0 - i);
      else if (q == 1) result = dc * getCPrev(row, k) * f * (1.0 - f);
      else if (q == 2) result = dc * i * (1.0 - g * g);
      else if (q == 3) result = dhAt(n, k) * tanhOf(cellY(row, n, k)) * o * (1.0 - o);
      else if (q == 4) result = dc * f;
      else if (q == 6) result = dyc;
      else if (q == 7) result = dyc * xhat;
      setOutput(result);
    }`)
  return runReleasing(backend, [program], base, inputs, step, temp)[0]!
}

/** Stacks along rows with programs of at most STACK_FAN_IN inputs each, as a tree. */
const STACK_FAN_IN = 12

function stackKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  let parts = Array.from({ length: a.count as number }, (_, i) => ins[`x${i}`]!)
  if (parts.length === 1) {
    // A copy, unpacked (a packed input is unpacked on the way in).
    const [R, C] = parts[0]!.shape as [number, number]
    return run(backend, new Program(['x0'], [R, C], `void main() { ivec2 rc = getOutputCoords(); setOutput(getX0(rc.x, rc.y)); }`), parts, { rowOffset: 0, statsRow: 0 })
  }
  const temp: Info[] = []
  while (parts.length > 1) {
    const next: Info[] = []
    for (let i = 0; i < parts.length; i += STACK_FAN_IN) {
      const group = parts.slice(i, i + STACK_FAN_IN)
      if (group.length === 1) {
        next.push(group[0]!)
        continue
      }
      // Parts may differ in rows (a tree's last group is smaller): each output row finds its part by offset.
      const C = group[0]!.shape[1]!
      const offsets = group.reduce<number[]>((acc, t) => [...acc, acc[acc.length - 1]! + t.shape[0]!], [0])
      const names = group.map((_, j) => `x${j}`)
      const pick = group.map((_, j) => `if (rc.x < ${offsets[j + 1]}) { setOutput(getX${j}(rc.x - ${offsets[j]}, rc.y)); return; }`).join('\n      ')
      const program = new Program(names, [offsets[offsets.length - 1]!, C], `
    void main() {
      ivec2 rc = getOutputCoords();
      ${pick}
    }`)
      const out = run(backend, program, group, { rowOffset: 0, statsRow: 0 })
      temp.push(out)
      next.push(out)
    }
    parts = next
  }
  const result = parts[0]!
  for (const t of temp) if (t !== result) backend.disposeIntermediateTensorInfo(t)
  return result
}

/** a[:, col0 : col0 + K]·b, or ·bᵀ: [R, K]·[K, M] → [R, M], unpacked (see fusedStepMatMul). */
function stepMatMulKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const R = ins.a!.shape[0]!
  const K = a.width as number
  const col0 = a.col0 as number
  const transposeB = a.transposeB as boolean
  const M = transposeB ? ins.b!.shape[0]! : ins.b!.shape[1]!
  const bAt = (k: string) => (transposeB ? `getB(rc.y, ${k})` : `getB(${k}, rc.y)`)
  // Four partial sums: independent chains the GPU can overlap.
  const K4 = K - (K % 4)
  const program = new Program(['a', 'b'], [R, M], `
    void main() {
      ivec2 rc = getOutputCoords();
      vec4 s = vec4(0.0);
      for (int k = 0; k < ${K4}; k += 4) {
        s += vec4(getA(rc.x, ${col0} + k), getA(rc.x, ${col0} + k + 1), getA(rc.x, ${col0} + k + 2), getA(rc.x, ${col0} + k + 3))
           * vec4(${bAt('k')}, ${bAt('k + 1')}, ${bAt('k + 2')}, ${bAt('k + 3')});
      }
      float r = s.x + s.y + s.z + s.w;
      for (int k = ${K4}; k < ${K}; k++) r += getA(rc.x, ${col0} + k) * ${bAt('k')};
      setOutput(r);
    }`)
  return run(backend, program, [ins.a!, ins.b!], { rowOffset: 0, statsRow: 0 })
}

/** Inputs and GLSL of the recurrent term N_h(v) at (n, c) for the RNN and GRU gate kernels (row mode: row statistics first). */
function recurrentTerm(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL, temp: Info[]): { names: string[]; inputs: Record<string, Info>; glsl: string } {
  const [N, C] = ins.v!.shape as [number, number]
  const m = mode(a)
  const G = groupsOf(a)
  const eps = a.eps as number
  const inputs: Record<string, Info> = { ...ins }
  if (m === 'row') temp.push((inputs.rs = run(backend, rowStatsProgram(N, 0, C, G, eps), [ins.v!], { rowOffset: 0, statsRow: 0 })))
  const names = [...(m !== 'none' ? ['gamma', 'beta'] : []), ...(m === 'bn' ? ['stats'] : []), ...(m === 'row' ? ['rs'] : [])]
  const glsl = `float recurrentAt(int n, int c) { return ${m === 'none' ? 'getV(n, c)' : `getGamma(c) * ${xhatOf(m, C, G, eps, 'getV(n, c)', 'n', 'c')} + getBeta(c)`}; }`
  return { names, inputs, glsl }
}

function rnnStepKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, H] = ins.hPrev!.shape as [number, number]
  const temp: Info[] = []
  const term = recurrentTerm(ins, a, backend, temp)
  const names = ['xz', 'v', 'hPrev', 'keep', ...term.names]
  const program = new Program(names, [N, H], `
    ${HELPERS}
    ${term.glsl}
    void main() {
      ivec2 rc = getOutputCoords();
      if (getKeep(rowOffset + rc.x, 0) <= 0.0) { setOutput(getHPrev(rc.x, rc.y)); return; }
      setOutput(tanhOf(getXz(rowOffset + rc.x, rc.y) + recurrentAt(rc.x, rc.y)));
    }`)
  return runReleasing(backend, [program], names, term.inputs, stepOf(a), temp)[0]!
}

/** GLSL: the gradient into h at sample n of a step whose packed gradient has the passthrough at column block `passCol`. */
function dhGlsl(ins: Record<string, Info>, H: number, passCol: number): string {
  return `float dhAt(int n, int k) { return getDhRec(n, k)${ins.prev ? ` + getPrev(n, ${passCol * H} + k)` : ''}${ins.dhOut ? ' + getDhOut(rowOffset + n, k)' : ''}; }`
}

function rnnCellGradKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, H] = ins.dhRec!.shape as [number, number]
  const names = ['dhRec', ...(ins.prev ? ['prev'] : []), ...(ins.dhOut ? ['dhOut'] : []), 'hNext', 'keep']
  const program = new Program(names, [N, RNN_GRAD_WIDTH * H], `
    ${dhGlsl(ins, H, 1)}
    void main() {
      ivec2 rc = getOutputCoords();
      int q = rc.y / ${H};
      int k = rc.y - q * ${H};
      int row = rowOffset + rc.x;
      float dh = dhAt(rc.x, k);
      bool valid = getKeep(row, 0) > 0.0;
      float h = getHNext(row, k);
      setOutput(q == 0 ? (valid ? dh * (1.0 - h * h) : 0.0) : (valid ? 0.0 : dh));
    }`)
  return run(backend, program, names.map((n) => ins[n]!), stepOf(a))
}

function gruGatesKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, C] = ins.v!.shape as [number, number]
  const H = C / 3
  const temp: Info[] = []
  const term = recurrentTerm(ins, a, backend, temp)
  const names = ['xz', 'v', ...term.names]
  const program = new Program(names, [N, 4 * H], `
    ${HELPERS}
    ${term.glsl}
    void main() {
      ivec2 rc = getOutputCoords();
      int n = rc.x;
      int q = rc.y / ${H};
      int k = rc.y - q * ${H};
      int row = rowOffset + n;
      if (q == 3) { setOutput(recurrentAt(n, ${2 * H} + k)); return; }
      if (q == 1) { setOutput(sigmoidOf(getXz(row, ${H} + k) + recurrentAt(n, ${H} + k))); return; }
      float r = sigmoidOf(getXz(row, k) + recurrentAt(n, k));
      if (q == 0) { setOutput(r); return; }
      setOutput(tanhOf(getXz(row, ${2 * H} + k) + r * recurrentAt(n, ${2 * H} + k)));
    }`)
  return runReleasing(backend, [program], names, term.inputs, stepOf(a), temp)[0]!
}

function gruStateKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, H] = ins.hPrev!.shape as [number, number]
  const program = new Program(['A', 'hPrev', 'keep'], [N, H], `
    void main() {
      ivec2 rc = getOutputCoords();
      float hp = getHPrev(rc.x, rc.y);
      if (getKeep(rowOffset + rc.x, 0) <= 0.0) { setOutput(hp); return; }
      float z = getA(rc.x, ${H} + rc.y);
      setOutput((1.0 - z) * getA(rc.x, ${2 * H} + rc.y) + z * hp);
    }`)
  return run(backend, program, [ins.A!, ins.hPrev!, ins.keep!], stepOf(a))
}

function gruCellGradKernel(ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL): Info {
  const [N, H] = ins.dhRec!.shape as [number, number]
  const names = ['dhRec', ...(ins.prev ? ['prev'] : []), ...(ins.dhOut ? ['dhOut'] : []), 'A', 'hPrev', 'keep']
  const program = new Program(names, [N, GRU_GRAD_WIDTH * H], `
    ${dhGlsl(ins, H, 6)}
    void main() {
      ivec2 rc = getOutputCoords();
      int q = rc.y / ${H};
      int k = rc.y - q * ${H};
      int row = rowOffset + rc.x;
      float dh = dhAt(rc.x, k);
      if (getKeep(row, 0) <= 0.0) { setOutput(q == 6 ? dh : 0.0); return; }
      float r = getA(row, k);
      float z = getA(row, ${H} + k);
      float nn = getA(row, ${2 * H} + k);
      float un = getA(row, ${3 * H} + k);
      float dnPre = dh * (1.0 - z) * (1.0 - nn * nn);
      float dzPre = dh * (getHPrev(row, k) - nn) * z * (1.0 - z);
      float drPre = dnPre * un * r * (1.0 - r);
      float result = dh * z;
      if (q == 0 || q == 3) result = drPre;
      else if (q == 1 || q == 4) result = dzPre;
      else if (q == 2) result = dnPre;
      else if (q == 5) result = dnPre * r;
      setOutput(result);
    }`)
  return run(backend, program, names.map((n) => ins[n]!), stepOf(a))
}

const WEBGL_KERNELS: Record<string, (ins: Record<string, Info>, a: Attrs, backend: MathBackendWebGL) => Info | Info[]> = {
  [KERNELS.moments]: momentsKernel,
  [KERNELS.normApply]: normApplyKernel,
  [KERNELS.normGrad]: normGradKernel,
  [KERNELS.lstmGates]: lstmGatesKernel,
  [KERNELS.lstmState]: lstmStateKernel,
  [KERNELS.lstmCellGrad]: lstmCellGradKernel,
  [KERNELS.stack]: stackKernel,
  [KERNELS.stepMatMul]: stepMatMulKernel,
  [KERNELS.rnnStep]: rnnStepKernel,
  [KERNELS.rnnCellGrad]: rnnCellGradKernel,
  [KERNELS.gruGates]: gruGatesKernel,
  [KERNELS.gruState]: gruStateKernel,
  [KERNELS.gruCellGrad]: gruCellGradKernel,
}

/** Registers the fused kernels for the webgl backend (idempotent). Call where the webgl backend is imported. */
export function registerWebglKernels(): void {
  for (const [kernelName, kernel] of Object.entries(WEBGL_KERNELS)) {
    if (tf.getKernel(kernelName, 'webgl')) continue
    tf.registerKernel({
      kernelName,
      backendName: 'webgl',
      kernelFunc: ({ inputs, attrs, backend }) => kernel(inputs as Record<string, Info>, attrs as Attrs, backend as MathBackendWebGL),
    })
  }
}
