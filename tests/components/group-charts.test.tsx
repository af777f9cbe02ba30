// @vitest-environment jsdom
// Grouped charts as drawn: a band (two faint edges, filled) and a mean per group in the group's
// color, each BN policy its own dash (never two on one swatch), seeds only on demand; the y scale
// follows the view (log where values span decades) until the user chooses, and the choice is
// remembered.
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { GroupLine } from '../../shared/lab/views'
import { groupSeries, VARIANT_DASHES } from '../../renderer/src/charts/GroupLinesChart'
import { ScaleControls, useLogScale } from '../../renderer/src/charts/ScaleControls'
import { i18next } from '../../renderer/src/i18n'
import { getSettings } from '../../renderer/src/state/settings'

beforeAll(async () => {
  await i18next.changeLanguage('en')
})
afterEach(cleanup)

const line = (group: number, variant: string | null, seeds: number): GroupLine => ({
  group,
  label: { norm: 'bn_step' },
  variant,
  runIds: Array.from({ length: seeds }, (_, i) => i + 1),
  points: [{ x: 1, mean: 1, low: seeds > 1 ? 0.5 : null, high: seeds > 1 ? 1.5 : null, n: seeds }],
  logPoints: [{ x: 1, mean: 0.9, low: seeds > 1 ? 0.6 : null, high: seeds > 1 ? 1.4 : null, n: seeds }],
  seeds: Array.from({ length: seeds }, (_, i) => ({ runId: i + 1, seed: i + 1, points: [{ x: 1, y: 1 }] })),
})

describe('group series', () => {
  it('a group of seeds is a filled band and a mean in one color; seeds only when asked', () => {
    const series = groupSeries([line(0, null, 3), line(1, null, 1)], (l) => `g${l.group}`, false)
    expect(series.map((s) => s.label)).toEqual(['g0 low', 'g0 high', 'g0', 'g1'])
    expect(series[1]!.fillToPrevious).toBe(true)
    expect(series[0]!.faint && series[1]!.faint).toBe(true)
    expect(series[2]!.color).not.toBe(series[3]!.color)
    const withSeeds = groupSeries([line(0, null, 3)], (l) => `g${l.group}`, true)
    expect(withSeeds.filter((s) => s.label.includes('seed'))).toHaveLength(3)
  })

  it('each BN policy of a group has its own dash pattern (the length chart’s "average" and "last step" no longer share one)', () => {
    const series = groupSeries(
      [line(0, 'last', 1), line(0, 'global', 1), line(0, 'batch', 1), line(0, 'error', 1)],
      (l) => String(l.variant),
      false,
    )
    const dashes = series.map((s) => JSON.stringify(s.dash))
    expect(new Set(dashes).size).toBe(4)
    expect(series[0]!.dash).toEqual(VARIANT_DASHES[0])
    expect(series.map((s) => s.color)).toEqual(Array(4).fill(series[0]!.color))
    // A model without BN statistics has no policy: solid, whatever else is on the chart.
    const mixed = groupSeries(
      [line(0, 'last', 1), line(0, 'global', 1), line(1, 'none', 1)],
      (l) => String(l.variant),
      false,
    )
    expect(mixed.map((s) => s.dash)).toEqual([VARIANT_DASHES[0], VARIANT_DASHES[1], VARIANT_DASHES[0]])
  })

  it('a log axis draws the geometric mean and its band, a linear one the arithmetic', () => {
    const [low, high, mean] = groupSeries([line(0, null, 3)], () => 'g', false, true)
    expect([low!.points[0]!.y, high!.points[0]!.y, mean!.points[0]!.y]).toEqual([0.6, 1.4, 0.9])
    const [linearLow, , linearMean] = groupSeries([line(0, null, 3)], () => 'g', false, false)
    expect([linearLow!.points[0]!.y, linearMean!.points[0]!.y]).toEqual([0.5, 1])
  })
})

function Scale({ logByDefault }: { logByDefault: boolean }) {
  const log = useLogScale(logByDefault)
  return (
    <div>
      <ScaleControls showSeeds={false} onShowSeeds={() => undefined} />
      <output data-testid="scale">{log ? 'log' : 'linear'}</output>
    </div>
  )
}

describe('scale', () => {
  it('auto follows the view; a choice holds for every chart and is remembered in the profile', () => {
    const first = render(<Scale logByDefault />)
    expect(screen.getByTestId('scale').textContent).toBe('log')
    first.unmount()
    render(<Scale logByDefault={false} />)
    expect(screen.getByTestId('scale').textContent).toBe('linear')
    fireEvent.change(screen.getByTestId('scale-select'), { target: { value: 'log' } })
    expect(screen.getByTestId('scale').textContent).toBe('log')
    expect(JSON.parse(localStorage.getItem('normlab.settings')!).scale).toBe('log')
    cleanup()
    render(<Scale logByDefault={false} />)
    expect(screen.getByTestId('scale').textContent).toBe('log')
    fireEvent.change(screen.getByTestId('scale-select'), { target: { value: 'auto' } })
    expect(getSettings().scale).toBe('auto')
  })
})
