// Training step × time step heatmap drawn straight into a canvas (one pixel block per cell, no
// objects per cell), so 10,000 × 100 grids draw in a few milliseconds. Null cells are left blank.
import { useEffect, useMemo, useRef, useState } from 'react'
import { finiteRange } from './range'

export interface HeatmapProps {
  steps: number[]
  values: (number | null)[][]
  timeSteps: number
  label: string
  testId?: string
}

/** A perceptually ordered dark-blue → yellow scale (viridis-like). */
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
]

function color(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1)
  const i = Math.min(STOPS.length - 2, Math.floor(x))
  const f = x - i
  const a = STOPS[i]!
  const b = STOPS[i + 1]!
  return [a[0]! + (b[0]! - a[0]!) * f, a[1]! + (b[1]! - a[1]!) * f, a[2]! + (b[2]! - a[2]!) * f]
}

export function Heatmap({ steps, values, timeSteps, label, testId }: HeatmapProps) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [hover, setHover] = useState<string | null>(null)
  // Once per data change (not per render or mouse move), in a loop: grids reach rows × T in the millions.
  const { min, max } = useMemo(() => finiteRange(values) ?? { min: 0, max: 1 }, [values])

  useEffect(() => {
    const c = canvas.current
    if (!c || values.length === 0 || timeSteps === 0) return
    c.width = timeSteps
    c.height = values.length
    // Drawn by the CPU (putImageData), never waiting on a GPU process busy with training.
    const ctx = c.getContext('2d', { willReadFrequently: true })!
    const image = ctx.createImageData(timeSteps, values.length)
    const span = max - min || 1
    values.forEach((row, r) => {
      for (let t = 0; t < timeSteps; t++) {
        const v = row[t]
        const o = ((values.length - 1 - r) * timeSteps + t) * 4 // later training steps on top
        if (v === null || v === undefined || !Number.isFinite(v)) continue
        const [red, green, blue] = color((v - min) / span)
        image.data[o] = red
        image.data[o + 1] = green
        image.data[o + 2] = blue
        image.data[o + 3] = 255
      }
    })
    ctx.putImageData(image, 0, 0)
  }, [values, timeSteps, min, max])

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect()
    const t = Math.floor(((e.clientX - rect.left) / rect.width) * timeSteps)
    const r = values.length - 1 - Math.floor(((e.clientY - rect.top) / rect.height) * values.length)
    const v = values[r]?.[t]
    setHover(
      r >= 0 && t >= 0 && steps[r] !== undefined
        ? `step ${steps[r]}, t = ${t}: ${v === null || v === undefined ? '—' : v.toPrecision(4)}`
        : null,
    )
  }

  return (
    <figure className="heatmap" data-testid={testId}>
      <figcaption>
        {label} <span className="muted">{hover ?? `${min.toPrecision(3)} … ${max.toPrecision(3)}`}</span>
      </figcaption>
      <div className="heatmap-body">
        <span className="heatmap-axis-y">{steps.length ? `${steps[steps.length - 1]} ↑ ${steps[0]}` : ''}</span>
        <canvas ref={canvas} onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
      </div>
      <div className="heatmap-axis-x">
        <span>t = 0</span>
        <span>t = {Math.max(0, timeSteps - 1)}</span>
      </div>
      <div className="heatmap-legend" aria-hidden="true" />
    </figure>
  )
}
