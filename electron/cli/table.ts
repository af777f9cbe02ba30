// Plain-text tables for the terminal (columns aligned by display width: 简体中文 takes two).
import { displayWidth, padDisplay } from './text-width'

export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | null | undefined)[])[],
): string {
  const text = (c: string | null | undefined) => c ?? ''
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(text(r[i])))))
  const line = (cells: readonly (string | null | undefined)[]) =>
    cells
      .map((c, i) => padDisplay(text(c), widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}
