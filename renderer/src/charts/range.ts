// Ranges over large data in plain loops: spreading 200,000 values into Math.min/Math.max throws
// RangeError (too many arguments), and a heatmap has rows × time steps of them.

/** The smallest and largest finite value, or null when there is none. */
export function finiteRange(
  rows: readonly (readonly (number | null | undefined)[])[],
): { min: number; max: number } | null {
  let min = Infinity
  let max = -Infinity
  for (const row of rows)
    for (const v of row) {
      if (v === null || v === undefined || !Number.isFinite(v)) continue
      if (v < min) min = v
      if (v > max) max = v
    }
  return min <= max ? { min, max } : null
}

/** The best value of a series: the smallest when lower is better, else the largest. */
export function bestOf(values: readonly number[], lowerIsBetter: boolean): number | null {
  let best: number | null = null
  for (const v of values) if (Number.isFinite(v) && (best === null || (lowerIsBetter ? v < best : v > best))) best = v
  return best
}
