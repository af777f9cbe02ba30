import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { asGoldenCase, runGoldenCase } from '../../../shared/engine/golden'
import { REFERENCE_CASES } from '../../../shared/engine/numerics'
import { tf } from '../../../shared/engine/core/tf'
import { CELLS, NORMS } from '../../../shared/kinds'
import { ROOT } from '../../helpers/temp'

// The project's own copy: a clone of the project alone must pass.
const DIR = join(ROOT, 'shared', 'goldens')
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()

describe('the reference cases', () => {
  it('are the ones the app ships and checks (REFERENCE_CASES lists the folder)', () => {
    expect([...REFERENCE_CASES].sort()).toEqual(files)
    // One per cell × norm, one per norm (none has no case of its own), the training case.
    expect(files).toHaveLength(CELLS.length * NORMS.length + NORMS.length)
  })
})

describe.each(['cpu', 'wasm'])('PyTorch reference cases on the %s backend', (backend) => {
  it.each(files)('%s', async (file) => {
    await useNodeBackend(backend)
    expect(tf.getBackend()).toBe(backend)
    const result = await runGoldenCase(file, asGoldenCase(file, JSON.parse(readFileSync(join(DIR, file), 'utf8'))))
    const failed = result.comparisons
      .filter((c) => !c.pass)
      .map((c) => `${c.name}: worst |a-b| ${c.worstAbs.toExponential(2)} (${c.worstRatio.toFixed(2)}× tolerance)`)
    expect(result.error).toBeUndefined()
    expect(failed).toEqual([])
    expect(result.pass).toBe(true)
  })
})
