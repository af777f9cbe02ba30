// The lines of a chart view (shared/lab/views): one color per group of seeds, the mean over seeds
// with its 95 % band, each seed's own line on demand (faint, dashed). The same component draws the
// Compare page's charts and the report's.
import { memo, useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { setLabelText } from '../../../shared/lab/findings'
import type { GroupLine } from '../../../shared/lab/views'
import { isLanguage } from '../../../shared/i18n'
import { LineChart, type Series } from './LineChart'
import { colorAt, faint } from './setup'

export interface GroupLinesChartProps {
  lines: readonly GroupLine[]
  xTitle: string
  yTitle: string
  logY?: boolean
  logX?: boolean
  showSeeds?: boolean
  height?: number
  zoom?: boolean
  resetKey?: number
  testId?: string
  /** A line's variant (a BN policy) in words. */
  variantName?: (variant: string) => string
}

/** One dash pattern per variant (a BN policy): solid, dashed, dotted, dash-dot; each its own swatch in the legend. */
export const VARIANT_DASHES: readonly number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3]]

/**
 * A group line as chart series: band (low, high), mean, and optionally its seeds. On a log axis
 * the geometric mean and its band, which stays above zero (an arithmetic band reaching zero would
 * make chart.js cut the axis a decade below its top).
 */
export function groupSeries(
  lines: readonly GroupLine[],
  label: (line: GroupLine) => string,
  showSeeds: boolean,
  logY = false,
): Series[] {
  const out: Series[] = []
  // One dash per BN policy, the same in every group; lines without a policy are solid.
  const variants = [...new Set(lines.map((l) => l.variant).filter((v) => v !== null && v !== 'none'))]
  for (const line of lines) {
    const color = colorAt(line.group)
    const dash = VARIANT_DASHES[Math.max(0, variants.indexOf(line.variant)) % VARIANT_DASHES.length]!
    // A log axis shows the geometric mean and its band (shared/lab/views: meanBand).
    const points = logY ? line.logPoints : line.points
    const banded = points.some((p) => p.low !== null)
    if (banded) {
      out.push({
        label: `${label(line)} low`,
        points: points.map((p) => ({ x: p.x, y: p.low })),
        color: faint(color, 0.12),
        faint: true,
      })
      out.push({
        label: `${label(line)} high`,
        points: points.map((p) => ({ x: p.x, y: p.high })),
        color: faint(color, 0.12),
        faint: true,
        fillToPrevious: true,
      })
    }
    out.push({ label: label(line), points: points.map((p) => ({ x: p.x, y: p.mean })), color, dash })
    if (showSeeds)
      for (const seed of line.seeds)
        out.push({
          label: `${label(line)} seed ${seed.seed}`,
          points: seed.points,
          color: faint(color, 0.55),
          faint: true,
          dashed: true,
        })
  }
  return out
}

export const GroupLinesChart = memo(function GroupLinesChart({
  lines,
  xTitle,
  yTitle,
  logY = false,
  logX = false,
  showSeeds = false,
  height = 280,
  zoom = false,
  resetKey,
  testId,
  variantName = (v) => v,
}: GroupLinesChartProps) {
  const { t, i18n } = useTranslation()
  const language = isLanguage(i18n.language) ? i18n.language : 'en'
  const series = useMemo(
    () =>
      groupSeries(
        lines,
        (line) => {
          const n = line.seeds.length
          return `${setLabelText(line.label, language)}${line.variant ? ` · ${variantName(line.variant)}` : ''} (${t('groups.seeds', { count: n })})`
        },
        showSeeds,
        logY,
      ),
    [lines, showSeeds, logY, language, t, variantName],
  )
  return (
    <div
      data-testid={testId ? `${testId}-groups` : undefined}
      data-groups={lines.length}
      data-seeds={lines.reduce((n, l) => n + l.seeds.length, 0)}
    >
      <LineChart
        series={series}
        xTitle={xTitle}
        yTitle={yTitle}
        logY={logY}
        logX={logX}
        height={height}
        zoom={zoom}
        resetKey={resetKey}
        {...(testId ? { testId } : {})}
      />
    </div>
  )
})
