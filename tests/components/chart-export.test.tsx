// A chart's data as CSV: one row per point, the series named (quoted where it must be), gaps empty.
import { describe, expect, it } from 'vitest'
import { chartFileName, seriesCsv } from '../../renderer/src/charts/chart-export'

describe('chart export', () => {
  it('writes every plotted point as series, x, y, with gaps empty and names quoted when needed', () => {
    const csv = seriesCsv(
      [
        {
          label: 'BN per step · batch 16',
          points: [
            { x: 1, y: 0.5 },
            { x: 2, y: null },
          ],
        },
        { label: 'LN, "mean"', points: [{ x: 1, y: 0.25 }] },
      ],
      'step',
      'loss',
    )
    expect(csv).toBe(
      'series,step,loss\r\nBN per step · batch 16,1,0.5\r\nBN per step · batch 16,2,\r\n"LN, ""mean""",1,0.25\r\n',
    )
    expect(chartFileName('compare-loss', 'png')).toBe('compare-loss.png')
    expect(chartFileName('留出集 损失', 'csv')).toBe('留出集-损失.csv')
  })
})
