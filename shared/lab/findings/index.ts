// The lab's findings: each claim in a file of its own (claims/), measured from the archive, with a
// verdict that accounts for seeds (docs/findings.md). Pure functions of StudyData: the app, the
// report and the CLI gather the same data and call them alike.
import { allNorms } from './claims/all-norms'
import { lateSteps } from './claims/late-steps'
import { longerTest } from './claims/longer-test'
import { padding } from './claims/padding'
import { perStepDrift } from './claims/per-step-drift'
import { smallBatch } from './claims/small-batch'
import type { FindingDefinition } from './method/conclude'
import type { StudyData } from './method/study-data'
import { judgingOf } from './method/sequential'
import type { Finding, FindingId } from './method/types'

/** Every finding, in the order the app and reports show them. */
export const FINDINGS: { [I in FindingId]: FindingDefinition<I> } = {
  perStepDrift,
  lateSteps,
  longerTest,
  smallBatch,
  padding,
  allNorms,
}

/** Every finding of the data, judged at the level its study's design asks for (95 %, or wider when seeds were added in rounds). */
export function computeFindings(data: StudyData): Finding[] {
  const judging = judgingOf(data.design)
  return (Object.values(FINDINGS) as FindingDefinition<FindingId>[]).map(
    (f) => f.evaluate(data.runs, judging) as Finding,
  )
}

/** The same, one finding per task: a page computing them keeps its frames short. */
export async function computeFindingsYielding(data: StudyData, yieldTask: () => Promise<void>): Promise<Finding[]> {
  const judging = judgingOf(data.design)
  const out: Finding[] = []
  for (const f of Object.values(FINDINGS) as FindingDefinition<FindingId>[]) {
    await yieldTask()
    out.push(f.evaluate(data.runs, judging) as Finding)
  }
  return out
}

export {
  gatherStudyData,
  heldOutLoss,
  finalValue,
  type RunData,
  type StudyData,
  type TermRows,
} from './method/study-data'
export {
  FINDING_IDS,
  MISSING_REASONS,
  EXCLUSION_REASONS,
  type Finding,
  type FindingId,
  type ChartKind,
  type MissingReason,
  type SetResult,
} from './method/types'
export { VERDICTS, type Verdict } from './method/verdict'
export {
  describeFinding,
  showEffect,
  columnName,
  setLabelText,
  settingValueText,
  levelPercent,
  type FindingWords,
} from './describe'
export type { FindingDefinition } from './method/conclude'
export { findingSummary } from './summary'
