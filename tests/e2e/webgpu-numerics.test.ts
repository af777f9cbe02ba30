// The numerics of the WebGPU engine in Chromium (SwiftShader's Vulkan here, WebGPU on
// http://127.0.0.1, a secure context): the recurrence's kernels in WGSL, written by the same
// skeleton as the GLSL from the same cell and norm definitions, pass every PyTorch reference case
// and agree with the step-by-step reference on random shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBenchPage, type BenchPage } from '../../scripts/bench-page-host'
import { REFERENCE_CASES } from '../../shared/engine/numerics'
import { CELLS } from '../../shared/kinds'
import type { Agreement } from '../support/agreement'

type Checked = Agreement & { off: [string, number][] }

interface PassResult {
  summary: { cases: number; passed: number; worstRatio: number | null; failure: string | null }
  cases: { name: string; pass: boolean; failing: string[] }[]
}

let bench: BenchPage
const warnings: string[] = []

beforeAll(async () => {
  bench = await openBenchPage()
  // WebGPU reports an invalid pipeline (too many bindings, a WGSL error) on the console, not as an exception.
  bench.page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text())
  })
})

afterAll(async () => {
  await bench?.close()
})

describe('WebGPU numerics against the PyTorch reference cases', () => {
  it('passes every case through the WGSL kernels, with no invalid pipeline', async () => {
    const result = (await bench.page.evaluate(
      `globalThis.runSelfCheck('webgpu', [{ name: 'plain', matMul: 'padding-safe', poison: false }])`,
    )) as Record<string, PassResult>
    const r = result.plain!
    expect(r.summary.cases).toBe(REFERENCE_CASES.length)
    expect(
      r.cases.filter((c) => !c.pass),
      `${r.summary.failure}`,
    ).toEqual([])
    expect(r.summary.worstRatio).toBeLessThan(1)
    expect(warnings).toEqual([])
  }, 300_000)

  it('trains and evaluates through the recurrence op on WebGPU, agreeing with the step-by-step reference: every cell with per-step BN (one workgroup for the batch) and GroupNorm (one a sample) on random shapes', async () => {
    // The self-check above runs every cell × norm at the reference shape; here random, larger
    // shapes (kept to two norms, one per way the loop is laid out: SwiftShader compiles every
    // new shape's pipelines on the CPU).
    await bench.page.evaluate('globalThis.kernelCounts()')
    const results = (await bench.page.evaluate(
      `globalThis.runRecurrenceAgreement('webgpu', 1, false, 7100, ['bn_step', 'gn'])`,
    )) as Checked[]
    const launched = (await bench.page.evaluate('globalThis.kernelCounts()')) as Record<string, number>
    expect(launched.NormLabSequenceBackward).toBeGreaterThan(0)
    expect(launched.NormLabCellForward).toBeUndefined() // every sequence through the one-dispatch loop
    expect(results).toHaveLength(2 * CELLS.length)
    for (const r of results) {
      const label = `${r.case.cell} + ${r.case.norm} N${r.case.N} T${r.case.T} H${r.case.H}`
      expect(r.op, `${label}: through the op`).toBe(true)
      expect(r.off, label).toEqual([])
    }
    // Past the stacking tree's fan-in on WebGPU (8 inputs a program).
    expect(Math.max(...results.map((r) => r.case.T))).toBeGreaterThan(8)
    expect(warnings).toEqual([])
  }, 300_000)

  it('loops over the per-step kernels where one workgroup would hold too much (large BN models), agreeing as well', async () => {
    await bench.page.evaluate('globalThis.kernelCounts()')
    const results = (await bench.page.evaluate(
      `globalThis.runRecurrenceAgreement('webgpu', 1, false, 7100, ['bn_step'], true)`,
    )) as Checked[]
    const launched = (await bench.page.evaluate('globalThis.kernelCounts()')) as Record<string, number>
    expect(launched.NormLabSequenceForward).toBeUndefined()
    expect(launched.NormLabCellForward).toBeGreaterThan(0)
    expect(results).toHaveLength(CELLS.length)
    for (const r of results)
      expect(r.off, `${r.case.cell} + ${r.case.norm} N${r.case.N} T${r.case.T} H${r.case.H}`).toEqual([])
    expect(warnings).toEqual([])
  }, 300_000)

  it('runs Adam as one kernel a variable and output, as tfjs’s Adam computes it, leaving no tensor behind', async () => {
    const r = (await bench.page.evaluate(`globalThis.checkFusedAdam('webgpu')`)) as {
      fused: boolean
      worst: number
      moved: number
      leakedPerStep: number
    }
    expect(r.fused).toBe(true)
    expect(r.moved).toBeGreaterThan(0.01) // six steps of lr 0.01 moved the values: the comparison below is not of untouched ones
    expect(r.worst).toBeLessThan(1e-5)
    expect(r.leakedPerStep).toBe(0)
    expect(warnings).toEqual([])
  }, 120_000)

  it('runs the time loop as one dispatch each way: a BN-LSTM training step', async () => {
    const p = (await bench.page.evaluate(`globalThis.profileStep('webgpu', 'LSTM h64 T50 b32', 'bn_step')`)) as {
      T: number
      counts: Record<string, number>
      recurrencePerTimeStep: number
      programsPerTimeStep: number
    }
    console.log(
      'dispatches per time step',
      p.programsPerTimeStep,
      'recurrence kernels per time step',
      p.recurrencePerTimeStep,
      p.counts,
    )
    expect(p.counts.NormLabSequenceForward).toBe(1)
    expect(p.counts.NormLabSequenceBackward).toBe(1)
    for (const perStep of ['NormLabCellForward', 'NormLabCellBackward', 'NormLabStepMatMul'])
      expect(p.counts[perStep], perStep).toBeUndefined()
    // Adam: three kernels a variable (a BN-LSTM with its output layer has eleven), not fourteen.
    expect(p.counts.NormLabAdam).toBe(33)
    // Every dispatch of the step (the loss, the gradient's norm and the optimizer run once a step, whatever T is).
    expect(p.programsPerTimeStep).toBeLessThanOrEqual(3)
    // The recurrence's kernels: the loop's two, the input term's norm (three), stacking the T
    // inputs (one per eight) — a dozen a sequence, where a loop of kernels runs at least four a step.
    expect(p.recurrencePerTimeStep).toBeLessThan(0.5)
    expect(warnings).toEqual([])
  }, 300_000)
})
