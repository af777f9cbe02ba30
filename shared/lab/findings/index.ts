// The lab's findings: each claim measured from the archive, with a verdict that accounts for seeds
// (docs/findings.md). Pure functions of StudyData; the app, the report and the CLI call them alike.
import type { PresetId } from '../study-plan'
import { computeFindings } from './claims'
import { fill, findingTexts, type ReportLanguage } from './messages'
import type { Finding } from './types'

export { computeFindings }
export { gatherStudyData, heldOutLoss, finalValue, type RunData, type StudyData, type TermGrid } from './study-data'
export { FINDING_IDS, MISSING_REASONS, type Finding, type FindingId, type ChartKind, type MissingReason } from './types'
export { VERDICTS, type Verdict } from './verdict'
export { findingTexts, fill, type ReportLanguage } from './messages'

/** A finding in words: the claim, its verdict, the result (or why it does not apply), the measure. */
export function describeFinding(finding: Finding, language: ReportLanguage, presetTitle: (id: PresetId) => string = (id) => id): { claim: string; verdict: string; result: string; measure: string } {
  const texts = findingTexts(language)
  const t = texts.findings[finding.id]
  const n = finding.numbers
  const uncertainty = (unit: string) => (typeof n.seeds === 'number' && n.seeds >= 2 && n.low !== null && n.low !== undefined ? fill(texts.interval, { low: n.low, high: n.high, seeds: n.seeds, unit: language === 'zh-CN' ? unit.trim() : unit }) : texts.oneSeed)
  const result = finding.missing
    ? [fill(texts.notApplicable, { reason: fill(texts.reasons[finding.missing.reason], finding.missing.values) }), finding.missing.preset ? fill(texts.runThePreset, { preset: presetTitle(finding.missing.preset) }) : '']
        .filter(Boolean)
        .join(' ')
    : fill(t.result, { ...finding.numbers, uncertainty: uncertainty(''), uncertaintyPercent: uncertainty(' %') })
  return { claim: t.claim, verdict: texts.verdict[finding.verdict], result, measure: fill(t.measure, finding.numbers) }
}
