// chart.js, registered once: line/bar charts with decimation, zoom and pan, no animation.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js'
import zoomPlugin from 'chartjs-plugin-zoom'

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Decimation,
  Filler,
  Legend,
  Tooltip,
  zoomPlugin,
)
Chart.defaults.animation = false
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily

export { PALETTE } from './palette'
import { PALETTE } from './palette'

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length]!
}

/** The same color, translucent. */
export function faint(color: string, alpha = 0.25): string {
  const n = parseInt(color.slice(1), 16)
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`
}

/** A theme color as the canvas needs it: CSS variables hold light-dark(), which only CSS resolves. */
function resolveColor(variable: string, fallback: string): string {
  const probe = document.createElement('span')
  probe.style.color = `var(${variable}, ${fallback})`
  document.body.appendChild(probe)
  const value = getComputedStyle(probe).color
  probe.remove()
  return value || fallback
}

export function themeColors(): { text: string; grid: string } {
  return { text: resolveColor('--muted', '#666'), grid: resolveColor('--border', '#ddd') }
}

export { Chart }
