// The recurrence op (shared/engine/recurrence) against the step-by-step reference model, by
// property: random shapes (N 1–12 with a one-sample tail, T 1–40, H 1–48, D 1–8, groups dividing
// H, sometimes empty last steps, per-step outputs or not), every cell × norm, on cpu and wasm:
// the loss, every gradient, the recorded statistics, the population update, evaluation with
// population statistics under each policy (tests/support/agreement.ts). WebGL: a sample in
// Chromium (tests/e2e/webgl-numerics.test.ts). And the kernel count the op exists for.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { BENCH_CASES, kernelsPerTimeStep, withRecurrenceOp } from '../../../shared/engine/benchmark'
import { columnProductOp } from '../../../shared/engine/recurrence/kernels/ops'
import { tf, type Tensor, type Tensor2D } from '../../../shared/engine/core/tf'
import { CELLS, cellTerms, NORMS, normalizedTerms, isBatchNorm, normDefinition } from '../../../shared/kinds'
import { agreement, disagreements, randomCase } from '../../support/agreement'

/** Random cases per cell × norm and backend (NORMLAB_PROPERTY_RUNS for a longer search). */
const RUNS = Number(process.env.NORMLAB_PROPERTY_RUNS) || 2

describe.each(['cpu', 'wasm'])('the recurrence op on %s agrees with the step-by-step reference', (backend) => {
  for (const cell of CELLS)
    for (const norm of NORMS) {
      it(`${cell} + ${norm}: loss, every gradient, recorded statistics, population update, evaluation`, async () => {
        await useNodeBackend(backend)
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), async (seed) => {
            const c = randomCase(seed, cell, norm)
            const a = await agreement(c)
            expect(a.op).toBe(true)
            const terms = cellTerms(cell)
            const expected = [
              'loss',
              'grad Wx',
              'grad Wh',
              'grad b',
              'grad Wy',
              'grad by',
              'eval logits (last)',
              ...terms.flatMap((t) => [`recorded ${t} mean`, `recorded ${t} var`]),
            ]
            if (normDefinition(norm).over === 'batch-step')
              expected.push(...terms.map((t) => `population ${t} mean`), 'eval logits (batch)', 'eval logits (global)')
            if (isBatchNorm(norm)) expected.push('population x mean')
            expected.push(...normalizedTerms(norm, cell).map((t) => `grad gamma_${t}`))
            for (const name of expected) expect(Object.keys(a.worst), name).toContain(name)
            expect(disagreements(a), JSON.stringify(c)).toEqual([])
          }),
          { numRuns: RUNS, seed: 20261201 + CELLS.indexOf(cell) * 100 + NORMS.indexOf(norm), endOnFailure: true },
        )
      }, 120_000)
    }
})

describe('kernels per time step of a training step (tf.profile, wasm)', () => {
  it.each(CELLS)(
    '%s h64 T50 b32: at most 24 with BN or LN, 16 without a norm; under a fifth of the step-by-step model',
    async (cell) => {
      await useNodeBackend('wasm')
      for (const norm of ['none', 'bn_step', 'ln'] as const) {
        const c = BENCH_CASES.find((b) => b.cell === cell && b.hidden === 64 && b.norm === norm)!
        const op = await kernelsPerTimeStep(c, false)
        const before = await withRecurrenceOp(false, () => kernelsPerTimeStep(c, false))
        expect(op, norm).toBeLessThanOrEqual(norm === 'none' ? 16 : 24)
        expect(before / op, norm).toBeGreaterThan(cell === 'rnn' ? 3 : 5)
      }
    },
    120_000,
  )
})

describe.each(['cpu', 'wasm'])('the column product kernel on %s', (backend) => {
  it('equals aᵀ·b over a window of columns, and the column sums without a', async () => {
    await useNodeBackend(backend)
    const a = tf.randomNormal([37, 3], 0, 1, 'float32', 1) as Tensor2D
    const b = tf.randomNormal([37, 10], 0, 1, 'float32', 2) as Tensor2D
    const window = tf.slice(b, [0, 4], [37, 5])
    const diff = async (x: Tensor, y: Tensor) => Math.max(...(await tf.abs(tf.sub(x, y)).data()))
    expect(await diff(columnProductOp(a, b, 4, 5), tf.matMul(a, window, true, false))).toBeLessThan(1e-5)
    expect(await diff(columnProductOp(undefined, b, 4, 5), tf.sum(window, 0, true))).toBeLessThan(1e-5)
  })
})
