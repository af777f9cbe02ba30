import { describe, expect, it } from 'vitest'
import { withTimeout } from '../../../shared/timers'

describe('withTimeout (a backend that never starts falls back instead of hanging)', () => {
  it('gives the value when it comes in time, the fallback when it does not', async () => {
    expect(await withTimeout(Promise.resolve('started'), 1000, () => 'late')).toBe('started')
    const never = new Promise<string>(() => undefined)
    const started = Date.now()
    expect(await withTimeout(never, 50, () => 'wasm did not start within 0.05 s')).toBe(
      'wasm did not start within 0.05 s',
    )
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
