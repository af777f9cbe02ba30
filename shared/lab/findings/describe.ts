// A finding in words, from the one catalogue: the claim, the verdict, the result with its interval
// in the finding's unit (ratios as ×, shares as %), how many seeds would settle an inconclusive
// one, each comparison set's verdict when there are several, and the runs it could not use.
import { fill, words, type Language } from '../../i18n'
import { ratio, round } from './method/conclude'
import type { Estimate } from './method/stats'
import { MAX_SEEDS } from './method/stats'
import type { EffectUnit, Finding } from './method/types'

export interface FindingWords {
  claim: string
  verdict: string
  result: string
  measure: string
  /** Runs it could have used but did not, with why ("" when none). */
  notUsed: string
}

/** An effect value in its unit, as people read it. */
export function showEffect(value: number | null | undefined, unit: EffectUnit): string | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null
  if (unit === 'logRatio') return `×${ratio(value)}`
  if (unit === 'share') return `${round(value * 100, 3)} %`
  return String(round(value, 3))
}

/** A comparison set's label in words ("BN per step · batch 4"). */
export function setLabelText(label: Readonly<Record<string, unknown>>, language: Language): string {
  const fields = words(language).form as unknown as Record<string, string | undefined>
  return Object.entries(label)
    .map(([key, v]) => {
      const value = settingValueText(key, v, language)
      // A setting by the name the form gives it ("Hidden units 64"), never a raw key or JSON.
      return value ?? `${fields[key] ?? key} ${String(v)}`
    })
    .join(' · ')
}

/**
 * One setting's value in words where the words say which setting it is ("BN per step", "batch 16",
 * "long-tail lengths 5–60"); null for a plain value, which needs its setting's name beside it.
 */
export function settingValueText(key: string, v: unknown, language: Language): string | null {
  const w = words(language)
  const value = String(v)
  if (key === 'norm') return (w.norm as Record<string, string>)[value] ?? value
  if (key === 'batching') return (w.batching as Record<string, { name: string }>)[value]?.name ?? value
  if (key === 'batchSize') return `${w.runs.columns.batch} ${value}`
  if (key === 'cell') return value.toUpperCase()
  if (key === 'versus') return value
  return structuredSetting(key, value, language)
}

/** Lengths and snapshots (stored as canonical JSON in a group's label) in words; null for other settings. */
function structuredSetting(key: string, value: string, language: Language): string | null {
  if (key !== 'lengths' && key !== 'snapshots') return null
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return null
  }
  const g = words(language).groups
  if (key === 'snapshots')
    return Array.isArray(parsed)
      ? parsed.length === 0
        ? g.noSnapshots
        : fill(g.snapshots, { points: parsed.join(', ') })
      : null
  const l = parsed as { kind?: string; length?: number; min?: number; max?: number }
  if (l.kind === 'fixed') return fill(g.lengths.fixed, { length: l.length ?? '' })
  if (l.kind === 'uniform' || l.kind === 'longtail')
    return fill(g.lengths[l.kind], { min: l.min ?? '', max: l.max ?? '' })
  return null
}

/** An interval's level as people read it: 95, or 98.2 for a study settled in rounds. */
export function levelPercent(level: number): number {
  return Number((level * 100).toFixed(1))
}

function interval(effect: Estimate | null, unit: EffectUnit, language: Language): string {
  const w = words(language).findings
  if (!effect || effect.n < 2 || effect.low === null) return w.oneSeed
  return fill(w.interval, {
    level: levelPercent(effect.level),
    low: showEffect(effect.low, unit),
    high: showEffect(effect.high, unit),
    seeds: effect.n,
  })
}

export function describeFinding(finding: Finding, language: Language): FindingWords {
  const w = words(language)
  const texts = w.findings.claims[finding.id]
  const notUsed =
    finding.excluded.length === 0
      ? ''
      : fill(w.findings.notUsed, {
          runs: finding.excluded.map((e) => `#${e.runId} (${w.findings.exclusions[e.reason]})`).join(', '),
        })
  if (finding.reason || !finding.numbers) {
    const reason = fill(w.findings.reasons[finding.reason ?? 'noRuns'], finding.reasonValues)
    const result = [
      fill(w.findings.notApplicable, { reason }),
      fill(w.findings.runThePreset, { preset: w.presets[finding.preset].title }),
    ].join(' ')
    return { claim: texts.claim, verdict: w.findings.verdict[finding.verdict], result, measure: '', notUsed }
  }
  // Words chosen by the sign of a number (more/less, higher/lower) are catalogue keys: said in the language.
  const directions = w.findings.directions as Record<string, string>
  const numbers = Object.fromEntries(
    Object.entries(finding.numbers as Record<string, number | string | null>).map(([k, v]) => [
      k,
      typeof v === 'string' && k.endsWith('direction') && directions[v] ? directions[v] : v,
    ]),
  )
  const parts = [fill(texts.result, { ...numbers, uncertainty: interval(finding.effect, finding.unit, language) })]
  if (finding.verdict === 'inconclusive')
    parts.push(
      finding.seedsToSettle === null
        ? fill(w.findings.settleBeyond, { seeds: MAX_SEEDS })
        : fill(w.findings.settle, { seeds: finding.seedsToSettle }),
    )
  if (finding.sets.length > 1) {
    const list = finding.sets
      .map(
        (s) =>
          `${setLabelText(s.label, language)}: ${w.findings.verdict[s.verdict]}${s.effect ? ` (${showEffect(s.effect.mean, finding.unit)})` : ''}`,
      )
      .join('; ')
    parts.push(fill(w.findings.sets, { count: finding.sets.length, list }))
  }
  return {
    claim: texts.claim,
    verdict: w.findings.verdict[finding.verdict],
    result: parts.join(' '),
    measure: fill(texts.measure, numbers),
    notUsed,
  }
}

/** A table's column key in words (keys outside the catalogue, e.g. "batch 4", stay as they are). */
export function columnName(key: string, language: Language): string {
  const columns = words(language).findings.columns as Record<string, string>
  return columns[key] ?? key
}
