// The recurrence's kernels on WebGL (see program.ts): normalizing (normalization.ts), a cell's
// step (cell-programs.ts), and moving data: stacking steps, the step's recurrent matMul.
import { tf } from '../../core/tf'
import { KERNELS } from '../kernels/names'
import { cellBackwardKernel, cellForwardKernel } from './cell-programs'
import { momentsKernel, normApplyKernel, normGradKernel } from './normalization'
import { NO_STEP, Program, run, type Attrs, type Backend, type Info } from './program'

/** Stacks along rows with programs of at most STACK_FAN_IN inputs each, as a tree. */
const STACK_FAN_IN = 12

function stackKernel(ins: Record<string, Info>, a: Attrs, backend: Backend): Info {
  let parts = Array.from({ length: a.count as number }, (_, i) => ins[`x${i}`]!)
  if (parts.length === 1) {
    // A copy, unpacked (a packed input is unpacked on the way in).
    const [R, C] = parts[0]!.shape as [number, number]
    return run(backend, new Program(['x0'], [R, C], `void main() { ivec2 rc = getOutputCoords(); setOutput(getX0(rc.x, rc.y)); }`), parts, NO_STEP)
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
      const out = run(backend, program, group, NO_STEP)
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
function stepMatMulKernel(ins: Record<string, Info>, a: Attrs, backend: Backend): Info {
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
  return run(backend, program, [ins.a!, ins.b!], NO_STEP)
}

const WEBGL_KERNELS: Record<string, (ins: Record<string, Info>, a: Attrs, backend: Backend) => Info | Info[]> = {
  [KERNELS.moments]: momentsKernel,
  [KERNELS.normApply]: normApplyKernel,
  [KERNELS.normGrad]: normGradKernel,
  [KERNELS.stack]: stackKernel,
  [KERNELS.stepMatMul]: stepMatMulKernel,
  [KERNELS.cellForward]: cellForwardKernel,
  [KERNELS.cellBackward]: cellBackwardKernel,
}

/** Registers the recurrence's kernels for the webgl backend (idempotent). Call where the webgl backend is imported. */
export function registerWebglKernels(): void {
  for (const [kernelName, kernel] of Object.entries(WEBGL_KERNELS)) {
    if (tf.getKernel(kernelName, 'webgl')) continue
    tf.registerKernel({
      kernelName,
      backendName: 'webgl',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const out = kernel(inputs as Record<string, Info>, attrs as Attrs, backend as Backend)
        // A cell's forward always answers with a list (its outputs vary with the stage and the cell).
        return kernelName === KERNELS.cellForward && !Array.isArray(out) ? [out] : out
      },
    })
  }
}
