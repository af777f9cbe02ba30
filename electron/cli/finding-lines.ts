// A finding in the terminal, the same for `lab findings` and `lab report`: its verdict, the claim,
// the effect with its 95 % interval and threshold, each comparison set when there are several,
// and the runs it could not use. Every line fits 100 columns.
import { fill, words, type Language } from '../../shared/i18n'
import type { FindingSummary } from '../../shared/contract'
import { levelPercent, setLabelText, showEffect } from '../../shared/lab/findings'
import { padDisplay, wrap } from './text-width'

export const LINE_WIDTH = 100
const VERDICT_WIDTH = 24

export function findingLines(f: FindingSummary, language: Language): string[] {
  const w = words(language).findings
  const indent = ' '.repeat(VERDICT_WIDTH + 2)
  const out: string[] = []
  out.push(...wrap(w.claims[f.id].claim, LINE_WIDTH, indent, `  ${padDisplay(w.verdict[f.verdict], VERDICT_WIDTH)}`))
  const detail: string[] = []
  const show = (v: number | null) => showEffect(v, f.unit) ?? '—'
  if (f.effect) {
    const interval =
      f.effect.low === null
        ? w.oneSeed
        : fill(w.interval, {
            level: levelPercent(f.effect.level),
            low: show(f.effect.low),
            high: show(f.effect.high),
            seeds: f.effect.n,
          })
    detail.push(fill(w.effectLine, { effect: show(f.effect.mean), interval, threshold: show(f.minEffect) }))
  } else if (f.reason)
    detail.push(`${fill((w.reasons as Record<string, string>)[f.reason] ?? f.reason, f.reasonValues)}${w.sentenceEnd}`)
  if (f.seedsToSettle !== null) detail.push(fill(w.settle, { seeds: f.seedsToSettle }))
  if (f.sets.length > 1)
    for (const s of f.sets)
      detail.push(
        fill(w.setLine, {
          set: setLabelText(s.label, language),
          verdict: w.verdict[s.verdict],
          effect: s.effect ? show(s.effect.mean) : '—',
          seeds: s.effect?.n ?? 0,
        }),
      )
  if (f.runIds.length > 0) detail.push(fill(w.usedRuns, { runs: f.runIds.map((id) => `#${id}`).join(' ') }))
  if (f.excluded.length > 0)
    detail.push(
      fill(w.notUsed, {
        runs: f.excluded
          .map((e) => `#${e.runId} (${(w.exclusions as Record<string, string>)[e.reason] ?? e.reason})`)
          .join(', '),
      }),
    )
  for (const d of detail) out.push(...wrap(d, LINE_WIDTH, indent))
  return out
}
