// The start-up's own bar: it only moves forward, through each backend's phases and from one
// backend to the next, and is full only when the last one is done.
import { describe, expect, it } from 'vitest'
import { startupFraction, type BackendPhase } from '../../renderer/src/training/protocol'

const PHASES: BackendPhase[] = ['starting', 'checking', 'probing']

describe('the start-up progress', () => {
  it('moves forward through three probed backends and their phases, from 0 to under 1', () => {
    const values = [0, 1, 2].flatMap((index) => PHASES.map((phase) => startupFraction({ phase, index, of: 3 })))
    expect(values[0]).toBe(0)
    for (let i = 1; i < values.length; i++) expect(values[i]!, String(i)).toBeGreaterThan(values[i - 1]!)
    expect(values[values.length - 1]!).toBeLessThan(1)
    // The second backend starts where the first ended: a third of the way.
    expect(startupFraction({ phase: 'starting', index: 1, of: 3 })).toBeCloseTo(1 / 3, 10)
  })

  it('a chosen backend is one of one: its phases fill the bar alone', () => {
    expect(startupFraction({ phase: 'starting', index: 0, of: 1 })).toBe(0)
    expect(startupFraction({ phase: 'checking', index: 0, of: 1 })).toBeGreaterThan(0)
    expect(startupFraction({ phase: 'checking', index: 0, of: 0 })).toBeLessThanOrEqual(1)
  })
})
