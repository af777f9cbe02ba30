// The fused Adam update (../fused-adam.ts) in WGSL: one element-wise program per output, the
// hyper-parameters and bias corrections as uniforms.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu'
import { tf } from '../core/tf'
import { FUSED_ADAM, type FusedAdamAttrs } from '../fused-adam'

const WORKGROUP = 64

/** tfjs's Adam, term for term (adam_optimizer.ts), on the gradient times the clipping scale. */
const OUTPUTS = ['value[index] - lr * (m1 / c1) / (sqrt(m2 / c2) + uniforms.epsilon)', 'm1', 'm2']

class AdamProgram implements WebGPUProgram {
  readonly variableNames = ['value', 'g', 'm', 'v', 'scale']
  readonly outputShape: number[]
  readonly dispatchLayout = { x: [0] }
  readonly dispatch: [number, number, number]
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1]
  readonly size = true
  readonly uniforms = 'lr : f32, beta1 : f32, beta2 : f32, epsilon : f32, correction1 : f32, correction2 : f32,'
  readonly shaderKey: string
  constructor(
    size: number,
    private readonly output: number,
  ) {
    this.outputShape = [size]
    this.dispatch = [Math.ceil(size / WORKGROUP), 1, 1]
    this.shaderKey = `normlab-adam:${output}`
  }
  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index < uniforms.size) {
      let gs = g[index] * scale[0];
      let m1 = uniforms.beta1 * m[index] + (1.0 - uniforms.beta1) * gs;
      let m2 = uniforms.beta2 * v[index] + (1.0 - uniforms.beta2) * gs * gs;
      let lr = uniforms.lr;
      let c1 = uniforms.correction1;
      let c2 = uniforms.correction2;
      _ = &value;
      setOutputAtIndex(index, ${OUTPUTS[this.output]});
    }
  }`
  }
}

/** Registers the fused Adam kernel for webgpu (idempotent). */
export function registerFusedAdamWebgpu(): void {
  if (tf.getKernel(FUSED_ADAM, 'webgpu')) return
  tf.registerKernel({
    kernelName: FUSED_ADAM,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as FusedAdamAttrs
      const ins = inputs as Record<string, tf.TensorInfo>
      const size = tf.util.sizeFromShape(ins.value!.shape)
      const program = new AdamProgram(size, a.output)
      const flat = (backend as WebGPUBackend).runWebGPUProgram(
        program,
        [ins.value!, ins.g!, ins.m!, ins.v!, ins.scale!],
        'float32',
        [
          { type: 'float32', data: [a.lr] },
          { type: 'float32', data: [a.beta1] },
          { type: 'float32', data: [a.beta2] },
          { type: 'float32', data: [a.epsilon] },
          { type: 'float32', data: [a.correction1] },
          { type: 'float32', data: [a.correction2] },
        ],
      )
      // The value's own shape: the same buffer, no copy.
      return { dataId: flat.dataId, shape: ins.value!.shape, dtype: 'float32' }
    },
  })
}
