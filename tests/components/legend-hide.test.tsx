// @vitest-environment jsdom
// A line hidden from the legend takes its band and its seeds with it, and nothing else.
import { describe, expect, it } from 'vitest'
import { hiddenBy } from '../../renderer/src/charts/LineChart'

describe('hiding a line from the legend', () => {
  it('hides the line, its band edges and its seeds, not another line that starts alike', () => {
    const hidden = new Set(['BN per step'])
    expect(hiddenBy({ label: 'BN per step' }, hidden)).toBe(true)
    expect(hiddenBy({ label: 'BN per step low', faint: true }, hidden)).toBe(true)
    expect(hiddenBy({ label: 'BN per step seed 2', faint: true }, hidden)).toBe(true)
    expect(hiddenBy({ label: 'BN per step · batch 4' }, hidden)).toBe(false)
    expect(hiddenBy({ label: 'BN per step · batch 4 low', faint: true }, hidden)).toBe(false)
    expect(hiddenBy({ label: 'LayerNorm' }, hidden)).toBe(false)
  })
})
