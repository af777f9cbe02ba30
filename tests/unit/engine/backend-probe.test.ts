import '@tensorflow/tfjs-backend-cpu'
import { describe, expect, it } from 'vitest'
import { fastestBackend, type BackendProbe } from '../../../shared/engine/backend-probe'
import { probeActiveBackend } from '../../../shared/engine/benchmark'
import { tf } from '../../../shared/engine/core/tf'

const probe = (backend: string, msPerStep: number | null, failure: string | null = null): BackendProbe => ({
  backend,
  fingerprint: 'f',
  msPerStep,
  failure,
  probedAt: 0,
})

describe('the backend probe', () => {
  it('picks the fastest backend, not the first: a slow GPU backend loses to a fast CPU one', () => {
    expect(fastestBackend([probe('webgpu', 900), probe('webgl', 610), probe('wasm', 70)])).toBe('wasm')
    expect(fastestBackend([probe('webgpu', 8), probe('webgl', 40), probe('wasm', 70)])).toBe('webgpu')
  })

  it('never picks a backend that failed its numerics gate or could not start, however fast', () => {
    expect(
      fastestBackend([
        probe('webgpu', 1, 'numerics check failed'),
        probe('webgl', null, 'did not start'),
        probe('wasm', 70),
      ]),
    ).toBe('wasm')
    expect(fastestBackend([probe('webgl', 5, 'numerics check failed')])).toBeNull()
    expect(fastestBackend([probe('webgl', Number.NaN)])).toBeNull()
  })

  it('keeps the listed order on a tie', () => {
    expect(fastestBackend([probe('webgl', 50), probe('wasm', 50)])).toBe('webgl')
  })

  it('measures a real training step on the active backend', async () => {
    await tf.setBackend('cpu')
    let clock = 0
    // A clock that advances 7 ms per reading: each timed step reads it twice.
    const ms = await probeActiveBackend(() => (clock += 7))
    expect(ms).toBe(7)
    expect(tf.memory().numTensors).toBeLessThan(200)
  }, 120_000)
})
