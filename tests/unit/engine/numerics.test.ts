import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { asGoldenCase, type CellCase } from '../../../shared/engine/golden'
import { describeFailure, type CaseResult } from '../../../shared/engine/golden-result'
import { checkNumerics, numericsFingerprint, rememberedCheckFor, GATE_CASES } from '../../../shared/engine/numerics'
import { poisonedUserCode } from '../../../shared/engine/webgl/poison-padding'
import { ROOT } from '../../helpers/temp'

const load = (name: string) => ({
  name,
  data: asGoldenCase(name, JSON.parse(readFileSync(join(ROOT, 'shared', 'goldens', name), 'utf8'))),
})
const context = { backend: 'wasm', gpuRenderer: null, appVersion: 'test', strict: false, fingerprint: 'test' }

describe('the numerics gate', () => {
  it('covers every cell, every norm and the training case', () => {
    const names = GATE_CASES.join(' ')
    for (const word of ['rnn', 'lstm', 'gru', 'bn_step', 'bn_seq', 'ln', 'gn', 'none', 'train'])
      expect(names).toContain(word)
  })

  it('passes on wasm and sums the check up', async () => {
    await useNodeBackend('wasm')
    const { summary, results } = await checkNumerics(GATE_CASES.map(load), context)
    expect(results.map((r) => r.pass)).toEqual(GATE_CASES.map(() => true))
    expect(summary).toMatchObject({
      backend: 'wasm',
      cases: GATE_CASES.length,
      passed: GATE_CASES.length,
      failure: null,
    })
    expect(summary.worstRatio).toBeGreaterThan(0)
    expect(summary.worstRatio).toBeLessThan(1)
  })

  it('stops at the first failing case and names the value and how far off it is', async () => {
    await useNodeBackend('wasm')
    const good = load('cell-rnn-none.json')
    const bad = load('cell-lstm-ln.json')
    // A reference value moved by 100× its tolerance: the check must see it.
    const grads = (bad.data as CellCase).grads
    const wy = grads.Wy as number[][]
    wy[0]![0]! += 100 * (1e-5 + 1e-4 * Math.abs(wy[0]![0]!))
    const { summary, results } = await checkNumerics([bad, good], context, { stopAtFailure: true })
    expect(results).toHaveLength(1)
    expect(summary.passed).toBe(0)
    expect(summary.failure).toMatch(
      /^cell-lstm-ln\.json: grad Wy is off by (9\d|10\d)\.?\d*× its tolerance \(\|Δ\| = [\d.]+e-\d\)$/,
    )
  })

  it('says "not finite" for NaN and infinite values', () => {
    const result: CaseResult = {
      name: 'cell-rnn-none.json',
      kind: 'cell',
      pass: false,
      worstAbs: NaN,
      worstRatio: Infinity,
      comparisons: [
        { name: 'loss', worstAbs: 0, worstRatio: 0, pass: true },
        { name: 'grad Wy', worstAbs: NaN, worstRatio: Infinity, pass: false },
      ],
    }
    expect(describeFailure(result)).toBe('cell-rnn-none.json: grad Wy is not finite (NaN or ±∞)')
    expect(describeFailure({ ...result, error: 'boom' })).toBe('cell-rnn-none.json: boom')
  })
})

describe('padding poison (WebGL test mode)', () => {
  it('rewrites a packed program to write NaN into the padding lanes past its last row and column', () => {
    const code = poisonedUserCode('void main() { setOutput(vec4(1.0)); }', [5, 3])!
    expect(code).toContain('void normlabOriginalMain()')
    expect(code).toMatch(/ivec2 rc = getOutputCoords\(\);/)
    expect(code).toContain('rc.y + 1 >= 3') // the column past the last one
    expect(code).toContain('rc.x + 1 >= 5') // the row past the last one
    expect(code).toContain('uintBitsToFloat(0x7fc00000u)')
    expect(poisonedUserCode('void main() {}', [1, 2, 3, 4, 5])).toBeNull()
    expect(poisonedUserCode('void notMain() {}', [2, 2])).toBeNull()
  })

  it('reuses a remembered check only while everything that can change the numbers is the same (not just the GPU and app version)', () => {
    const env = {
      backend: 'webgl',
      tfjs: '4.22.0',
      backendVersion: '4.22.0',
      gpu: {
        renderer: 'ANGLE (NVIDIA H200)',
        vendor: 'Google Inc. (NVIDIA)',
        version: 'WebGL 2.0',
        shadingLanguage: 'WebGL GLSL ES 3.00',
        float32: true,
      },
      appVersion: '0.1.0',
      engine: 'abc',
      agent: 'Chrome/156',
    }
    const remembered = {
      ...context,
      backend: 'webgl',
      gpuRenderer: env.gpu.renderer,
      appVersion: env.appVersion,
      cases: 6,
      passed: 6,
      worstRatio: 0.5,
      failure: null,
      checkedAt: 0,
      ms: 1,
      fingerprint: numericsFingerprint(env),
    }
    expect(rememberedCheckFor([remembered], numericsFingerprint(env))).toBe(remembered)
    // The same renderer string and app version, but a tfjs update, a driver update, an engine edit, another browser: check again.
    for (const changed of [
      { tfjs: '4.23.0' },
      { backendVersion: '4.23.0' },
      { gpu: { ...env.gpu, version: 'WebGL 2.0 (driver 560.1)' } },
      { engine: 'abd' },
      { agent: 'Chrome/157' },
    ]) {
      expect(
        rememberedCheckFor([remembered], numericsFingerprint({ ...env, ...changed })),
        JSON.stringify(changed),
      ).toBeUndefined()
    }
    // Checks remembered before fingerprints existed are never reused.
    expect(rememberedCheckFor([{ ...remembered, fingerprint: null }], numericsFingerprint(env))).toBeUndefined()
  })
})
