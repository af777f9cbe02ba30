import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { asGoldenCase, runGoldenCase } from '../../../shared/engine/golden'
import { tf } from '../../../shared/engine/tf'
import { ROOT } from '../../helpers/temp'

// The project's own copy: a clone of the project alone must pass.
const DIR = join(ROOT, 'shared', 'goldens')
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('PyTorch reference cases on the cpu backend', () => {
  it('has every kind of case', () => {
    expect(files.length).toBeGreaterThanOrEqual(15)
  })
  it.each(files)('%s', async (file) => {
    const result = await runGoldenCase(file, asGoldenCase(file, JSON.parse(readFileSync(join(DIR, file), 'utf8'))))
    const failed = result.comparisons.filter((c) => !c.pass).map((c) => `${c.name}: worst |a-b| ${c.worstAbs.toExponential(2)} (${c.worstRatio.toFixed(2)}× tolerance)`)
    expect(result.error).toBeUndefined()
    expect(failed).toEqual([])
    expect(result.pass).toBe(true)
  })
})
