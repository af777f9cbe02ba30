// The two shading languages the recurrence's GPU kernels are written in, WebGL's GLSL and
// WebGPU's WGSL, as one small interface: the kernels (gpu/*.ts) are written once against it, and
// the cell's and norm's arithmetic comes from their definitions through the formulas' dialect.
// Only what differs is here: declarations, loops, functions, the conditional, 1/√x (in the formulas' dialect), and how a
// program's entry point finds its output element.
import type { Dialect } from '../../../kinds/formulas'

export interface ShaderLang {
  readonly name: 'glsl' | 'wgsl'
  /** A mutable float local. */
  float(name: string, init: string): string
  /** A mutable int local. */
  int(name: string, init: string): string
  /** cond ? a : b */
  sel(cond: string, a: string, b: string): string
  /** The head of `for k in [from, to) step by` (the body follows in braces). */
  loop(k: string, from: string | number, to: string | number, by?: number): string
  /** A float function of int parameters. */
  fn(name: string, params: readonly string[], body: string): string
  /** The entry point: `body` runs once per output element, with its coordinates in `rc` (.x row, .y column), and ends by setOutput(value). */
  main(body: string): string
  /** sigmoidOf and tanhOf, as every program may call them. */
  readonly helpers: string
  /** How the cell's and the normalization's formulas read in this language (names resolved by each program). */
  formulas(ref: (name: string) => string): Dialect
}

/** A float literal both languages read. */
export const f = (x: number): string => (Number.isInteger(x) ? `${x}.0` : `${x}`)

const call =
  (rsqrt: string) =>
  (fn: 'sigmoid' | 'tanh' | 'rsqrt', arg: string): string =>
    fn === 'tanh' ? `tanhOf(${arg})` : fn === 'sigmoid' ? `sigmoidOf(${arg})` : `${rsqrt}(${arg})`

export const GLSL: ShaderLang = {
  name: 'glsl',
  float: (name, init) => `float ${name} = ${init};`,
  int: (name, init) => `int ${name} = ${init};`,
  sel: (cond, a, b) => `(${cond} ? ${a} : ${b})`,
  loop: (k, from, to, by = 1) => `for (int ${k} = ${from}; ${k} < ${to}; ${k} += ${by})`,
  fn: (name, params, body) => `float ${name}(${params.map((p) => `int ${p}`).join(', ')}) { ${body} }`,
  main: (body) => `void main() { ivec2 rc = getOutputCoords(); ${body} }`,
  helpers: `
  float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
  // tanh without overflow (GLSL's tanh is NaN for large |x| on some drivers): as tfjs's Tanh.
  float tanhOf(float x) { float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
`,
  formulas: (ref) => ({ ref, num: f, call: call('inversesqrt') }),
}

/**
 * WGSL. tfjs-backend-webgpu calls main(index) once per output element (flat dispatch); the step's
 * uniforms are copied into module variables so that helper functions read them as GLSL's do.
 */
export const WGSL: ShaderLang = {
  name: 'wgsl',
  float: (name, init) => `var ${name}: f32 = ${init};`,
  int: (name, init) => `var ${name}: i32 = ${init};`,
  sel: (cond, a, b) => `select(${b}, ${a}, ${cond})`,
  loop: (k, from, to, by = 1) => `for (var ${k}: i32 = ${from}; ${k} < ${to}; ${k} += ${by})`,
  fn: (name, params, body) => `fn ${name}(${params.map((p) => `${p}: i32`).join(', ')}) -> f32 { ${body} }`,
  main: (body) => `
  var<private> outIndex: i32;
  var<private> rowOffset: i32;
  var<private> statsRow: i32;
  fn setOutput(value: f32) { setOutputAtIndex(outIndex, value); }
  fn element(rc: vec2<i32>) { ${body} }
  fn main(index: i32) {
    if (index < uniforms.size) {
      outIndex = index;
      rowOffset = uniforms.rowOffset;
      statsRow = uniforms.statsRow;
      element(getCoordsFromIndex(index));
    }
  }`,
  helpers: `
  fn sigmoidOf(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
  fn tanhOf(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
`,
  formulas: (ref) => ({ ref, num: f, call: call('inverseSqrt') }),
}
