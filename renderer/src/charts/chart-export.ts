// A chart kept outside the lab: the picture as PNG (what the canvas shows, at its resolution) and
// the plotted data as CSV (one row per point: series, x, y; empty y where a line has a gap).
import { csv } from '../../../shared/lab/tidy/csv'
import { downloadBlob, downloadUrl } from '../data/files'

/** What a chart plots, as far as its CSV needs it (LineChart's series are these). */
interface Series {
  label: string
  points: readonly { x: number; y: number | null }[]
}

/** A file name from a chart's title: letters, digits and dashes. */
export const chartFileName = (title: string, ext: string): string =>
  `${
    title
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'chart'
  }.${ext}`

export function savePng(canvas: HTMLCanvasElement, title: string): void {
  downloadUrl(chartFileName(title, 'png'), canvas.toDataURL('image/png'))
}

/** The plotted points as tidy CSV (the archive's own writer: RFC 4180, formula-safe), one row a point. */
export function seriesCsv(series: readonly Series[], xTitle: string, yTitle: string): string {
  return csv(
    ['series', xTitle, yTitle],
    series.flatMap((s) => s.points.map((p) => [s.label, p.x, p.y])),
  )
}

export function saveCsv(series: readonly Series[], xTitle: string, yTitle: string, title: string): void {
  downloadBlob(chartFileName(title, 'csv'), new Blob([seriesCsv(series, xTitle, yTitle)], { type: 'text/csv' }))
}

/** The chart as a standalone SVG file (series-svg.ts draws it from the same series). */
export function saveSvg(svg: string, title: string): void {
  downloadBlob(
    chartFileName(title, 'svg'),
    new Blob([`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`], { type: 'image/svg+xml' }),
  )
}
