// The fix for NaN gradients on real GPUs: tfjs-backend-webgl's packed matMul reads values that are
// not part of its inputs.
//
// A packed texture holds 2×2 blocks of a matrix in one RGBA texel. When a dimension is odd, the
// last texel of each row (or column) has lanes past the matrix: its padding. tfjs's packed
// element-wise programs write op(padding) there (exp(0) = 1, sigmoid(0) = 0.5, log(0) = -inf,
// anything a recycled texture held), so padding is not zero. MatMulPackedProgram walks the shared
// dimension two at a time and, when that dimension is odd, multiplies the padding lanes of both
// inputs into the result: exp(zeros [2,3]) · exp(zeros [3,2]) gives 4, not 3, on WebGL. On
// SwiftShader the padding happens to hold finite leftovers (small drift in training); on NVIDIA
// through ANGLE/Vulkan it held non-finite values, and -inf · 0 poisoned every gradient whose
// matMul runs over the batch (odd batch sizes: grad Wy = hᵀ·dlogits, BN's weighted sums).
//
// This kernel replaces BatchMatMul on the webgl backend with the same program, except that the
// last, half-filled step of the shared dimension uses only its valid lanes. Even shared
// dimensions compile to exactly tfjs's loop. The padding-poison mode (poison-padding.ts) is the
// test that any program reading padding fails the self-check, GPU or not.
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'
import { tf } from '../core/tf'

type Shape3 = [number, number, number]

/** tfjs's MatMulPackedProgram (no bias, no activation) that never reads past the shared dimension. */
export class PaddingSafeMatMulProgram implements GPGPUProgram {
  readonly variableNames = ['matrixA', 'matrixB']
  readonly packedInputs = true
  readonly packedOutput = true
  readonly outputShape: number[]
  readonly userCode: string

  constructor(aShape: Shape3, bShape: Shape3, outputShape: Shape3, transposeA: boolean, transposeB: boolean) {
    this.outputShape = outputShape
    const shared = transposeA ? aShape[1] : aShape[2]
    const pairs = Math.floor(shared / 2)
    // Lanes of a texel along the shared dimension: [0] holds index 2i, [1] index 2i + 1.
    const aSample = transposeA ? 'i * 2, rc.y' : 'rc.y, i * 2'
    const bSample = transposeB ? 'rc.z, i * 2' : 'i * 2, rc.z'
    const aLanes = transposeA ? ['a.xxyy', 'a.zzww'] : ['a.xxzz', 'a.yyww']
    const bLanes = transposeB ? ['b.xzxz', 'b.ywyw'] : ['b.xyxy', 'b.zwzw']
    const batchA = aShape[0] < bShape[0] ? `imod(rc.x, ${aShape[0]})` : 'rc.x'
    const batchB = bShape[0] < aShape[0] ? `imod(rc.x, ${bShape[0]})` : 'rc.x'
    const lastHalf =
      shared % 2 === 1
        ? `{
          int i = ${pairs};
          vec4 a = getMatrixA(batchA, ${aSample});
          vec4 b = getMatrixB(batchB, ${bSample});
          result += (${aLanes[0]} * ${bLanes[0]});
        }`
        : ''
    this.userCode = `
      vec4 dot2x2ARowBCol(ivec3 rc) {
        vec4 result = vec4(0);
        int batchA = ${batchA};
        int batchB = ${batchB};
        for (int i = 0; i < ${pairs}; i++) {
          vec4 a = getMatrixA(batchA, ${aSample});
          vec4 b = getMatrixB(batchB, ${bSample});
          // Separate additions, as tfjs does (tensorflow/tfjs#1735).
          result += (${aLanes[0]} * ${bLanes[0]});
          result += (${aLanes[1]} * ${bLanes[1]});
        }
        ${lastHalf}
        return result;
      }

      void main() {
        ivec3 rc = getOutputCoords();
        setOutput(dot2x2ARowBCol(rc));
      }
    `
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0]
type BatchMatMulAttrs = { transposeA: boolean; transposeB: boolean }

/** tfjs forwards long vector products to mul + sum (no packed matMul): keep that path as it is. */
const VECTOR_SHARED_DIM_THRESHOLD = 1000

function batchMatMul(original: tf.KernelFunc, reshape: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { inputs, backend, attrs } = args
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs
    const aRank = a.shape.length
    const bRank = b.shape.length
    const innerA = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!
    const innerB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!
    const outerA = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!
    const outerB = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!
    if ((outerA === 1 || outerB === 1) && innerA > VECTOR_SHARED_DIM_THRESHOLD) return original(args) as tf.TensorInfo
    if (innerA !== innerB)
      throw new Error(
        `matMul: inner shapes ${innerA} and ${innerB} of [${a.shape}] and [${b.shape}] (transposeA=${transposeA}, transposeB=${transposeB}) must match`,
      )
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2))
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2))
    const outDims = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
    const a3: Shape3 = transposeA ? [batchA, innerA, outerA] : [batchA, outerA, innerA]
    const b3: Shape3 = transposeB ? [batchB, outerB, innerB] : [batchB, innerB, outerB]
    const webgl = backend as MathBackendWebGL
    const a3d = reshape({ inputs: { x: a }, backend, attrs: { shape: a3 } }) as tf.TensorInfo
    const b3d = reshape({ inputs: { x: b }, backend, attrs: { shape: b3 } }) as tf.TensorInfo
    const program = new PaddingSafeMatMulProgram(
      a3,
      b3,
      [Math.max(batchA, batchB), outerA, outerB],
      transposeA,
      transposeB,
    )
    const out = webgl.runWebGLProgram(program, [a3d, b3d], tf.upcastType(a.dtype, b.dtype))
    const result = reshape({
      inputs: { x: out },
      backend,
      attrs: { shape: [...outDims, outerA, outerB] },
    }) as tf.TensorInfo
    for (const t of [a3d, b3d, out]) webgl.disposeIntermediateTensorInfo(t)
    return result
  }
}

let installed = false

/**
 * Replaces the webgl BatchMatMul kernel with the padding-safe one. Call after importing
 * @tensorflow/tfjs-backend-webgl and before the first matMul; idempotent. `enabled = false`
 * restores tfjs's own kernel (the self-check's test hook uses it to show what it catches).
 */
export function installPaddingSafeMatMul(enabled = true): void {
  const key = tf.BatchMatMul
  const current = tf.getKernel(key, 'webgl')
  if (!current) throw new Error('the webgl backend is not registered: import @tensorflow/tfjs-backend-webgl first')
  if (enabled === installed) return
  const original = (current as tf.KernelConfig & { original?: tf.KernelConfig }).original ?? current
  const reshape = tf.getKernel(tf.Reshape, 'webgl')!.kernelFunc
  tf.unregisterKernel(key, 'webgl')
  if (enabled) {
    const config: tf.KernelConfig & { original: tf.KernelConfig } = {
      kernelName: key,
      backendName: 'webgl',
      kernelFunc: batchMatMul(original.kernelFunc, reshape),
      original,
    }
    tf.registerKernel(config)
  } else {
    tf.registerKernel(original)
  }
  installed = enabled
}
