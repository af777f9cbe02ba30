// The engine against a float64 oracle at larger shapes, where a batch norm sees few samples:
// batch up to 16, up to 32 steps and 32 hidden units, late steps with 3, 2 and 1 valid samples
// (tests/oracle/README.md: drawn by ../shared/goldens/gen.py in PyTorch float64, kept only where
// well-conditioned for float32). Each output must be as exact as float32 permits: within
// max(tolerance, 4× what float32 permits on it), what float32 permits being the smaller of two
// measures — PyTorch float32's own error on that output (normalizing with its own kernels), and
// the case's conditioning (how far float32's rounding of the inputs alone moves the answer). The
// second matters where PyTorch's float32 kernels are themselves far from what float32 allows (BN's
// input gradient over two samples: 3.3× the tolerance where rounding the inputs moves it by 0.6×).
// The golden cases (golden.test.ts) are small; these are where BN's backward cancels to a small
// fraction of its terms and float32 statistics or a tanh exact only absolutely showed.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { asGoldenCase, runGoldenCase } from '../../../shared/engine/golden'
import { tf } from '../../../shared/engine/core/tf'
import { ORACLE_DIR, oracleFiles, oracleShapes, readOracleCase, type OracleMeta } from '../../support/oracle-cases'

const shapes = oracleShapes()
const files = oracleFiles()

function load(file: string) {
  const raw = readOracleCase(file)
  return { meta: raw.meta, golden: asGoldenCase(file, raw) }
}

/** An output's bar: the tolerance, or 4× what float32 permits on it where that is more. */
const bar = (meta: OracleMeta, output: string): number =>
  Math.max(1, 4 * Math.min(meta.float32[output] ?? 0, meta.conditioning))

describe('the float64 oracle cases', () => {
  it('cover the shapes and the few-sample regime, up to batch 16 × 32 steps × 32 hidden', () => {
    expect(shapes.length).toBeGreaterThanOrEqual(3)
    const largest = shapes.find((s) => s.includes('-n16-t32-') && s.endsWith('-h32-g4'))!
    expect(largest).toBeDefined()
    // Every cell with a norm at the largest shape; what was never well-conditioned there is named.
    const atLargest = files.filter((f) => f.startsWith(largest + '/'))
    const dropped = readFileSync(join(ORACLE_DIR, 'dropped.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(largest))
    expect(atLargest.length + dropped.length).toBe(21)
    // BN per time step in every cell at some shape, BN-LSTM at 24 steps or more.
    for (const cell of ['rnn', 'lstm', 'gru'])
      expect(
        files.some((f) => f.endsWith(`cell-${cell}-bn_step.json.gz`)),
        cell,
      ).toBe(true)
    expect(
      files.some((f) => /-t(2[4-9]|3[0-2])-/.test(f) && f.endsWith('cell-lstm-bn_step.json.gz')),
      'BN-LSTM at 24 steps or more',
    ).toBe(true)
    expect(files.length).toBeGreaterThanOrEqual(50)
    for (const f of files) {
      const { meta, golden } = load(f)
      expect(meta.conditioning, f).toBeLessThan(1)
      expect(Object.keys(meta.float32).length, f).toBeGreaterThan(3)
      if (golden.kind !== 'train')
        expect(
          golden.lengths.filter((l) => l > Math.floor(golden.T / 2)),
          `${f}: two samples at the late steps`,
        ).toHaveLength(2)
    }
  })
})

describe.each(['cpu', 'wasm'])('the float64 oracle on the %s backend', (backend) => {
  it.each(files)('%s', async (file) => {
    await useNodeBackend(backend)
    expect(tf.getBackend()).toBe(backend)
    const { meta, golden } = load(file)
    const result = await runGoldenCase(file, golden)
    expect(result.error).toBeUndefined()
    const off = result.comparisons
      .filter((c) => !(c.worstRatio <= bar(meta, c.name)))
      .map(
        (c) =>
          `${c.name}: ${c.worstRatio.toFixed(2)}× tolerance (bar ${bar(meta, c.name).toFixed(2)}×: PyTorch float32 ${(meta.float32[c.name] ?? 0).toFixed(2)}×, conditioning ${meta.conditioning.toFixed(2)}×)`,
      )
    expect(off).toEqual([])
  })
})
