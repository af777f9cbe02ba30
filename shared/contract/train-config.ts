// A training run's full configuration: the one schema every door uses (the app's form and the
// CLI through the planner, createRun in IPC and web mode, imported archives), validated before
// anything runs or is written. It sits in the contract, below the engine that trains by it.
import { z } from 'zod'
import {
  BATCHINGS,
  CELLS,
  cellTerms,
  COPY_MIN_LENGTH,
  gatesOf,
  normDefinition,
  NORMS,
  OPTIMIZERS,
  POLICIES,
  TASKS,
} from '../kinds'

/** Named points of a run at which the explorable's snapshots can be taken. */
export const SNAPSHOT_POINTS = ['first', 'middle', 'last'] as const

/** How long training sequences are. Variable lengths are what make BN's late time steps see few samples. */
export const LengthDistribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), length: z.number().int().min(1).max(2000) }),
  z.strictObject({
    kind: z.literal('uniform'),
    min: z.number().int().min(1).max(2000),
    max: z.number().int().min(1).max(2000),
  }),
  /** Mostly short, rarely long: P(length = min + k) falls geometrically with k. */
  z.strictObject({
    kind: z.literal('longtail'),
    min: z.number().int().min(1).max(2000),
    max: z.number().int().min(1).max(2000),
  }),
])
export type LengthDistribution = z.infer<typeof LengthDistribution>

export const TrainConfig = z
  .strictObject({
    task: z.enum(TASKS, {
      error: (issue) => (issue.input === undefined ? `required: one of ${TASKS.join(', ')}` : undefined),
    }),
    /** Training lengths (adding, copy). MNIST is always 28; words and user data have their own. */
    lengths: LengthDistribution.default({ kind: 'uniform', min: 10, max: 50 }),
    cell: z.enum(CELLS).default('lstm'),
    norm: z.enum(NORMS).default('bn_step'),
    hidden: z.number().int().min(1).max(1024).default(64),
    /** GroupNorm groups; must divide the gate width and, for the LSTM, the hidden size. */
    groups: z.number().int().min(1).max(256).default(4),
    eps: z.number().positive().max(1).default(1e-5),
    /** Initial BN gamma: 0.1 following Cooijmans et al. (keeps tanh/sigmoid out of saturation). */
    bnGamma: z.number().min(0).max(10).default(0.1),
    /** Initial LN/GN gamma. */
    normGamma: z.number().min(0).max(10).default(1),
    momentum: z.number().gt(0).max(1).default(0.1),
    batchSize: z.number().int().min(1).max(4096).default(32),
    steps: z.number().int().min(1).max(1_000_000).default(500),
    optimizer: z.enum(OPTIMIZERS).default('adam'),
    lr: z.number().positive().max(10).default(1e-3),
    /** Clip the global gradient norm (0: off). */
    clipNorm: z.number().min(0).default(1),
    seed: z.number().int().min(0).max(2_147_483_647).default(0),
    batching: z.enum(BATCHINGS).default('mask'),
    /** Record per-time-step statistics every k steps (0: never). */
    recordEvery: z.number().int().min(0).default(10),
    /** Also keep the per-feature vectors, not just their summaries. */
    recordFeatures: z.boolean().default(true),
    /**
     * Training steps at which to keep one batch's pre-normalization values (the explorable):
     * 'first', 'middle', 'last' or step numbers, each moved to the nearest recorded step. Off by
     * default (long sweeps); the presets turn it on.
     */
    snapshots: z
      .array(z.union([z.enum(SNAPSHOT_POINTS), z.number().int().min(1).max(1_000_000)]))
      .max(16)
      .default([]),
    /** Evaluate on held-out data every k steps (0: only at the end). */
    evalEvery: z.number().int().min(0).default(100),
    evalSamples: z.number().int().min(1).max(100_000).default(256),
    /** Length generalization: multiples of the longest training length (generated tasks); 0.5 is where BN's statistics were well fed. */
    evalLengths: z.array(z.number().min(0.1).max(64)).max(16).default([0.5, 1, 1.5, 2, 4]),
    /** BN policies past the trained length to evaluate with. */
    evalPolicies: z.array(z.enum(POLICIES)).min(1).max(4).default(['last', 'global', 'batch']),
    /** User data: a JSONL or CSV file (the CLI reads it; the app uploads it). */
    dataFile: z.string().max(4096).optional(),
  })
  .superRefine((c, ctx) => {
    const width = gatesOf(c.cell) * c.hidden
    // A grouped norm's groups divide every term it normalizes: the gate width, and the hidden size where the cell normalizes its state.
    const innerTerm = cellTerms(c.cell).includes('c')
    if (normDefinition(c.norm).grouped && (width % c.groups !== 0 || (innerTerm && c.hidden % c.groups !== 0))) {
      ctx.addIssue({
        code: 'custom',
        path: ['groups'],
        message: `GroupNorm needs ${c.groups} groups to divide the gate width ${width}${innerTerm ? ` and the hidden size ${c.hidden}` : ''}`,
        params: { key: 'groupsDivide', values: { groups: c.groups, width, hidden: c.hidden } },
      })
    }
    if (c.lengths.kind !== 'fixed' && c.lengths.min > c.lengths.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['lengths', 'min'],
        message: `min (${c.lengths.min}) is above max (${c.lengths.max})`,
        params: { key: 'minAboveMax', values: { min: c.lengths.min, max: c.lengths.max } },
      })
    }
    const shortest = c.lengths.kind === 'fixed' ? c.lengths.length : c.lengths.min
    if (c.task === 'copy' && shortest < COPY_MIN_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        path: ['lengths'],
        message: `copy memory needs sequences of at least ${COPY_MIN_LENGTH} steps`,
        params: { key: 'copyMinLength', values: { min: COPY_MIN_LENGTH } },
      })
    }
    if (c.task === 'adding' && shortest < 2)
      ctx.addIssue({
        code: 'custom',
        path: ['lengths'],
        message: 'the adding problem needs at least 2 steps',
        params: { key: 'addingMinLength', values: {} },
      })
    if (c.snapshots.length > 0 && c.recordEvery === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['snapshots'],
        message: 'snapshots are taken at recorded steps: set recordEvery above 0',
        params: { key: 'snapshotsNeedRecording', values: {} },
      })
    }
    if (c.task === 'user' && !c.dataFile)
      ctx.addIssue({
        code: 'custom',
        path: ['dataFile'],
        message: 'the user task needs a data file (JSONL or CSV)',
        params: { key: 'needsDataFile', values: {} },
      })
  })

export type TrainConfig = z.output<typeof TrainConfig>

/** Whether statistics are recorded at a training step (the first, then every recordEvery). */
export const isRecordedStep = (config: Pick<TrainConfig, 'recordEvery'>, step: number): boolean =>
  config.recordEvery > 0 && (step === 1 || step % config.recordEvery === 0)

/** The recorded steps a run's snapshots are taken at: each requested point moved to the nearest recorded step (ties: the earlier), sorted, once each. */
export function snapshotSteps(config: Pick<TrainConfig, 'snapshots' | 'steps' | 'recordEvery'>): number[] {
  const every = config.recordEvery
  if (every === 0 || config.snapshots.length === 0) return []
  const last = Math.max(1, Math.floor(config.steps / every) * every)
  const nearest = (wanted: number): number => {
    // A step past the run's end means its last recorded step.
    const target = Math.min(wanted, last)
    const candidates = [1, Math.floor(target / every) * every, Math.ceil(target / every) * every].filter(
      (s) => s >= 1 && s <= last,
    )
    return candidates.reduce(
      (best, s) =>
        Math.abs(s - target) < Math.abs(best - target) || (Math.abs(s - target) === Math.abs(best - target) && s < best)
          ? s
          : best,
      candidates[0]!,
    )
  }
  const steps = config.snapshots.map((p) =>
    p === 'first' ? 1 : p === 'last' ? last : p === 'middle' ? nearest(Math.round(config.steps / 2)) : nearest(p),
  )
  return [...new Set(steps)].sort((a, b) => a - b)
}
export type TrainConfigInput = z.input<typeof TrainConfig>

/** The recorded steps of a run that trains to its end, in order. */
export function recordedSteps(config: Pick<TrainConfig, 'recordEvery' | 'steps'>): number[] {
  if (config.recordEvery === 0) return []
  const steps = [1]
  for (let s = config.recordEvery; s <= config.steps; s += config.recordEvery) if (s !== 1) steps.push(s)
  return steps
}

/** Evenly spaced picks, always keeping the first and the last. */
export function evenlySpaced<T>(items: readonly T[], most: number): T[] {
  if (items.length <= most) return [...items]
  if (most === 1) return [items[items.length - 1]!]
  return Array.from({ length: most }, (_, i) => items[Math.round((i * (items.length - 1)) / (most - 1))]!)
}

/**
 * The late rows the findings read: every recorded step of the last half of training, evenly
 * thinned to at most this many. The drift finding crosses every pair of them (32 batches: 496
 * pairs), plenty to average batch noise away.
 */
export const LATE_ROWS = 32

/** The analysis rows of a term from its recorded steps: the first, and up to LATE_ROWS of the last half. */
export function analysisSteps(recorded: readonly number[]): { first: number; late: number[] } | null {
  if (recorded.length === 0) return null
  const from = Math.min(recorded.length - 1, Math.floor(recorded.length / 2))
  return { first: recorded[0]!, late: evenlySpaced(recorded.slice(from), LATE_ROWS) }
}

/**
 * Which rows carry per-feature matrices (T × C floats each, the archive's largest rows): the
 * input term at the first recorded step (the padding finding compares runs where they start
 * alike), the recurrent term at the late rows (the drift finding measures per feature, so
 * opposite drifts cannot cancel), the cell state never. The summaries over features are kept at
 * every recorded step; per-feature matrices only where they are read.
 */
export const FEATURE_ROWS: Record<'x' | 'h' | 'c', 'first' | 'late' | 'none'> = { x: 'first', h: 'late', c: 'none' }

/** The steps at which a run keeps each term's per-feature matrices (FEATURE_ROWS of its planned recorded steps). */
export function featureSteps(
  config: Pick<TrainConfig, 'recordEvery' | 'steps' | 'recordFeatures'>,
): Record<'x' | 'h' | 'c', ReadonlySet<number>> {
  const picked = config.recordFeatures ? analysisSteps(recordedSteps(config)) : null
  const of = (rows: 'first' | 'late' | 'none') =>
    new Set(!picked || rows === 'none' ? [] : rows === 'first' ? [picked.first] : picked.late)
  return { x: of(FEATURE_ROWS.x), h: of(FEATURE_ROWS.h), c: of(FEATURE_ROWS.c) }
}
