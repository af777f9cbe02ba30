// Moving data on a GPU: stacking per-step tensors along rows, and one step's recurrent matMul.
import { program, NO_STEP, type Attrs, type Gpu, type Info } from './program'

export function stackKernel(gpu: Gpu, ins: Record<string, Info>, a: Attrs): Info {
  const L = gpu.lang
  let parts = Array.from({ length: a.count as number }, (_, i) => ins[`x${i}`]!)
  if (parts.length === 1) {
    // A copy (on WebGL an unpacked one: a packed input is unpacked on the way in).
    const [R, C] = parts[0]!.shape as [number, number]
    return gpu.run(program(['x0'], [R, C], L.main('setOutput(getX0(rc.x, rc.y));')), parts, NO_STEP)
  }
  // A tree of programs reading at most STACK_FAN_IN parts each.
  const STACK_FAN_IN = Math.min(12, gpu.maxInputs)
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
      const pick = group
        .map((_, j) => `if (rc.x < ${offsets[j + 1]}) { setOutput(getX${j}(rc.x - ${offsets[j]}, rc.y)); return; }`)
        .join('\n      ')
      const out = gpu.run(program(names, [offsets[offsets.length - 1]!, C], L.main(pick)), group, NO_STEP)
      temp.push(out)
      next.push(out)
    }
    parts = next
  }
  const result = parts[0]!
  for (const t of temp) if (t !== result) gpu.dispose(t)
  return result
}

/** a[:, col0 : col0 + K]·b, or ·bᵀ: [R, K]·[K, M] → [R, M] (see stepMatMulOp). */
export function stepMatMulKernel(gpu: Gpu, ins: Record<string, Info>, a: Attrs): Info {
  const L = gpu.lang
  const R = ins.a!.shape[0]!
  const K = a.width as number
  const col0 = a.col0 as number
  const transposeB = a.transposeB as boolean
  const M = transposeB ? ins.b!.shape[0]! : ins.b!.shape[1]!
  const bAt = (k: string) => (transposeB ? `getB(rc.y, ${k})` : `getB(${k}, rc.y)`)
  const aAt = (k: string) => `getA(rc.x, ${col0} + ${k})`
  // Four partial sums: independent chains the GPU can overlap.
  const K4 = K - (K % 4)
  const p = program(
    ['a', 'b'],
    [R, M],
    L.main(`
      ${L.float('s0', '0.0')} ${L.float('s1', '0.0')} ${L.float('s2', '0.0')} ${L.float('s3', '0.0')}
      ${L.loop('k', 0, K4, 4)} {
        s0 += ${aAt('k')} * ${bAt('k')};
        s1 += ${aAt('k + 1')} * ${bAt('k + 1')};
        s2 += ${aAt('k + 2')} * ${bAt('k + 2')};
        s3 += ${aAt('k + 3')} * ${bAt('k + 3')};
      }
      ${L.float('r', 's0 + s1 + s2 + s3')}
      ${L.loop('k', K4, K)} { r += ${aAt('k')} * ${bAt('k')}; }
      setOutput(r);`),
  )
  return gpu.run(p, [ins.a!, ins.b!], NO_STEP)
}
