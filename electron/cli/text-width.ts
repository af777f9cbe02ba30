// Terminal columns of text: East Asian wide characters (CJK, full-width forms) take two, so a
// column of 简体中文 verdicts lines up with the English ones.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u

export function displayWidth(text: string): number {
  let width = 0
  for (const ch of text) width += WIDE.test(ch) ? 2 : 1
  return width
}

export function padDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

/**
 * Wraps text into lines of at most `width` columns, each starting with `indent` (the first with
 * `first`, a hanging indent), at spaces (CJK text, which has none, at any character).
 */
export function wrap(text: string, width: number, indent = '', first = indent): string[] {
  const lines: string[] = []
  let line = ''
  for (const token of text.match(/[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+/gu) ?? []) {
    const room = width - displayWidth(lines.length === 0 ? first : indent)
    if (/^\s+$/.test(token)) {
      if (line) line += ' '
      continue
    }
    if (line.trim() && displayWidth(line) + displayWidth(token) > room) {
      lines.push(line.trimEnd())
      line = ''
    }
    line += token
  }
  if (line.trim()) lines.push(line.trimEnd())
  return lines.map((l, i) => (i === 0 ? first : indent) + l)
}
