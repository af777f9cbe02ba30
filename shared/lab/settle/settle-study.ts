// A study that runs until its claims are settled: it trains a first round of seeds, reads its
// findings, and adds seeds in rounds (3 → 5 → 8 → 12 by default) until every claim it settles is
// reproduced or not reproduced, the seeds run out, or the next round would not fit the time
// budget. The verdicts after every round are judged with the study's group-sequential design
// (findings/method/sequential.ts), stored with the study, so looking after each round does not
// inflate false verdicts. One owner of the rounds for every host: the CLI (`lab sweep --settle`)
// and the page supply how a round's runs are trained.
import type { NormLabApi } from '../../contract'
import type { StudyDesign } from '../../contract/schemas'
import type { FindingId, Verdict } from '../../kinds'
import { computeFindings, computeFindingsYielding, FINDINGS, gatherStudyData, type Finding } from '../findings'
import {
  DEFAULT_MAX_SEEDS,
  nextRoundSeeds,
  settleDecision,
  settleLooks,
  settleState,
  type SettleStop,
} from '../findings/method/sequential'
import { addStudyRuns, type QueuedRun, type RunOutcome } from '../run-lifecycle'
import { planStudy, type PlannedRun, type PresetId, type StudyPlanInput } from '../study-plan'

export { settleLooks, DEFAULT_MAX_SEEDS, type SettleStop }

/** The claims a preset's study exists for (each finding names the preset that answers it). */
export function presetClaims(preset: PresetId): FindingId[] {
  return (Object.values(FINDINGS) as { id: FindingId; preset: PresetId }[])
    .filter((f) => f.preset === preset)
    .map((f) => f.id)
}

export interface SettleOptions {
  /** The most seeds (the last look); default 12. */
  maxSeeds?: number
  /** Minutes the whole study may take; null: no limit. */
  budgetMinutes?: number | null
  /** The claims to settle (a preset's); null: every claim the runs can answer. */
  claims?: FindingId[] | null
}

/** The design of a settled study whose first round has `firstSeeds` seeds. */
export function settleDesign(firstSeeds: number, options: SettleOptions = {}): StudyDesign {
  return {
    rule: 'pocock',
    looks: settleLooks(firstSeeds, options.maxSeeds ?? Math.max(DEFAULT_MAX_SEEDS, firstSeeds)),
    claims: options.claims ?? null,
    budgetMinutes: options.budgetMinutes ?? null,
  }
}

/** One round: the seeds after it, each settled claim's verdict, and what happens next. */
export interface SettleRound {
  round: number
  seeds: number
  runIds: number[]
  verdicts: Partial<Record<FindingId, Verdict>>
  undecided: FindingId[]
  unanswerable: FindingId[]
  elapsedMs: number
  /** Why the study stopped after this round; null: another round follows. */
  stop: SettleStop | null
  /** The seeds the next round adds (empty when it stops). */
  next: number[]
}

/** The study the rounds are written into (created with its design), and what its runs carry. */
export interface SettledStudy {
  id: number
  tags: string[]
  /** The user task's file contents, for hosts that cannot read the file themselves. */
  userData?: string
}

export interface SettleHost {
  /** Trains a round's runs (written queued into the study); returns their outcomes. */
  train(runs: QueuedRun[]): Promise<RunOutcome[]>
  onRound?(round: SettleRound): void
  interrupted(): boolean
  now(): number
  /** A page yields between findings so its frames stay short; absent: computed in one go. */
  yieldTask?: () => Promise<void>
}

/** The runs of a round: the plan with only these seeds (validated like any study). */
export function roundRuns(input: StudyPlanInput, seeds: number[]): PlannedRun[] {
  const { runs, errors } = planStudy({ ...input, grid: { ...input.grid, seeds } })
  if (errors.length > 0) throw new Error(errors.map((e) => `${e.field}: ${e.message}`).join('; '))
  return runs
}

/** Trains rounds until the design says stop; returns every round and the findings of the last. */
export async function settleStudy(
  api: NormLabApi,
  input: StudyPlanInput,
  design: StudyDesign,
  study: SettledStudy,
  host: SettleHost,
): Promise<{ rounds: SettleRound[]; findings: Finding[] }> {
  const started = host.now()
  const rounds: SettleRound[] = []
  let seeds = [...input.grid.seeds]
  let add = seeds
  let findings: Finding[] = []
  for (let round = 1; ; round++) {
    const outcomes = await host.train(
      await addStudyRuns(api, roundRuns(input, add), {
        studyId: study.id,
        tags: study.tags,
        ...(study.userData !== undefined ? { userData: study.userData } : {}),
      }),
    )
    const ids = (await api.listRuns({ filter: { studyId: study.id } })).map((r) => r.id).sort((a, b) => a - b)
    const data = { ...(await gatherStudyData(api, ids)), design }
    findings = host.yieldTask ? await computeFindingsYielding(data, host.yieldTask) : computeFindings(data)
    const verdicts = new Map(findings.map((f) => [f.id, f.verdict]))
    const state = settleState(design, verdicts)
    const elapsedMs = host.now() - started
    const next = nextRoundSeeds(design, seeds)
    // The next round's time, from this study's pace so far (time per seed).
    const nextRoundMs = (elapsedMs / seeds.length) * next.length
    let stop = settleDecision(design, state, seeds.length, elapsedMs, nextRoundMs)
    if (outcomes.some((o) => o.status === 'interrupted') || host.interrupted()) stop = 'interrupted'
    else if (outcomes.some((o) => o.status === 'failed')) stop = 'failedRuns'
    const record: SettleRound = {
      round,
      seeds: seeds.length,
      runIds: ids,
      verdicts: Object.fromEntries((design.claims ?? findings.map((f) => f.id)).map((id) => [id, verdicts.get(id)!])),
      ...state,
      elapsedMs,
      stop,
      next: stop ? [] : next,
    }
    rounds.push(record)
    host.onRound?.(record)
    if (stop) return { rounds, findings }
    add = next
    seeds = [...seeds, ...next]
  }
}
