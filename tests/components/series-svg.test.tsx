// A chart as SVG: every shown series a polyline (broken at gaps), hidden ones left out, the legend
// naming the lines (not their bands), log ticks as people read them, text escaped.
import { describe, expect, it } from 'vitest'
import { seriesSvg } from '../../renderer/src/charts/series-svg'

describe('a chart as SVG', () => {
  it('draws the series it shows, breaks lines at gaps, and labels a log axis in decades', () => {
    const svg = seriesSvg(
      [
        {
          label: 'BN <per step>',
          points: [
            { x: 1, y: 1 },
            { x: 2, y: 0.1 },
            { x: 3, y: null },
            { x: 4, y: 0.01 },
            { x: 5, y: 0.001 },
          ],
          color: '#0072B2',
        },
        {
          label: 'BN <per step> low',
          points: [
            { x: 1, y: 0.5 },
            { x: 5, y: 0.0005 },
          ],
          color: '#ccc',
          faint: true,
        },
        { label: 'LN', points: [{ x: 1, y: 0.2 }], color: '#D55E00', hidden: true },
      ],
      { xTitle: 'step', yTitle: 'loss', logY: true },
    )
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    // Two pieces of the first line (a gap), one of its band, none of the hidden line.
    expect((svg.match(/<polyline /g) ?? []).length).toBe(3)
    expect(svg).toContain('BN &lt;per step&gt;')
    expect(svg).not.toContain('>LN<')
    for (const tick of ['0.001', '0.01', '0.1', '1']) expect(svg).toContain(`>${tick}</text>`)
    // The legend names the line, not its band.
    expect((svg.match(/>BN &lt;per step&gt;<\/text>/g) ?? []).length).toBe(1)
  })
})
