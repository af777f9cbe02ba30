// The numerics of the WebGL engine in Chromium (SwiftShader here): every PyTorch reference case
// passes as training computes and with texture padding poisoned (NaN in every padding lane of
// every packed texture). The poisoned run is what catches the NaN-gradient bug a real NVIDIA GPU
// showed: with tfjs's own packed matMul, which multiplies padding lanes into its sums, the same
// cases fail here too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBenchPage, type BenchPage } from '../../scripts/bench-page-host'
import type { SelfCheckPass } from '../../scripts/self-check-pass'
import { REFERENCE_CASES } from '../../shared/engine/numerics'
import { CELLS, NORMS } from '../../shared/kinds'
import type { Agreement } from '../support/agreement'

type Checked = Agreement & { off: [string, number][] }

interface PassResult {
  summary: {
    cases: number
    passed: number
    worstRatio: number | null
    failure: string | null
    gpuRenderer: string | null
  }
  cases: { name: string; pass: boolean; failing: string[] }[]
}

let bench: BenchPage

async function selfCheck(passes: SelfCheckPass[]): Promise<Record<string, PassResult>> {
  return (await bench.page.evaluate(`globalThis.runSelfCheck('webgl', ${JSON.stringify(passes)})`)) as Record<
    string,
    PassResult
  >
}

beforeAll(async () => {
  bench = await openBenchPage()
})

afterAll(async () => {
  await bench?.close()
})

describe('WebGL numerics against the PyTorch reference cases', () => {
  it('passes every case, plain and with poisoned texture padding', async () => {
    const result = await selfCheck([
      { name: 'plain', matMul: 'padding-safe', poison: false },
      { name: 'strict', matMul: 'padding-safe', poison: true },
    ])
    for (const pass of ['plain', 'strict']) {
      const r = result[pass]!
      expect(r.summary.gpuRenderer, 'runs on WebGL').toMatch(/\w/)
      expect(r.summary.cases).toBe(REFERENCE_CASES.length)
      expect(
        r.cases.filter((c) => !c.pass),
        `${pass}: ${r.summary.failure}`,
      ).toEqual([])
    }
    // The training case drifted to 86× its tolerance with the padding bug; fixed it sits well inside.
    expect(result.strict!.summary.worstRatio).toBeLessThan(1)
  })

  it('fails with tfjs’s own packed matMul once padding is poisoned: the test catches the bug class', async () => {
    const result = await selfCheck([{ name: 'tfjs', matMul: 'tfjs', poison: true }])
    const r = result.tfjs!
    // Every cell case runs matMuls over an odd batch (5) or input size (3): all of them must fail.
    const cells = r.cases.filter((c) => c.name.startsWith('cell-'))
    expect(cells).toHaveLength(CELLS.length * NORMS.length)
    expect(cells.filter((c) => c.pass)).toEqual([])
    expect(r.summary.failure).toMatch(/not finite/)
  })

  it('trains and evaluates through the recurrence op on WebGL, agreeing with the step-by-step reference: a random shape for every cell and norm', async () => {
    const results = (await bench.page.evaluate(`globalThis.runRecurrenceAgreement('webgl', 1)`)) as Checked[]
    expect(results).toHaveLength(CELLS.length * NORMS.length)
    for (const r of results) {
      const label = `${r.case.cell} + ${r.case.norm} N${r.case.N} T${r.case.T} H${r.case.H} D${r.case.D} groups ${r.case.groups}${r.case.sequence ? ' (per-step outputs)' : ''}`
      expect(r.op, `${label}: through the op`).toBe(true)
      expect(r.off, label).toEqual([])
      expect(Object.keys(r.worst)).toContain('grad Wh')
      expect(Object.keys(r.worst)).toContain('eval logits (last)')
    }
    // The sample reaches past the stacking tree's fan-in (12) and the JS column product's width (16).
    expect(Math.max(...results.map((r) => r.case.T))).toBeGreaterThan(12)
    expect(Math.max(...results.map((r) => r.case.H))).toBeGreaterThan(16)
  }, 300_000)

  it("agrees as well with the loop's matMuls through tfjs's packed matMul (the path of large models on WebGL)", async () => {
    // Only the matMul differs from the test above: every cell with a batch norm and a per-sample one.
    const results = (await bench.page.evaluate(
      `globalThis.runRecurrenceAgreement('webgl', 1, true, 8200, ['bn_step', 'ln'])`,
    )) as Checked[]
    expect(results).toHaveLength(CELLS.length * 2)
    for (const r of results) {
      expect(r.op).toBe(true)
      expect(r.off, `${r.case.cell} + ${r.case.norm} N${r.case.N} T${r.case.T} H${r.case.H}`).toEqual([])
    }
  }, 180_000)
})
