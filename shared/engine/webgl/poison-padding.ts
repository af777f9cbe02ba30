// A test mode for the numerics self-check: every packed WebGL program writes NaN into the padding
// lanes of its output (the lanes of a 2×2 texel past the tensor's last row or column).
//
// A correct kernel never reads padding as data, so with the poison on every reference case still
// passes; a kernel that does (tfjs's packed matMul over an odd shared dimension, see
// packed-matmul.ts) turns its result into NaN, and the self-check fails on any WebGL, SwiftShader
// included. This is what a real GPU did by chance (its padding held non-finite values); the
// poison does it every time, so the bug class is caught without a GPU.
//
// Poisoning new or recycled textures would not do: every program writes every texel of its
// output, padding included, so what a padding lane holds is what the program computed for it.
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'

type RunProgram = MathBackendWebGL['runWebGLProgram']

const COORDS = ['x', 'y', 'z', 'w']
/** tfjs's PackingScheme.DENSE: readback programs lay values out flat, with no 2×2 padding. */
const DENSE = 0

/** The program's shader with a main that runs the original, then overwrites the padding lanes. */
export function poisonedUserCode(userCode: string, outputShape: readonly number[]): string | null {
  const rank = outputShape.length
  if (rank > 4 || !/void\s+main\s*\(\s*\)/.test(userCode)) return null
  const renamed = userCode.replace(/void\s+main\s*\(\s*\)/, 'void normlabOriginalMain()')
  const coord = (i: number) => (rank === 1 ? 'rc' : `rc.${COORDS[i]}`)
  // Lane x is (row, col), y is (row, col + 1), z is (row + 1, col), w is (row + 1, col + 1). A
  // rank-1 tensor is one row; a scalar has lane x only.
  const outside = outputShape.map((size, i) => `${coord(i)} >= ${size}`).join(' || ') || 'false'
  const lastCol = rank >= 1 ? `${coord(rank - 1)} + 1 >= ${outputShape[rank - 1]}` : 'true'
  const lastRow = rank >= 2 ? `${coord(rank - 2)} + 1 >= ${outputShape[rank - 2]}` : 'true'
  const coordsType = rank <= 1 ? 'int' : `ivec${rank}`
  return `${renamed}
    void main() {
      normlabOriginalMain();
      float poison = uintBitsToFloat(0x7fc00000u);
      ${rank === 0 ? '' : `${coordsType} rc = getOutputCoords();`}
      bool outside = ${outside};
      bool colPad = outside || ${lastCol};
      bool rowPad = outside || ${lastRow};
      if (outside) outputColor.x = poison;
      if (colPad) outputColor.y = poison;
      if (rowPad) outputColor.z = poison;
      if (colPad || rowPad) outputColor.w = poison;
    }
  `
}

/**
 * Turns the poison on for one WebGL backend (WebGL 2 only) and returns the function that turns it
 * off. Programs whose output is read back (dense layout) are left alone.
 */
export function poisonPackedPadding(backend: MathBackendWebGL): () => void {
  const original: RunProgram = backend.runWebGLProgram
  const cache = new Map<string, string | null>()
  const poisoned = (program: GPGPUProgram): GPGPUProgram => {
    if (!program.packedOutput || program.outPackingScheme === DENSE || program.outTexUsage !== undefined) return program
    const key = `${program.outputShape.join(',')}\n${program.userCode}`
    let code = cache.get(key)
    if (code === undefined) {
      code = poisonedUserCode(program.userCode, program.outputShape)
      cache.set(key, code)
    }
    if (code === null) return program
    // Same prototype and fields, another shader: tfjs caches compiled programs by their source.
    return Object.assign(Object.create(Object.getPrototypeOf(program) as object) as GPGPUProgram, program, {
      userCode: code,
    })
  }
  backend.runWebGLProgram = function (this: MathBackendWebGL, program, ...rest) {
    return original.call(this, poisoned(program), ...rest)
  } as RunProgram
  return () => {
    backend.runWebGLProgram = original
  }
}
