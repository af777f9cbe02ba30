// A progress bar with steps/s and ETA for the terminal (stderr).
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** `fromStep`: the step a resumed run went on from (its rate counts only the steps trained since). */
export function progressLine(
  label: string,
  step: number,
  total: number,
  elapsedMs: number,
  loss: number | null,
  width = 24,
  fromStep = 0,
): string {
  const fraction = Math.min(1, step / Math.max(1, total))
  const filled = Math.round(fraction * width)
  const rate = (step - fromStep) / Math.max(1e-9, elapsedMs / 1000)
  const eta = ((total - step) / Math.max(1e-9, rate)) * 1000
  return (
    `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${step}/${total} ${(fraction * 100).toFixed(0).padStart(3)}%` +
    ` ${rate.toFixed(1)} steps/s ETA ${formatDuration(eta)}${loss === null ? '' : ` loss ${loss.toPrecision(4)}`}`
  )
}
