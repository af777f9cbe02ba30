// The recurrence's kernels on WebGL: the GPU kernels (gpu/) in GLSL, each program a fragment
// shader computing texel by texel what the JS kernels compute. Inputs are unpacked textures (no
// padding lanes to misread, see webgl/packed-matmul.ts); the step is a pair of custom uniforms.
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'
import { registerGpuKernels } from '../gpu/kernels'
import { GLSL } from '../gpu/lang'
import type { Gpu, ProgramSpec } from '../gpu/program'

type Uniform = NonNullable<GPGPUProgram['customUniforms']>[number]

const STEP_UNIFORMS: Uniform[] = [
  { name: 'rowOffset', type: 'int' },
  { name: 'statsRow', type: 'int' },
]

class Program implements GPGPUProgram {
  readonly customUniforms = STEP_UNIFORMS
  readonly variableNames: string[]
  readonly outputShape: number[]
  readonly userCode: string
  constructor(spec: ProgramSpec) {
    this.variableNames = spec.names
    this.outputShape = spec.shape
    this.userCode = spec.code
  }
}

const webglGpu = (backend: MathBackendWebGL): Gpu => ({
  lang: GLSL,
  maxInputs: 16, // WebGL2 guarantees 16 texture units per fragment shader
  run: (spec, inputs, step) =>
    backend.runWebGLProgram(new Program(spec), inputs, 'float32', [[step.rowOffset], [step.statsRow]]),
  dispose: (t) => backend.disposeIntermediateTensorInfo(t),
})

/** Registers the recurrence's kernels for the webgl backend (idempotent). Call where the webgl backend is imported. */
export function registerWebglKernels(): void {
  registerGpuKernels('webgl', (backend) => webglGpu(backend as MathBackendWebGL))
}
