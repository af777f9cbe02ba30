// CSV as RFC 4180 says: comma-separated, CRLF line ends, fields with a comma, quote or line break
// quoted, quotes doubled. Numbers at full precision; a missing value is an empty field. Text a
// spreadsheet would run as a formula (a run named "=HYPERLINK(…)") gets a leading quote, as OWASP
// advises for CSV injection: it then reads as the text it is.
export type Cell = string | number | boolean | null | undefined

/** What makes a spreadsheet read a cell as a formula (OWASP CSV injection): = + - @, a tab or a carriage return first. */
const FORMULA = /^[=+\-@\t\r]/

function field(value: Cell): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  const raw = String(value)
  const text = typeof value === 'string' && FORMULA.test(raw) ? `'${raw}` : raw
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvLine(values: readonly Cell[]): string {
  return values.map(field).join(',') + '\r\n'
}

export function csv(columns: readonly string[], rows: Iterable<readonly Cell[]>): string {
  let out = csvLine(columns)
  for (const row of rows) out += csvLine(row)
  return out
}
