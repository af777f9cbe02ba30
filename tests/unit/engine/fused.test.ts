// The fused recurrent op (shared/engine/fused/) against the step-by-step model it replaces in
// training (fused/agreement.ts: loss, every gradient, recorded per-time-step statistics, BN's
// population update; variable lengths with a sample of length 1 and an empty last step; per-step
// outputs), for every norm on cpu and wasm. WebGL: the same check runs in Chromium
// (tests/e2e/webgl-numerics.test.ts). And the kernel count the op exists for.
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { BENCH_CASES, kernelsPerTimeStep, withFused } from '../../../shared/engine/benchmark'
import { AGREEMENT_TOLERANCE, fusedAgreement } from '../../../shared/engine/fused/agreement'
import { CELLS, cellTerms, NORMS } from '../../../shared/kinds'
import { fusedColumnProduct } from '../../../shared/engine/fused/kernels'
import { tf, type Tensor, type Tensor2D } from '../../../shared/engine/tf'

describe.each(['cpu', 'wasm'])('the fused recurrent op on %s agrees with the step-by-step model', (backend) => {
  for (const cell of CELLS) for (const norm of NORMS) {
    for (const sequence of [false, true]) {
      it(`${cell} + ${norm}${sequence ? ', per-step outputs' : ''}: loss, every gradient, recorded statistics, population update`, async () => {
        await useNodeBackend(backend)
        const a = await fusedAgreement(cell, norm, sequence)
        expect(a.fused).toBe(true)
        const terms = cellTerms(cell)
        const expected = ['loss', 'grad Wx', 'grad Wh', 'grad b', 'grad Wy', 'grad by', ...terms.map((t) => `recorded ${t} mean`), ...terms.map((t) => `recorded ${t} var`)]
        for (const name of expected) expect(Object.keys(a.worst)).toContain(name)
        if (norm === 'bn_step') for (const term of terms) expect(Object.keys(a.worst)).toContain(`population ${term} mean`)
        if (norm !== 'none' && norm !== 'bn_seq') for (const term of terms) expect(Object.keys(a.worst)).toContain(`grad gamma_${term}`)
        const off = Object.entries(a.worst).filter(([, w]) => !(w <= AGREEMENT_TOLERANCE))
        expect(off).toEqual([])
      })
    }
  }
})

describe('kernels per time step of a training step (tf.profile, wasm)', () => {
  it.each(CELLS)('%s h64 T50 b32: at most 24 with BN or LN, 16 without a norm; under a fifth of the step-by-step model', async (cell) => {
    await useNodeBackend('wasm')
    for (const norm of ['none', 'bn_step', 'ln'] as const) {
      const c = BENCH_CASES.find((b) => b.cell === cell && b.hidden === 64 && b.norm === norm)!
      const fused = await kernelsPerTimeStep(c, false)
      const before = await withFused(false, () => kernelsPerTimeStep(c, false))
      expect(fused, norm).toBeLessThanOrEqual(norm === 'none' ? 16 : 24)
      expect(before / fused, norm).toBeGreaterThan(cell === 'rnn' ? 3 : 5)
    }
  }, 120_000)
})

describe.each(['cpu', 'wasm'])('the column product kernel on %s', (backend) => {
  it('equals aᵀ·b over a window of columns, and the column sums without a', async () => {
    await useNodeBackend(backend)
    const a = tf.randomNormal([37, 3], 0, 1, 'float32', 1) as Tensor2D
    const b = tf.randomNormal([37, 10], 0, 1, 'float32', 2) as Tensor2D
    const window = tf.slice(b, [0, 4], [37, 5])
    const diff = async (x: Tensor, y: Tensor) => Math.max(...(await tf.abs(tf.sub(x, y)).data()))
    expect(await diff(fusedColumnProduct(a, b, 4, 5), tf.matMul(a, window, true, false))).toBeLessThan(1e-5)
    expect(await diff(fusedColumnProduct(undefined, b, 4, 5), tf.sum(window, 0, true))).toBeLessThan(1e-5)
  })
})
