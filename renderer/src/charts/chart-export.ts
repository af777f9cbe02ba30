// A chart kept outside the lab: the picture as PNG (what the canvas shows, at its resolution) and
// the plotted data as CSV (one row per point: series, x, y; empty y where a line has a gap).
/** What a chart plots, as far as its CSV needs it (LineChart's series are these). */
interface Series {
  label: string
  points: readonly { x: number; y: number | null }[]
}

function download(name: string, href: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = name
  a.click()
}

/** A file name from a chart's title: letters, digits and dashes. */
export const chartFileName = (title: string, ext: string): string => `${title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').toLowerCase() || 'chart'}.${ext}`

export function savePng(canvas: HTMLCanvasElement, title: string): void {
  download(chartFileName(title, 'png'), canvas.toDataURL('image/png'))
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

export function seriesCsv(series: readonly Series[], xTitle: string, yTitle: string): string {
  const rows = [['series', xTitle, yTitle].map(field).join(',')]
  for (const s of series) for (const p of s.points) rows.push([field(s.label), String(p.x), p.y === null ? '' : String(p.y)].join(','))
  return `${rows.join('\r\n')}\r\n`
}

export function saveCsv(series: readonly Series[], xTitle: string, yTitle: string, title: string): void {
  const url = URL.createObjectURL(new Blob([seriesCsv(series, xTitle, yTitle)], { type: 'text/csv' }))
  download(chartFileName(title, 'csv'), url)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** The chart as a standalone SVG file (series-svg.ts draws it from the same series). */
export function saveSvg(svg: string, title: string): void {
  const url = URL.createObjectURL(new Blob([`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`], { type: 'image/svg+xml' }))
  download(chartFileName(title, 'svg'), url)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
