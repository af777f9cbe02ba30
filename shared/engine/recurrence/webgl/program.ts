// How the recurrence's kernels run on WebGL: fragment shaders computing texel by texel what the
// JS kernels compute (read js/ first: same names, same formulas). Inputs are unpacked textures
// (no padding lanes to misread, see webgl/packed-matmul.ts); sizes and modes are compiled into
// the shader, the step (row offset into stacked tensors, statistics row) is a uniform, so one
// program serves every time step. Reductions a texel would otherwise repeat (a row's statistics,
// a column's sums over the batch) run first as their own small program.
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'
import type { Dialect } from '../../../kinds/formulas'
import type { tf } from '../../core/tf'

export type Info = tf.TensorInfo
export type Attrs = Record<string, unknown>
export type Backend = MathBackendWebGL
type Uniform = NonNullable<GPGPUProgram['customUniforms']>[number]

const STEP_UNIFORMS: Uniform[] = [
  { name: 'rowOffset', type: 'int' },
  { name: 'statsRow', type: 'int' },
]

export class Program implements GPGPUProgram {
  readonly customUniforms = STEP_UNIFORMS
  constructor(
    readonly variableNames: string[],
    readonly outputShape: number[],
    readonly userCode: string,
  ) {}
}

/** GLSL float literal. */
export const f = (x: number): string => (Number.isInteger(x) ? `${x}.0` : `${x}`)

/** How a cell's formulas read in GLSL (names resolved by each program). */
export const glsl = (ref: (name: string) => string): Dialect => ({ ref, num: f, call: (fn, arg) => (fn === 'tanh' ? `tanhOf(${arg})` : `sigmoidOf(${arg})`) })

export const HELPERS = `
  float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
  // tanh without overflow (GLSL's tanh is NaN for large |x| on some drivers): as tfjs's Tanh.
  float tanhOf(float x) { float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
`

export interface Step {
  rowOffset: number
  statsRow: number
}

export const NO_STEP: Step = { rowOffset: 0, statsRow: 0 }

export function run(backend: Backend, program: Program, inputs: Info[], step: Step): Info {
  return backend.runWebGLProgram(program, inputs, 'float32', [[step.rowOffset], [step.statsRow]])
}

/**
 * Runs a kernel's programs on the named inputs (one program an output), then frees what the
 * kernel computed first for them (row statistics, sums): `temp`.
 */
export function runReleasing(backend: Backend, programs: Program[], names: string[], inputs: Record<string, Info>, step: Step, temp: Info[]): Info[] {
  const list = names.map((n) => inputs[n]!)
  const out = programs.map((program) => run(backend, program, list, step))
  for (const t of temp) backend.disposeIntermediateTensorInfo(t)
  return out
}
