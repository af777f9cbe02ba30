// Up to twelve groups get colors a reader tells apart: every pair of the palette is at least
// ΔE 20 apart in CIELAB (CIE76), and no two neighbours (the first groups drawn) are within ΔE 40.
import { describe, expect, it } from 'vitest'
import { PALETTE } from '../../renderer/src/charts/palette'

function lab(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16)
  const lin = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  const [r, g, b] = lin
  const xyz = [
    (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
    0.2126 * r + 0.7152 * g + 0.0722 * b,
    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
  ]
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116)
  const [fx, fy, fz] = xyz.map(f) as [number, number, number]
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)]
}
const deltaE = (a: string, b: string) => Math.hypot(...lab(a).map((v, i) => v - lab(b)[i]!))

describe('the palette', () => {
  it('has twelve colors, every pair apart and neighbours well apart', () => {
    expect(new Set(PALETTE).size).toBe(12)
    for (let i = 0; i < PALETTE.length; i++)
      for (let j = i + 1; j < PALETTE.length; j++)
        expect(deltaE(PALETTE[i]!, PALETTE[j]!), `${PALETTE[i]} vs ${PALETTE[j]}`).toBeGreaterThan(20)
    for (let i = 0; i + 1 < PALETTE.length; i++)
      expect(deltaE(PALETTE[i]!, PALETTE[i + 1]!), `${PALETTE[i]} next to ${PALETTE[i + 1]}`).toBeGreaterThan(40)
  })
})
