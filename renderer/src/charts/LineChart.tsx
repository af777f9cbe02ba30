// A chart.js line chart for large series: no point objects per sample ({x, y} arrays parsed once,
// decimated by LTTB above a few hundred points), zoom with the wheel, pan by dragging.
import { memo, useEffect, useRef } from 'react'
import type { ChartDataset, ChartOptions, LegendItem } from 'chart.js'
import { scheduleChartWork } from './schedule'
import { logTick } from './ticks'
import { saveCsv, savePng, saveSvg } from './chart-export'
import { seriesSvg } from './series-svg'
import { useTranslation } from 'react-i18next'
import { Chart, themeColors } from './setup'

export interface Series {
  label: string
  points: { x: number; y: number | null }[]
  color: string
  /** Drawn thin and translucent (raw curve behind a smoothed one); hidden from the legend. */
  faint?: boolean
  dashed?: boolean
  /** A dash pattern of its own (overrides `dashed`): lines told apart by dash, not only by color. */
  dash?: number[]
  /** 'y2' puts it on the right axis (valid counts beside statistics). */
  axis?: 'y' | 'y2'
  kind?: 'line' | 'bar'
  /** Fill down to the previous dataset (a ±std band). */
  fillToPrevious?: boolean
  hidden?: boolean
}

export interface LineChartProps {
  series: Series[]
  xTitle: string
  yTitle: string
  y2Title?: string
  logY?: boolean
  /** A log x axis (batch sizes 4, 16, 64 are evenly apart on it). */
  logX?: boolean
  /** A log right axis (counts from 1 to 128 on one chart). */
  logY2?: boolean
  height?: number
  zoom?: boolean
  testId?: string
  /** Incremented by the parent to reset zoom. */
  resetKey?: number
}

/**
 * The legend's entries as chart.js makes them, each with its dataset's own dash: with point styles
 * chart.js takes an entry's style from the first point, which has no dash.
 */
function legendItems(c: Chart): LegendItem[] {
  return Chart.defaults.plugins.legend.labels.generateLabels(c).map((item) => {
    const ds = c.data.datasets[item.datasetIndex ?? 0] as { borderDash?: number[] } | undefined
    return { ...item, lineDash: ds?.borderDash ?? [], lineWidth: 2 }
  })
}

/** Whether a series belongs to a line the user hid in the legend: the line itself, its band and its seeds (faint, named after it). */
export const hiddenBy = (s: Pick<Series, 'label' | 'faint'>, hidden: ReadonlySet<string>) =>
  hidden.has(s.label) ||
  (s.faint === true &&
    [...hidden].some(
      (h) =>
        s.label === `${h} low` ||
        s.label === `${h} high` ||
        (s.label.startsWith(`${h} seed `) && /^\d+$/.test(s.label.slice(h.length + 6))),
    ))

/** Puts the series into the chart and redraws it (no animation). */
function fill(c: Chart, series: Series[], hidden: ReadonlySet<string> = new Set()): void {
  c.data.datasets = series.map((s) => {
    const base = {
      label: s.label,
      data: s.points,
      borderColor: s.color,
      backgroundColor: s.color,
      yAxisID: s.axis ?? 'y',
      hidden: (s.hidden ?? false) || hiddenBy(s, hidden),
      faint: s.faint ?? false,
    }
    // The legend draws each line as a short line in its own dash (a box cannot show a dash), each bar as a box.
    if (s.kind === 'bar')
      return {
        ...base,
        type: 'bar',
        barPercentage: 1,
        categoryPercentage: 1,
        pointStyle: 'rect',
      } as unknown as ChartDataset<'line'>
    return {
      ...base,
      type: 'line',
      borderWidth: s.faint ? 1 : 1.8,
      borderDash: s.dash ?? (s.dashed ? [5, 4] : []),
      pointRadius: 0,
      pointStyle: 'line',
      spanGaps: false,
      fill: s.fillToPrevious ? '-1' : false,
    } as ChartDataset<'line'>
  })
  c.update('none')
}

export const LineChart = memo(function LineChart({
  series,
  xTitle,
  yTitle,
  y2Title,
  logY = false,
  logX = false,
  logY2 = false,
  height = 260,
  zoom = true,
  testId,
  resetKey = 0,
}: LineChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const { t } = useTranslation()
  const chart = useRef<Chart | null>(null)
  const latest = useRef(series)
  /** Lines hidden from the legend (a click on its entry); they stay hidden as data arrives. */
  const hidden = useRef(new Set<string>())
  useEffect(() => {
    latest.current = series
  }, [series])

  useEffect(() => {
    const { text, grid } = themeColors()
    const options: ChartOptions<'line'> = {
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      animation: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: {
          type: logX ? 'logarithmic' : 'linear',
          title: { display: true, text: xTitle, color: text },
          ticks: { color: text, ...(logX ? { callback: (v) => logTick(Number(v)) } : {}) },
          grid: { color: grid },
        },
        y: {
          type: logY ? 'logarithmic' : 'linear',
          title: { display: true, text: yTitle, color: text },
          ticks: { color: text, ...(logY ? { callback: (v) => logTick(Number(v)) } : {}) },
          grid: { color: grid },
        },
        ...(y2Title
          ? logY2
            ? {
                y2: {
                  type: 'logarithmic' as const,
                  position: 'right' as const,
                  title: { display: true, text: y2Title, color: text },
                  ticks: { color: text, callback: (v: string | number) => logTick(Number(v)) },
                  grid: { drawOnChartArea: false },
                },
              }
            : {
                y2: {
                  type: 'linear' as const,
                  position: 'right' as const,
                  beginAtZero: true,
                  title: { display: true, text: y2Title, color: text },
                  ticks: { color: text },
                  grid: { drawOnChartArea: false },
                },
              }
          : {}),
      },
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb', samples: 600, threshold: 800 },
        // A legend never takes more than a third of its chart (many groups scroll instead of squeezing the plot).
        legend: {
          // A click hides a line with its band and seeds (and shows it again): chart.js's own toggle would leave the band and forget it at the next update.
          onClick: (_event, item, legend) => {
            const label = item.text
            if (hidden.current.has(label)) hidden.current.delete(label)
            else hidden.current.add(label)
            fill(legend.chart as Chart, latest.current, hidden.current)
          },
          maxHeight: Math.round(height / 3),
          labels: {
            color: text,
            boxWidth: 24,
            usePointStyle: true,
            pointStyleWidth: 24,
            generateLabels: legendItems,
            filter: (item, data) => !(data.datasets[item.datasetIndex!] as { faint?: boolean }).faint,
          },
        },
        tooltip: { enabled: true },
        // `false` switches the plugin off for this chart (no gesture handlers to set up).
        zoom: zoom
          ? {
              zoom: { wheel: { enabled: true }, drag: { enabled: false }, mode: 'x' },
              pan: { enabled: true, mode: 'x' },
            }
          : (false as never),
      },
    }
    // Creating a chart lays it out and draws it, and filling it does both again: two tasks of their own.
    let created: Chart | null = null
    let cancelFill = () => {}
    const label = testId ?? yTitle
    const cancel = scheduleChartWork(() => {
      // A canvas the CPU draws (willReadFrequently): a GPU-backed one waits on the GPU process,
      // which training in the worker keeps busy (WebGL, WebGPU); a chart is small to draw.
      canvas.current!.getContext('2d', { willReadFrequently: true })
      const c = new Chart(canvas.current!, { type: 'line', data: { datasets: [] }, options })
      created = c
      cancelFill = scheduleChartWork(() => {
        chart.current = c
        fill(c, latest.current, hidden.current)
      }, `${label}:fill`)
    }, `${label}:create`)
    return () => {
      cancel()
      cancelFill()
      chart.current = null
      const done = created
      if (done) scheduleChartWork(() => done.destroy(), `${label}:destroy`)
    }
  }, [xTitle, yTitle, y2Title, logY, logX, logY2, zoom, testId, height])

  useEffect(() => {
    const c = chart.current
    if (!c) return
    return scheduleChartWork(() => fill(c, series, hidden.current), testId ?? yTitle)
  }, [series, testId, yTitle])

  useEffect(() => {
    if (resetKey > 0) chart.current?.resetZoom()
  }, [resetKey])

  const title = testId ?? yTitle
  return (
    <div className="chart" style={{ height }} data-testid={testId} data-series={series.length}>
      <canvas ref={canvas} />
      <div className="chart-tools">
        <button
          type="button"
          data-testid="save-png"
          title={t('chart.savePng')}
          onClick={() => canvas.current && savePng(canvas.current, title)}
        >
          PNG
        </button>
        <button
          type="button"
          data-testid="save-svg"
          title={t('chart.saveSvg')}
          onClick={() =>
            saveSvg(
              seriesSvg(
                latest.current.map((s) => ({ ...s, hidden: (s.hidden ?? false) || hiddenBy(s, hidden.current) })),
                { xTitle, yTitle, logX, logY },
              ),
              title,
            )
          }
        >
          SVG
        </button>
        <button
          type="button"
          data-testid="save-csv"
          title={t('chart.saveCsv')}
          onClick={() => saveCsv(latest.current, xTitle, yTitle, title)}
        >
          CSV
        </button>
      </div>
    </div>
  )
})
