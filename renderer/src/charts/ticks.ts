// Tick labels a person reads on a log axis: 0.001, 0.01 … 100 as plain numbers, 10⁻⁵ or 2·10⁶
// beyond, and only at 1, 2 and 5 of each decade (chart.js labels every tick it places, as
// "100.000000 … 0.000010").
const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
}

export const superscript = (n: number) => String(n).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c]!)

export function logTick(value: number): string {
  if (!(value > 0) || !Number.isFinite(value)) return ''
  const exponent = Math.floor(Math.log10(value) + 1e-9)
  const mantissa = Math.round((value / 10 ** exponent) * 1000) / 1000
  if (mantissa !== 1 && mantissa !== 2 && mantissa !== 5) return ''
  if (exponent >= -3 && exponent <= 4) return String(Number((mantissa * 10 ** exponent).toPrecision(1)))
  return mantissa === 1 ? `10${superscript(exponent)}` : `${mantissa}·10${superscript(exponent)}`
}
