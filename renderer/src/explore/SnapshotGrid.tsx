// One grid of a snapshot on a canvas (a cell per value, not a DOM node: a 256-feature term stays
// fast): samples down, time steps (or features) across; values as color on a diverging scale,
// padding hatched as padding; the cells that share the chosen norm's statistic with the selected
// one outlined, the others dimmed. Keyboard: the arrows move the selected cell.
import { useEffect, useMemo, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import {
  isValid,
  sharedCells,
  valueAt,
  type Cell,
  type Grid,
  type Snapshot,
} from '../../../shared/lab/views/explorable'
import type { NormKind } from '../../../shared/kinds'

interface Props {
  snapshot: Snapshot
  grid: Grid
  norm: NormKind
  groups: number
  selected: Cell
  onSelect(cell: Cell): void
  /** Wider than this the cells shrink (px). */
  width: number
  /** Taller than this the rows shrink (px; a report's pictures are shorter). */
  height?: number
  testId: string
}

/** A symmetric color range from the valid values shown: the 98th percentile of |x|. */
function rangeOf(values: number[]): number {
  const abs = values.map(Math.abs).sort((a, b) => a - b)
  return abs[Math.floor(abs.length * 0.98)] || 1
}

/** Diverging blue–white–red. */
function color(x: number, range: number): string {
  const v = Math.max(-1, Math.min(1, x / range))
  const a = Math.round(255 * (1 - Math.abs(v)))
  return v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`
}

export function SnapshotGrid({
  snapshot: s,
  grid,
  norm,
  groups,
  selected,
  onSelect,
  width,
  height = 360,
  testId,
}: Props) {
  const { t } = useTranslation()
  const canvas = useRef<HTMLCanvasElement>(null)
  const columns = grid === 'time' ? s.T : s.F
  const cell = Math.max(2, Math.min(22, Math.floor(width / columns)))
  const rowH = Math.max(3, Math.min(22, Math.floor(height / s.N)))
  const highlighted = useMemo(() => sharedCells(s, norm, groups, selected, grid), [s, norm, groups, selected, grid])
  const at = (n: number, c: number) => (grid === 'time' ? { n, t: c, f: selected.f } : { n, t: selected.t, f: c })

  useEffect(() => {
    const el = canvas.current
    // Drawn by the CPU, never waiting on a GPU process busy with training.
    const ctx = el?.getContext('2d', { willReadFrequently: true })
    if (!el || !ctx) return
    const ratio = window.devicePixelRatio || 1
    el.width = columns * cell * ratio
    el.height = s.N * rowH * ratio
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    const shown: number[] = []
    for (let n = 0; n < s.N; n++)
      for (let c = 0; c < columns; c++) if (isValid(s, n, at(n, c).t)) shown.push(valueAt(s, n, at(n, c).t, at(n, c).f))
    const range = rangeOf(shown)
    const lit = new Set(highlighted)
    const any = lit.size > 0
    for (let n = 0; n < s.N; n++)
      for (let c = 0; c < columns; c++) {
        const p = at(n, c)
        const x = c * cell
        const y = n * rowH
        if (!isValid(s, n, p.t)) {
          // Padding as padding: grey with a hatch, never a value.
          ctx.fillStyle = '#d9d9d9'
          ctx.fillRect(x, y, cell, rowH)
          ctx.strokeStyle = '#b0b0b0'
          ctx.beginPath()
          ctx.moveTo(x, y + rowH)
          ctx.lineTo(x + cell, y)
          ctx.stroke()
          continue
        }
        ctx.fillStyle = color(valueAt(s, n, p.t, p.f), range)
        ctx.fillRect(x, y, cell, rowH)
        if (any && !lit.has(`${n}:${c}`)) {
          ctx.fillStyle = 'rgba(255,255,255,0.6)'
          ctx.fillRect(x, y, cell, rowH)
        }
      }
    // The shared cells' outline: only the edges between a shared cell and one that is not, so a
    // row of 256 narrow features reads as one band, not a barcode.
    ctx.lineWidth = 1.5
    ctx.strokeStyle = '#111'
    ctx.beginPath()
    for (const key of highlighted) {
      const [n, c] = key.split(':').map(Number) as [number, number]
      const x = c * cell
      const y = n * rowH
      const edge = (x0: number, y0: number, x1: number, y1: number) => {
        ctx.moveTo(x0, y0)
        ctx.lineTo(x1, y1)
      }
      if (!lit.has(`${n - 1}:${c}`)) edge(x, y + 0.75, x + cell, y + 0.75)
      if (!lit.has(`${n + 1}:${c}`)) edge(x, y + rowH - 0.75, x + cell, y + rowH - 0.75)
      if (!lit.has(`${n}:${c - 1}`)) edge(x + 0.75, y, x + 0.75, y + rowH)
      if (!lit.has(`${n}:${c + 1}`)) edge(x + cell - 0.75, y, x + cell - 0.75, y + rowH)
    }
    ctx.stroke()
    const sc = grid === 'time' ? selected.t : selected.f
    ctx.strokeStyle = '#e8a400'
    ctx.lineWidth = 2
    ctx.strokeRect(sc * cell + 1, selected.n * rowH + 1, cell - 2, rowH - 2)
  })

  const pick = (event: React.MouseEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect()
    const c = Math.floor((event.clientX - box.left) / cell)
    const n = Math.floor((event.clientY - box.top) / rowH)
    if (n < 0 || n >= s.N || c < 0 || c >= columns) return
    onSelect(at(n, c))
  }
  const key = (event: React.KeyboardEvent) => {
    const move: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    }
    const d = move[event.key]
    if (!d) return
    event.preventDefault()
    const n = Math.max(0, Math.min(s.N - 1, selected.n + d[0]))
    const c = Math.max(0, Math.min(columns - 1, (grid === 'time' ? selected.t : selected.f) + d[1]))
    onSelect(at(n, c))
  }
  return (
    <div className="snapshot-grid">
      <div className="muted small">
        {grid === 'time'
          ? t('explore.timeGrid', { feature: selected.f })
          : t('explore.featureGrid', { step: selected.t })}
      </div>
      <canvas
        ref={canvas}
        data-testid={testId}
        data-grid={grid}
        data-highlighted={highlighted.join(',')}
        data-selected={`${selected.n}:${grid === 'time' ? selected.t : selected.f}`}
        data-cell={cell}
        data-row={rowH}
        style={{ width: columns * cell, height: s.N * rowH }}
        tabIndex={0}
        role="grid"
        aria-label={
          grid === 'time'
            ? t('explore.timeGrid', { feature: selected.f })
            : t('explore.featureGrid', { step: selected.t })
        }
        onMouseMove={pick}
        onClick={pick}
        onKeyDown={key}
      />
      <div className="axis-note muted small">{grid === 'time' ? t('explore.axisTime') : t('explore.axisFeatures')}</div>
    </div>
  )
}
