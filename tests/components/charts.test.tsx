// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ChartBoundary } from '../../renderer/src/charts/ChartBoundary'
import { Heatmap } from '../../renderer/src/charts/Heatmap'
import { bestOf, finiteRange } from '../../renderer/src/charts/range'
import { i18next } from '../../renderer/src/i18n'

beforeAll(async () => {
  await i18next.changeLanguage('en')
  // jsdom has no 2D canvas: give the heatmap the two calls it draws with.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
    () =>
      ({
        createImageData: (w: number, h: number) => ({ data: new Uint8ClampedArray(w * h * 4) }),
        putImageData: () => undefined,
      }) as unknown as ReturnType<HTMLCanvasElement['getContext']>,
  )
})
afterEach(cleanup)

describe('charts with large data', () => {
  it('a heatmap of 800 recorded steps × 300 time steps renders (its range is not spread into Math.min)', () => {
    const values = Array.from({ length: 800 }, (_, r) =>
      Array.from({ length: 300 }, (_, t) => (t === 7 ? null : Math.sin(r + t))),
    )
    values[3]![5] = -42
    render(<Heatmap steps={values.map((_, i) => i * 10)} values={values} timeSteps={300} label="big" testId="big" />)
    expect(screen.getByTestId('big').textContent).toContain('-42.0 … 1.00')
  })

  it('ranges and best values of 300,000 points come from loops', () => {
    const big = Array.from({ length: 300_000 }, (_, i) => (i === 123 ? -5 : i % 1000))
    expect(finiteRange([big, [Number.NaN, null]])).toEqual({ min: -5, max: 999 })
    expect(finiteRange([[null, Number.NaN]])).toBeNull()
    expect(bestOf(big, true)).toBe(-5)
    expect(bestOf(big, false)).toBe(999)
  })

  it('one broken chart shows its error and leaves the rest of the page', () => {
    const Broken = () => {
      throw new Error('bad data')
    }
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    render(
      <div>
        <ChartBoundary name="broken">
          <Broken />
        </ChartBoundary>
        <p>still here</p>
      </div>,
    )
    expect(screen.getByTestId('chart-error-broken').textContent).toBe('This view could not be drawn: bad data')
    expect(screen.getByText('still here')).toBeTruthy()
  })
})
