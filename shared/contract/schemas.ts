// Domain schemas shared by every side of the contract. zod gives both the runtime check at the
// boundary and the static types, so the two can never drift apart.
import { z } from 'zod'
import { unpackFloat32 } from './packed'
import { CELLS, FINDING_IDS, NORMS, POLICIES as BN_POLICIES, RUN_STATUSES, TERMS } from '../kinds'

export { BN_POLICIES, CELLS, NORMS, RUN_STATUSES, TERMS }

export const RunStatus = z.enum(RUN_STATUSES)
export type RunStatus = z.infer<typeof RunStatus>
export const Cell = z.enum(CELLS)
export type Cell = z.infer<typeof Cell>
export const Norm = z.enum(NORMS)
export type Norm = z.infer<typeof Norm>
export const Term = z.enum(TERMS)
export type Term = z.infer<typeof Term>
export const BnPolicy = z.enum(BN_POLICIES)
export type BnPolicy = z.infer<typeof BnPolicy>

export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
export const Step = z.number().int().min(0).max(1e9)
export const Layer = z.number().int().min(0).max(63)
const Name = z.string().trim().min(1, 'must not be empty').max(200)
const Tag = z.string().trim().min(1, 'a tag must not be empty').max(64)
const Tags = z
  .array(Tag)
  .max(64)
  .transform((tags) => [...new Set(tags)])
const Notes = z.string().max(100_000)
/** Why a run failed, diverged or was interrupted. */
export const RunError = z.string().max(10_000)
/** Epoch milliseconds. */
const Time = z.number().int().min(0)
const MetricName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_./-]{0,63}$/, 'a metric name is a letter then up to 63 of A-Z a-z 0-9 _ . / -')
/** A statistic of a time step with no valid samples has no value: null. */
const MaybeNumber = z.number().nullable()

/**
 * A run's full configuration. The fields people filter on are required and typed here; the
 * engine's remaining settings ride along as JSON and are validated by the engine's own schema.
 */
export const RunConfig = z
  .object({
    task: z.string().trim().min(1).max(64),
    cell: Cell,
    norm: Norm,
    batchSize: z.number().int().min(1).max(65_536),
    seed: z.number().int().min(0).max(2_147_483_647),
  })
  .catchall(z.json())
export type RunConfig = z.infer<typeof RunConfig>

/**
 * The numerics gate's outcome on one backend (shared/engine/numerics.ts): PyTorch reference cases
 * run there before anything trained on it.
 */
export const NumericsCheck = z.strictObject({
  backend: z.string().min(1).max(32),
  /** The GPU's renderer string (WebGL); null on CPU backends. */
  gpuRenderer: z.string().max(500).nullable(),
  appVersion: z.string().max(64),
  /**
   * Everything that can change the numbers (numericsFingerprint): a remembered check holds only
   * while it is the same. null in checks recorded before it existed.
   */
  fingerprint: z.string().max(4000).nullable().default(null),
  /** WebGL: texture padding was poisoned with NaN, so a kernel reading it would have failed. */
  strict: z.boolean(),
  cases: z.number().int().min(0).max(1000),
  passed: z.number().int().min(0).max(1000),
  /** The largest error as a multiple of its tolerance (≤ 1 passes); null when not finite. */
  worstRatio: z.number().min(0).nullable(),
  /** The first failing case and value, in words; null when every case passed. */
  failure: z.string().max(2000).nullable(),
  /** Epoch ms. */
  checkedAt: z.number().int().min(0),
  ms: z.number().min(0),
})
export type NumericsCheck = z.infer<typeof NumericsCheck>

/** Where a run computed: the tfjs backend, what the GPU said about itself, and its numerics check. */
export const DeviceInfo = z.strictObject({
  backend: z.string().min(1).max(32),
  gpuRenderer: z.string().max(500).nullable().default(null),
  webglVersion: z.number().int().min(0).max(2).nullable().default(null),
  floatPrecision: z
    .union([z.literal(16), z.literal(32)])
    .nullable()
    .default(null),
  numerics: NumericsCheck.nullable().default(null),
  /** The operating system (and browser) the trainer ran in. */
  platform: z.string().max(500).nullable().default(null),
  /** The TensorFlow.js version that computed the run. */
  tfjsVersion: z.string().max(32).nullable().default(null),
})
export type DeviceInfo = z.infer<typeof DeviceInfo>
/** What a host supplies (fields left out take their defaults). */
export type DeviceInfoInput = z.input<typeof DeviceInfo>

/** Who trains a running run: the process writing it holds a lease it renews by heartbeat. */
export const RunLease = z.strictObject({
  /** A random id of the trainer (one app page, one CLI process). */
  owner: z.string(),
  /** Host name and pid of the process that writes the run to the archive. */
  host: z.string(),
  pid: z.number().int(),
  /** Epoch ms of the last heartbeat. */
  heartbeatAt: z.number(),
})
export type RunLease = z.infer<typeof RunLease>

/** A run's or study's identity across archives (RFC 4122). */
export const Uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID')

export const Run = z.strictObject({
  id: Id,
  uuid: Uuid,
  studyId: Id.nullable(),
  name: z.string(),
  status: RunStatus,
  config: RunConfig,
  configHash: z.string(),
  task: z.string(),
  cell: Cell,
  norm: Norm,
  batchSize: z.number().int(),
  seed: z.number().int(),
  device: DeviceInfo.nullable(),
  createdAt: Time,
  startedAt: Time.nullable(),
  endedAt: Time.nullable(),
  tags: z.array(z.string()),
  notes: z.string(),
  starred: z.boolean(),
  error: z.string().nullable(),
  lease: RunLease.nullable(),
  /** Host name of the machine whose process trained it. */
  host: z.string().nullable(),
})
export type Run = z.infer<typeof Run>

/**
 * How a study's verdicts are judged when its seeds were added in rounds (`sweep --settle`): the
 * seed counts at which its findings are looked at, the boundary that keeps repeated looks from
 * inflating false verdicts (shared/lab/findings/method/sequential.ts), the claims it settles (null:
 * every claim it can answer) and the time it may take.
 */
export const StudyDesign = z.strictObject({
  rule: z.literal('pocock'),
  looks: z
    .array(z.number().int().min(2).max(1000))
    .min(1)
    .max(10)
    .refine((l) => l.every((n, i) => i === 0 || n > l[i - 1]!), 'the looks must grow'),
  claims: z.array(z.enum(FINDING_IDS)).min(1).nullable(),
  budgetMinutes: z.number().positive().max(100_000).nullable(),
})
export type StudyDesign = z.infer<typeof StudyDesign>

export const Study = z.strictObject({
  id: Id,
  uuid: Uuid,
  name: z.string(),
  description: z.string(),
  createdAt: Time,
  runCount: z.number().int().min(0),
  design: StudyDesign.nullable(),
})
export type Study = z.infer<typeof Study>

export const MetricPoint = z.strictObject({
  name: MetricName,
  step: Step,
  value: z.number(),
  /** Milliseconds since the run started, for curves against wall time. */
  wallMs: z.number().min(0),
})
export type MetricPoint = z.infer<typeof MetricPoint>

export const MetricSeries = z.strictObject({
  runId: Id,
  name: z.string(),
  steps: z.array(z.number()),
  values: z.array(z.number()),
  wallMs: z.array(z.number()),
})
export type MetricSeries = z.infer<typeof MetricSeries>

/** A matrix of T rows (time steps) by C columns (features), as nested arrays… */
const NestedMatrix = z
  .array(z.array(MaybeNumber).max(65_536))
  .max(100_000)
  .refine((rows) => rows.every((r) => r.length === rows[0]?.length), 'every row must have the same number of features')

/** …or packed (see packed.ts): what the training worker sends, so the page never touches the numbers. */
export const PackedMatrixSchema = z
  .strictObject({
    rows: z.number().int().min(0).max(100_000),
    columns: z.number().int().min(0).max(65_536),
    base64: z
      .string()
      .max(200_000_000)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  })
  .superRefine((m, ctx) => {
    if (Math.floor((m.base64.replace(/=+$/, '').length * 3) / 4) !== m.rows * m.columns * 4)
      return ctx.addIssue({ code: 'custom', message: 'must hold rows × columns float32 values' })
    // What the import check refuses, a write refuses: finite values, or NaN for "no value" (an
    // infinite one once stored made the run impossible to export).
    if (unpackFloat32(m).some((v) => v === Infinity || v === -Infinity))
      ctx.addIssue({ code: 'custom', message: 'holds an infinite value (only finite values, or NaN for "no value")' })
  })

const Matrix = z.union([NestedMatrix, PackedMatrixSchema])
export type Matrix = z.infer<typeof Matrix>

/** Rows and columns of either form. */
export function matrixShape(m: Matrix): { rows: number; columns: number } {
  return Array.isArray(m) ? { rows: m.length, columns: m[0]?.length ?? 0 } : { rows: m.rows, columns: m.columns }
}

/**
 * One recorded training step's statistics of one normalizer term, for every time step.
 * They are batch statistics of the pre-normalization activation over the valid samples of each
 * time step: for BN exactly what it normalizes with; for LN, GN and no norm the same quantity,
 * recorded so that "positions come from different distributions" is visible in every run.
 * `mean`/`var` summarize the per-feature vectors (their average over features).
 */
export const TimestepRecord = z
  .strictObject({
    step: Step,
    layer: Layer,
    term: Term,
    count: z.array(z.number().int().min(0)).min(1).max(100_000),
    /**
     * How many values each of the normalizer's own statistics averages at each step: the valid
     * samples for per-step BN, every valid (sample, step) pair for sequence-wise BN, the features
     * for LN (per group for GN). Absent where the term has no normalizer.
     */
    normCount: z.array(z.number().int().min(0)).optional(),
    mean: z.array(MaybeNumber),
    var: z.array(MaybeNumber),
    featureMean: Matrix.optional(),
    featureVar: Matrix.optional(),
  })
  .superRefine((r, ctx) => {
    const T = r.count.length
    for (const key of ['normCount', 'mean', 'var'] as const) {
      const v = r[key]
      if (v !== undefined && v.length !== T) {
        ctx.addIssue({ code: 'custom', path: [key], message: `has ${v.length} time steps but count has ${T}` })
      }
    }
    for (const key of ['featureMean', 'featureVar'] as const) {
      const v = r[key]
      if (v !== undefined && matrixShape(v).rows !== T) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `has ${matrixShape(v).rows} time steps but count has ${T}`,
        })
      }
    }
    if ((r.featureMean === undefined) !== (r.featureVar === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['featureVar'], message: 'featureMean and featureVar come together' })
    } else if (
      r.featureMean &&
      r.featureVar &&
      matrixShape(r.featureMean).columns !== matrixShape(r.featureVar).columns
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['featureVar'],
        message: 'featureMean and featureVar must have the same features',
      })
    }
  })
export type TimestepRecord = z.infer<typeof TimestepRecord>

/** Population (running) statistics of one normalizer term per time step, and how often each step was updated. */
export const PopulationRecord = z
  .strictObject({
    layer: Layer,
    term: Term,
    mean: Matrix,
    var: Matrix,
    seen: z.array(z.number().int().min(0)),
  })
  .superRefine((r, ctx) => {
    if (matrixShape(r.mean).rows !== r.seen.length || matrixShape(r.var).rows !== r.seen.length) {
      ctx.addIssue({ code: 'custom', path: ['seen'], message: 'mean, var and seen must cover the same time steps' })
    }
  })
export type PopulationRecord = z.infer<typeof PopulationRecord>

/**
 * One batch's pre-normalization values of one term at one recorded training step, for the
 * explorable: `values` rows are (sample n, time step t) at n·T + t, columns the first `features`
 * of the term's `totalFeatures`; `lengths` is the mask (n valid at t < lengths[n]); `rowMean` and
 * `rowVar` are each (n, t)'s moments over all features in `groups` equal groups (NaN where padded).
 */
const SnapshotFields = z.strictObject({
  term: Term,
  batch: z.number().int().min(1).max(4096),
  timeSteps: z.number().int().min(1).max(2000),
  totalFeatures: z.number().int().min(1).max(65_536),
  groups: z.number().int().min(1).max(256),
  lengths: z.array(z.number().int().min(0).max(2000)).min(1).max(4096),
  values: PackedMatrixSchema,
  rowMean: PackedMatrixSchema,
  rowVar: PackedMatrixSchema,
})

function checkSnapshot(r: z.infer<typeof SnapshotFields>, ctx: z.RefinementCtx): void {
  const rows = r.batch * r.timeSteps
  if (r.lengths.length !== r.batch)
    ctx.addIssue({
      code: 'custom',
      path: ['lengths'],
      message: `has ${r.lengths.length} samples but batch is ${r.batch}`,
    })
  if (r.lengths.some((l) => l > r.timeSteps))
    ctx.addIssue({ code: 'custom', path: ['lengths'], message: `a length is beyond ${r.timeSteps} time steps` })
  if (r.values.rows !== rows || r.values.columns < 1 || r.values.columns > r.totalFeatures)
    ctx.addIssue({
      code: 'custom',
      path: ['values'],
      message: `must be ${rows} rows of 1 to ${r.totalFeatures} features`,
    })
  if (r.totalFeatures % r.groups !== 0)
    ctx.addIssue({
      code: 'custom',
      path: ['groups'],
      message: `${r.groups} groups do not divide ${r.totalFeatures} features`,
    })
  for (const key of ['rowMean', 'rowVar'] as const) {
    if (r[key].rows !== rows || r[key].columns !== r.groups)
      ctx.addIssue({ code: 'custom', path: [key], message: `must be ${rows} rows of ${r.groups} groups` })
  }
}

export const SnapshotRecord = SnapshotFields.superRefine(checkSnapshot)
export type SnapshotRecord = z.infer<typeof SnapshotRecord>
/** A stored snapshot, with the training step it was taken at. */
export const SnapshotRead = SnapshotFields.extend({ step: Step }).superRefine(checkSnapshot)
export type SnapshotRead = z.infer<typeof SnapshotRead>

/** What reads return: always nested arrays. */
export const PopulationRecordRead = z.strictObject({
  layer: Layer,
  term: Term,
  mean: NestedMatrix,
  var: NestedMatrix,
  seen: z.array(z.number().int().min(0)),
})

export const EvaluationResult = z.strictObject({
  step: Step,
  /** The BN policy used past the trained length; "none" for models without per-step BN. */
  policy: z.enum([...BN_POLICIES, 'none']),
  length: z.number().int().min(1).max(100_000),
  metric: MetricName,
  value: z.number(),
})
export type EvaluationResult = z.infer<typeof EvaluationResult>

export const RunFilter = z.strictObject({
  text: z.string().max(200).optional(),
  task: z.string().max(64).optional(),
  cell: Cell.optional(),
  norm: Norm.optional(),
  batchSize: z.number().int().optional(),
  status: RunStatus.optional(),
  tag: Tag.optional(),
  studyId: Id.optional(),
  starred: z.boolean().optional(),
})

export { Name, Tag, Tags, Notes, MetricName, Time }
