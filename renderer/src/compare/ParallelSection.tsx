// Settings against the final metric across the compared runs: parallel coordinates, drawn as SVG
// (so it saves as a real vector picture), one line per run colored by its value, low to high.
import { useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { MetricSeries, Run } from '../../../shared/contract'
import { settingValueText } from '../../../shared/lab/findings'
import { parallelView } from '../../../shared/lab/views'
import type { Language } from '../../../shared/i18n'
import { saveCsv, saveSvg } from '../charts/chart-export'
import { PALETTE } from '../charts/palette'
import { finalMetric } from './final-metric'

const W = 760
const H = 280
const PAD = { left: 40, right: 70, top: 24, bottom: 56 }

const rgb = (hex: string) => [16, 8, 0].map((shift) => (parseInt(hex.slice(1), 16) >> shift) & 255)
const LOW = rgb(PALETTE[0]!)
const HIGH = rgb(PALETTE[1]!)

/** Blue (low) to vermillion (high), through grey: the palette's first two colors. */
function colorOf(t: number): string {
  return `rgb(${LOW.map((c, i) => Math.round(c + (HIGH[i]! - c) * t)).join(',')})`
}

export function ParallelSection({ runs, series }: { runs: Run[]; series: MetricSeries[] }) {
  const { t, i18n } = useTranslation()
  const svg = useRef<SVGSVGElement>(null)
  /** Brushes: per axis, the range [low, high] (0 bottom … 1 top) a line must pass through to stay lit. */
  const [brushes, setBrushes] = useState<Record<number, [number, number]>>({})
  const drag = useRef<{ axis: number; from: number } | null>(null)
  const language = i18n.language as Language
  const { metric, finalOf } = useMemo(() => finalMetric(series), [series])
  const metricLabel = t(`metricName.${metric.replace('/', '_')}`, { defaultValue: metric })
  const view = useMemo(() => parallelView(runs, finalOf, metric), [runs, finalOf, metric])
  if (!view || view.axes.length === 0) return null
  const axisCount = view.axes.length + 1
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / Math.max(1, axisCount - 1)
  const y = (p: number) => H - PAD.bottom - p * (H - PAD.top - PAD.bottom)
  const nameOf = (id: number) => runs.find((r) => r.id === id)?.name ?? `#${id}`
  const within = (positions: number[]) =>
    Object.entries(brushes).every(
      ([axis, [lo, hi]]) => positions[Number(axis)]! >= lo - 1e-9 && positions[Number(axis)]! <= hi + 1e-9,
    )
  const lit = view.lines.filter((l) => within(l.positions))
  /** The pointer's height on the chart as an axis position (0 bottom … 1 top). */
  const positionAt = (clientY: number) => {
    const box = svg.current!.getBoundingClientRect()
    const yInBox = ((clientY - box.top) / box.height) * H
    return Math.min(1, Math.max(0, (H - PAD.bottom - yInBox) / (H - PAD.top - PAD.bottom)))
  }
  const clearBrush = (axis: number) =>
    setBrushes((all) => Object.fromEntries(Object.entries(all).filter(([k]) => Number(k) !== axis)))
  const brushTo = (clientY: number) => {
    const d = drag.current
    if (!d) return
    const at = positionAt(clientY)
    // Within a few pixels of an axis's end is its end: the lowest and highest categories sit exactly there.
    const snap = (p: number) => (p < 0.03 ? 0 : p > 0.97 ? 1 : p)
    setBrushes((b) => ({ ...b, [d.axis]: [snap(Math.min(d.from, at)), snap(Math.max(d.from, at))] }))
  }
  const fields = t('form', { returnObjects: true }) as Record<string, string>
  const format = (v: number) => (Math.abs(v) >= 0.01 ? v.toPrecision(3) : v.toExponential(1))
  return (
    <section className="card" data-testid="parallel">
      <h2>{t('compare.parallel')}</h2>
      <p className="muted">{t('compare.parallelBody', { metric: metricLabel })}</p>
      <div className="chart-tools-static">
        <button
          type="button"
          data-testid="save-svg"
          onClick={() =>
            svg.current && saveSvg(new XMLSerializer().serializeToString(svg.current), 'parallel-coordinates')
          }
        >
          SVG
        </button>
        <button
          type="button"
          data-testid="parallel-csv"
          onClick={() =>
            saveCsv(
              view.lines.map((l) => ({ label: `#${l.runId} ${nameOf(l.runId)}`, points: [{ x: 0, y: l.value }] })),
              'run',
              metricLabel,
              'parallel-coordinates',
            )
          }
        >
          CSV
        </button>
      </div>
      <svg
        ref={svg}
        xmlns="http://www.w3.org/2000/svg"
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={t('compare.parallel')}
        data-lines={view.lines.length}
        data-axes={view.axes.length}
        style={{ maxWidth: W }}
      >
        <rect x="0" y="0" width={W} height={H} fill="white" />
        {view.lines.map((l) => (
          <polyline
            key={l.runId}
            fill="none"
            stroke={colorOf(l.positions[l.positions.length - 1]!)}
            strokeWidth="1.6"
            strokeOpacity={lit.includes(l) ? 0.85 : 0.08}
            data-lit={lit.includes(l)}
            points={l.positions.map((p, i) => `${x(i).toFixed(1)},${y(p).toFixed(1)}`).join(' ')}
            data-run-id={l.runId}
          >
            <title>{`#${l.runId} ${nameOf(l.runId)}: ${format(l.value)}`}</title>
          </polyline>
        ))}
        {Array.from({ length: axisCount }, (_, i) => {
          const b = brushes[i]
          return (
            <g key={`brush-${i}`}>
              {b && (
                <rect
                  x={x(i) - 7}
                  width="14"
                  y={y(b[1])}
                  height={Math.max(2, y(b[0]) - y(b[1]))}
                  fill="#0072B2"
                  fillOpacity="0.18"
                  stroke="#0072B2"
                />
              )}
              {/* Drag along an axis to keep the lines through that range; a click clears it. */}
              <rect
                x={x(i) - 12}
                width="24"
                y={y(1)}
                height={y(0) - y(1)}
                fill="transparent"
                style={{ cursor: 'ns-resize' }}
                data-testid={`brush-${i}`}
                onPointerDown={(e) => {
                  ;(e.target as Element).setPointerCapture?.(e.pointerId)
                  drag.current = { axis: i, from: positionAt(e.clientY) }
                  clearBrush(i)
                }}
                onPointerMove={(e) => brushTo(e.clientY)}
                onPointerUp={(e) => {
                  const d = drag.current
                  drag.current = null
                  // A click without a drag clears the axis's brush.
                  if (d && Math.abs(positionAt(e.clientY) - d.from) < 0.02) clearBrush(i)
                }}
              />
            </g>
          )
        })}
        {view.axes.map((axis, i) => (
          <g key={axis.key} pointerEvents="none">
            <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#555" />
            <text x={x(i)} y={H - PAD.bottom + 18} textAnchor="middle" fontSize="11" fill="#222">
              {fields[axis.key] ?? axis.key}
            </text>
            {axis.values.map((v, k) => (
              <text
                key={v}
                x={x(i) + 4}
                y={y(axis.values.length === 1 ? 0.5 : k / (axis.values.length - 1)) - 3}
                fontSize="10"
                fill="#333"
              >
                {settingValueText(axis.key, v, language) ?? v}
              </text>
            ))}
          </g>
        ))}
        <g pointerEvents="none">
          <line x1={x(axisCount - 1)} x2={x(axisCount - 1)} y1={y(0)} y2={y(1)} stroke="#555" />
          <text x={x(axisCount - 1)} y={H - PAD.bottom + 18} textAnchor="middle" fontSize="11" fill="#222">
            {metricLabel}
            {view.metric.log ? ` (${t('compare.logScale')})` : ''}
          </text>
          <text x={x(axisCount - 1) + 4} y={y(0) - 3} fontSize="10" fill="#333">
            {format(view.metric.min)}
          </text>
          <text x={x(axisCount - 1) + 4} y={y(1) + 10} fontSize="10" fill="#333">
            {format(view.metric.max)}
          </text>
        </g>
      </svg>
      <p className="muted small" data-testid="parallel-lit">
        {t('compare.parallelLit', { lit: lit.length, total: view.lines.length })}
      </p>
      {view.missing.length > 0 && (
        <p className="muted small">
          {t('compare.parallelMissing', { runs: view.missing.map((id) => `#${id}`).join(', ') })}
        </p>
      )}
    </section>
  )
}
