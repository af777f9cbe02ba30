// A line chart as a standalone SVG (the "SVG" of a chart's corner): the same series, colors,
// dashes and scales as the canvas, drawn as vectors for a paper or a slide. Faint series (bands,
// each seed's line) are drawn thin; hidden ones are left out.
import { logTick } from './ticks'

interface SvgSeries {
  label: string
  points: readonly { x: number; y: number | null }[]
  color: string
  dash?: number[]
  dashed?: boolean
  faint?: boolean
  hidden?: boolean
}

export interface SvgOptions {
  xTitle: string
  yTitle: string
  logX?: boolean
  logY?: boolean
  width?: number
  height?: number
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** Round ticks over [lo, hi]: 1, 2, 5 × 10^k on a linear axis, decades on a log one. */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = []
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e)
    return out.filter((v) => v >= lo * 0.999 && v <= hi * 1.001)
  }
  const raw = (hi - lo) / 5 || 1
  const p = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

const label = (v: number, log: boolean) => (log ? logTick(v) || String(v) : String(Number(v.toPrecision(4))))

export function seriesSvg(series: readonly SvgSeries[], options: SvgOptions): string {
  const W = options.width ?? 720
  const H = options.height ?? 360
  const pad = { left: 64, right: 16, top: 16, bottom: 48 }
  const shown = series.filter((s) => !s.hidden)
  /** A point the axes can show: a value, and above 0 on a log axis. */
  const plotted = (p: { x: number; y: number | null }): p is { x: number; y: number } =>
    p.y !== null && Number.isFinite(p.y) && (!options.logY || p.y > 0) && (!options.logX || p.x > 0)
  const pts = shown.flatMap((s) => s.points.filter(plotted))
  const legend = shown.filter((s) => !s.faint)
  const legendH = Math.ceil(legend.length / 3) * 16
  const plotBottom = H - pad.bottom
  const top = pad.top + legendH
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"></svg>`
  const range = (vs: number[], log: boolean) => {
    const lo = Math.min(...vs)
    const hi = Math.max(...vs)
    return log ? [lo, hi === lo ? lo * 10 : hi] : [lo, hi === lo ? lo + 1 : hi]
  }
  const [x0, x1] = range(
    pts.map((p) => p.x),
    options.logX ?? false,
  ) as [number, number]
  const [y0, y1] = range(
    pts.map((p) => p.y),
    options.logY ?? false,
  ) as [number, number]
  const f = (v: number, log: boolean) => (log ? Math.log10(v) : v)
  const sx = (v: number) =>
    pad.left +
    ((f(v, !!options.logX) - f(x0, !!options.logX)) / (f(x1, !!options.logX) - f(x0, !!options.logX))) *
      (W - pad.left - pad.right)
  const sy = (v: number) =>
    plotBottom -
    ((f(v, !!options.logY) - f(y0, !!options.logY)) / (f(y1, !!options.logY) - f(y0, !!options.logY))) *
      (plotBottom - top)
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="#fff"/>`]
  for (const v of ticks(y0, y1, !!options.logY))
    parts.push(
      `<line x1="${pad.left}" x2="${W - pad.right}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#ddd"/><text x="${pad.left - 6}" y="${(sy(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${esc(label(v, !!options.logY))}</text>`,
    )
  for (const v of ticks(x0, x1, !!options.logX))
    parts.push(
      `<text x="${sx(v).toFixed(1)}" y="${plotBottom + 16}" font-size="11" text-anchor="middle">${esc(label(v, !!options.logX))}</text>`,
    )
  parts.push(
    `<line x1="${pad.left}" x2="${W - pad.right}" y1="${plotBottom}" y2="${plotBottom}" stroke="#555"/><line x1="${pad.left}" x2="${pad.left}" y1="${top}" y2="${plotBottom}" stroke="#555"/>`,
  )
  parts.push(
    `<text x="${(pad.left + W - pad.right) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(options.xTitle)}</text>`,
  )
  parts.push(
    `<text transform="translate(14 ${(top + plotBottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(options.yTitle)}</text>`,
  )
  for (const s of shown) {
    // A gap (null) breaks the line, as on the canvas.
    const runs: string[][] = [[]]
    for (const p of s.points) {
      if (plotted(p)) runs[runs.length - 1]!.push(`${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
      else if (runs[runs.length - 1]!.length > 0) runs.push([])
    }
    const dash = s.dash ?? (s.dashed ? [5, 4] : [])
    for (const r of runs.filter((x) => x.length > 0))
      parts.push(
        `<polyline fill="none" stroke="${esc(s.color)}" stroke-width="${s.faint ? 1 : 1.8}"${dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : ''} points="${r.join(' ')}"><title>${esc(s.label)}</title></polyline>`,
      )
  }
  legend.forEach((s, i) => {
    const x = pad.left + (i % 3) * ((W - pad.left - pad.right) / 3)
    const y = pad.top + Math.floor(i / 3) * 16 + 8
    const dash = s.dash ?? (s.dashed ? [5, 4] : [])
    parts.push(
      `<line x1="${x}" x2="${x + 20}" y1="${y}" y2="${y}" stroke="${esc(s.color)}" stroke-width="2"${dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/><text x="${x + 24}" y="${y + 4}" font-size="11">${esc(s.label)}</text>`,
    )
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join('')}</svg>`
}
