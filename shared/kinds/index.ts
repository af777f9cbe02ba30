// The lab's vocabulary, owned here once: what a task, cell, norm, term, batching strategy, BN
// policy, optimizer and run status can be. Plain constants and types (no tfjs, no zod), so the
// engine, the contract's schemas, the CLI and the page all import the same lists, and the page's
// bundle carries no tensor code for them. Cells and norms are definitions (cells/, norms/: their
// formulas and statistics); their lists and facts here are read off those definitions.
import { cellDefinition, type CellKind, type TermName } from './cells'

export {
  CELL_DEFINITIONS,
  CELLS,
  TERMS,
  cellDefinition,
  type CellDefinition,
  type CellKind,
  type StateName,
  type TermName,
} from './cells'
export {
  NORM_DEFINITIONS,
  NORMS,
  isBatchNorm,
  normCount,
  normDefinition,
  normalizedTerms,
  type NormDefinition,
  type NormKind,
  type StatisticDomain,
} from './norms'

export const TASKS = ['adding', 'copy', 'mnist', 'words', 'user'] as const
export type TaskKind = (typeof TASKS)[number]

/** Copy memory: K symbols to remember, so a sequence needs 2K + 1 steps (symbols, delimiter, recall). */
export const COPY_K = 5
export const COPY_MIN_LENGTH = 2 * COPY_K + 1

/**
 * The trivial loss of a generated task: the held-out loss of the best constant prediction, which a
 * model that learned nothing reaches. Adding: the target is the sum of two U(0, 1) values, so
 * predicting 1 gives MSE = 2 · 1/12 = 1/6. Copy: 8 equally likely symbols, ln 8 nats. MNIST: 10
 * nearly balanced digits, ln 10. Tasks over a dataset record their own (the metric
 * `eval/trivial_loss`, from the held-out labels); null: nothing stated.
 */
export const TRIVIAL_LOSS: Record<TaskKind, number | null> = {
  adding: 1 / 6,
  copy: Math.log(8),
  mnist: Math.log(10),
  words: null,
  user: null,
}

/** How variable-length sequences become a batch (engine/data/batch.ts). */
export const BATCHINGS = ['mask', 'pad', 'truncate', 'bucket'] as const
export type Batching = (typeof BATCHINGS)[number]

/** What per-step BN does at time steps past the last one it has population statistics for. */
export const POLICIES = ['last', 'global', 'batch', 'error'] as const
export type Policy = (typeof POLICIES)[number]

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const
export type OptimizerKind = (typeof OPTIMIZERS)[number]

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'interrupted', 'diverged'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
/** Statuses a run ends in. */
export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'interrupted', 'diverged']
/**
 * The only ways a run's status changes (the archive refuses any other, whoever asks): a queued
 * run starts (taking a lease) or is cancelled; a running run ends. A run that ended is kept as it
 * is: its name, tags, notes and star stay editable, nothing it recorded does.
 */
export const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'interrupted', 'failed'],
  running: ['completed', 'diverged', 'interrupted', 'failed'],
  completed: [],
  failed: [],
  interrupted: [],
  diverged: [],
}

/** The claims the lab tests, in the order it shows them (shared/lab/findings/claims, one file each). */
export const FINDING_IDS = ['perStepDrift', 'lateSteps', 'longerTest', 'smallBatch', 'padding', 'allNorms'] as const
export type FindingId = (typeof FINDING_IDS)[number]

/** What a finding concludes (the rule: shared/lab/findings/verdict.ts, docs/findings.md). */
export const VERDICTS = ['reproduced', 'not_reproduced', 'inconclusive', 'indicative', 'not_applicable'] as const
export type Verdict = (typeof VERDICTS)[number]

/**
 * How a finding's effect reads. sd: standard deviations; share: a fraction (shown as %);
 * logRatio: the log of a ratio of losses (shown as ×ratio: losses span decades).
 */
export const EFFECT_UNITS = ['sd', 'share', 'logRatio'] as const
export type EffectUnit = (typeof EFFECT_UNITS)[number]

/** Gates per cell: x·Wx and h·Wh are gates × hidden wide. LSTM order i, f, g, o; GRU r, z, n. */
export const gatesOf = (cell: CellKind): number => cellDefinition(cell).gates.length

/** The terms a cell has: input and recurrent, and the LSTM's cell state. */
export function cellTerms(cell: CellKind): readonly TermName[] {
  return cellDefinition(cell).terms
}

/** The width of a term's pre-activation: the LSTM cell state is H wide, the gate terms G·H. */
export function termWidth(cell: CellKind, term: TermName, hidden: number): number {
  return term === 'x' || term === 'h' ? gatesOf(cell) * hidden : hidden
}

/** The metrics the Runs table can show final and best values of (what every run records). */
export const SUMMARY_METRICS = ['loss', 'accuracy', 'eval/loss', 'eval/accuracy', 'grad_norm', 'step_ms'] as const

/** Accuracy is best when highest; losses, norms and times when lowest. */
export function higherIsBetter(metric: string): boolean {
  return /accuracy$/.test(metric)
}
