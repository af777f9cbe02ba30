// The one contract between the renderer and the Node side: request name → request and response
// schemas. Handlers, the preload bridge, the HTTP client and channel names are all derived from it.
import { z } from 'zod'
import { EFFECT_UNITS, FINDING_IDS, VERDICTS } from '../kinds'
import { TrainConfig } from './train-config'
import { TrainingCheckpoint } from './checkpoint'
import {
  DeviceInfo,
  EvaluationResult,
  Id,
  Layer,
  MetricName,
  MetricPoint,
  MetricSeries,
  Name,
  Notes,
  PackedMatrixSchema,
  PopulationRecord,
  PopulationRecordRead,
  SnapshotRecord,
  SnapshotRead,
  Run,
  RunError,
  RunFilter,
  RunStatus,
  Step,
  Study,
  StudyDesign,
  Tags,
  Term,
  TimestepRecord,
  Uuid,
} from './schemas'

const Empty = z.strictObject({})
/** A streamed import's id (beginImport). */
const UploadId = z.string().regex(/^[0-9a-f]{32}$/, 'an upload id from beginImport')
/** The largest piece of a streamed import: 8 MiB (under the web API's body limit once base64). */
export const IMPORT_CHUNK_BYTES = 8 * 1024 * 1024
/** A trainer's random id (see RunLease). */
const OwnerId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'an owner id is 8 to 64 of A-Z a-z 0-9 _ -')
const ByRun = z.strictObject({ runId: Id })
const Appended = z.strictObject({ written: z.number().int().min(0) })

export const EnvironmentInfo = z.strictObject({
  appVersion: z.string(),
  archivePath: z.string(),
  schemaVersion: z.number().int(),
  /** Which host serves the contract: the Electron main process, `npm run serve`, or the CLI. */
  host: z.enum(['electron', 'web', 'cli']),
})

export const TimestepProfile = z.strictObject({
  step: Step,
  layer: Layer,
  term: Term,
  count: z.array(z.number()),
  normCount: z.array(z.number()).nullable(),
  mean: z.array(z.number().nullable()),
  var: z.array(z.number().nullable()),
  featureMean: z.array(z.array(z.number().nullable())).nullable(),
  featureVar: z.array(z.array(z.number().nullable())).nullable(),
})

export const TimestepGrid = z.strictObject({
  layer: Layer,
  term: Term,
  field: z.enum(['mean', 'var', 'count', 'normCount']),
  /** The training steps of the rows, ascending. */
  steps: z.array(z.number()),
  /** Time steps per row (the longest recorded). */
  timeSteps: z.number().int(),
  /** values[i][t]: the field at training step steps[i] and time step t; null where nothing was valid. */
  values: z.array(z.array(z.number().nullable())),
  /** How many recorded steps exist in all (rows may be decimated to maxRows). */
  totalSteps: z.number().int(),
})

/** Chosen recorded steps of one term, whole: summaries, and per-feature matrices (packed) where asked for. */
export const TimestepRows = z.strictObject({
  layer: Layer,
  term: Term,
  rows: z.array(
    z.strictObject({
      step: Step,
      count: z.array(z.number().int()),
      normCount: z.array(z.number().int()).nullable(),
      mean: z.array(z.number().nullable()),
      var: z.array(z.number().nullable()),
      /** [T × C] per feature (NaN: no valid sample); null when not asked for or not recorded. */
      featureMean: PackedMatrixSchema.nullable(),
      featureVar: PackedMatrixSchema.nullable(),
    }),
  ),
})

export const TimestepSeriesInfo = z.strictObject({
  layer: Layer,
  term: Term,
  timeSteps: z.number().int(),
  features: z.number().int(),
  recordedSteps: z.number().int(),
  firstStep: z.number().int(),
  lastStep: z.number().int(),
})

export const PopulationSnapshot = z.strictObject({
  step: Step,
  records: z.array(PopulationRecordRead),
})

const RunRef = z.strictObject({ uuid: Uuid, name: z.string(), id: Id })

/** What an import did: runs added, skipped (already here, same content), in conflict, replaced. */
export const ImportSummary = z.strictObject({
  added: z.array(RunRef),
  skipped: z.array(RunRef),
  /** incoming_newer: taken with replaceNewer; here_newer: kept; still_training: the source's run has not ended. */
  conflicts: z.array(
    RunRef.extend({ reason: z.enum(['incoming_newer', 'here_newer', 'still_training']), message: z.string() }),
  ),
  replaced: z.array(RunRef),
  studiesAdded: z.array(RunRef),
  source: z.strictObject({ manifest: z.boolean(), schemaVersion: z.number().int(), runs: z.number().int() }),
})
export type ImportSummary = z.output<typeof ImportSummary>

/** An effect over seeds: its mean and 95 % interval in the finding's unit, and how many seeds (or seed pairs). */
/** An effect: its mean, its interval at `level` (0.95; wider for a study settled in rounds) and the number of seeds. */
const EffectSummary = z.strictObject({
  mean: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  n: z.number().int().min(0),
  level: z.number().gt(0).lt(1),
})

/** A finding as data (the CLI's --json, a report's response): shared/lab/findings/summary.ts makes it. */
export const FindingSummary = z.strictObject({
  id: z.enum(FINDING_IDS),
  verdict: z.enum(VERDICTS),
  /** Not applicable: why (an id of the catalogue's findings.reasons); null otherwise. */
  reason: z.string().nullable(),
  /** The values the reason's message names (e.g. which settings confound a comparison). */
  reasonValues: z.record(z.string(), z.string()),
  unit: z.enum(EFFECT_UNITS),
  minEffect: z.number().nullable(),
  effect: EffectSummary.nullable(),
  /** Inconclusive: how many seeds would likely settle it (80 % power); null otherwise or beyond reach. */
  seedsToSettle: z.number().int().nullable(),
  runIds: z.array(Id),
  excluded: z.array(z.strictObject({ runId: Id, reason: z.string() })),
  sets: z.array(
    z.strictObject({
      label: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
      runIds: z.array(Id),
      verdict: z.enum(VERDICTS),
      effect: EffectSummary.nullable(),
      reason: z.string().nullable(),
    }),
  ),
})
export type FindingSummary = z.output<typeof FindingSummary>

const MetricAt = z.strictObject({ step: Step, value: z.number() }).nullable()
export const RunMetricSummary = z.strictObject({
  runId: Id,
  /** The value at the last step recorded. */
  final: MetricAt,
  /** The lowest (loss, …) or highest (accuracy) value, and its step. */
  best: MetricAt,
})
export type RunMetricSummary = z.output<typeof RunMetricSummary>

export const contract = {
  getEnvironment: { request: Empty, response: EnvironmentInfo },
  /** Shows the archive file in the system's file manager (Electron only; false elsewhere). */
  revealArchive: { request: Empty, response: z.strictObject({ revealed: z.boolean() }) },

  createStudy: {
    request: z.strictObject({
      name: Name,
      description: Notes.default(''),
      /** A planned sweep's study: every run archive of the sweep names the same one, so an import merges them. Given and present: that study is returned. */
      uuid: Uuid.optional(),
      /** Seeds added in rounds until its claims are settled: how its verdicts are judged. */
      design: StudyDesign.nullable().default(null),
    }),
    response: Study,
  },
  listStudies: { request: Empty, response: z.array(Study) },

  createRun: {
    request: z.strictObject({
      name: Name,
      /** The same schema as the form and the CLI: every door refuses what the planner refuses. */
      config: TrainConfig,
      studyId: Id.nullable().default(null),
      status: z.enum(['queued', 'running']).default('queued'),
      tags: Tags.default([]),
      notes: Notes.default(''),
      device: DeviceInfo.nullable().default(null),
    }),
    response: Run,
  },
  listRuns: {
    request: z.strictObject({ filter: RunFilter.default({}) }),
    response: z.array(Run),
  },
  getRun: { request: z.strictObject({ id: Id }), response: Run },
  updateRun: {
    request: z
      .strictObject({
        id: Id,
        name: Name.optional(),
        tags: Tags.optional(),
        notes: Notes.optional(),
        starred: z.boolean().optional(),
        status: RunStatus.optional(),
        device: DeviceInfo.optional(),
        /** Why a run failed or diverged. */
        error: RunError.nullable().optional(),
        /** With status "running": the trainer takes the run's lease (the host adds its host name and pid). */
        lease: z.strictObject({ owner: OwnerId }).optional(),
        /** The trainer's lease this change is made under: needed to end a running run or change its device or error. */
        owner: OwnerId.optional(),
      })
      .refine((r) => Object.keys(r).length > 1, 'nothing to update: give at least one field besides id'),
    response: Run,
  },
  deleteRun: { request: z.strictObject({ id: Id }), response: z.strictObject({ deleted: z.boolean() }) },
  /** A running run's training state at the end of a step (its trainer only); replaces the last one. */
  saveCheckpoint: {
    request: z.strictObject({ runId: Id, owner: OwnerId, checkpoint: TrainingCheckpoint }),
    response: z.strictObject({ step: Step, bytes: z.number().int().min(0) }),
  },
  /** Queued and interrupted runs (of one study, or all): what can go on, and from which step. */
  listResumable: {
    request: z.strictObject({ studyId: Id.optional() }),
    response: z.array(
      z.strictObject({ runId: Id, studyId: Id.nullable(), status: z.enum(['queued', 'interrupted']), fromStep: Step }),
    ),
  },
  /**
   * Starts a queued, interrupted or failed run again under the trainer's lease, from its last checkpoint
   * (null: from step 0); what it recorded after that step is deleted, so nothing is written twice.
   */
  resumeRun: {
    request: z.strictObject({ id: Id, owner: OwnerId, device: DeviceInfo.optional() }),
    response: z.strictObject({ run: Run, checkpoint: TrainingCheckpoint.nullable() }),
  },
  /** The trainer's heartbeat: renews the leases it holds on running runs. */
  heartbeatRuns: {
    request: z.strictObject({ owner: OwnerId, runIds: z.array(Id).min(1).max(100) }),
    response: z.strictObject({ renewed: z.array(Id) }),
  },

  /** Final and best value of one metric per run (the Runs table's columns). */
  summarizeRuns: {
    request: z.strictObject({ metric: MetricName, runIds: z.array(Id).max(100_000).optional() }),
    response: z.array(RunMetricSummary),
  },

  appendMetrics: {
    request: z.strictObject({ runId: Id, owner: OwnerId, points: z.array(MetricPoint).min(1).max(100_000) }),
    response: Appended,
  },
  queryMetrics: {
    request: z.strictObject({
      runIds: z.array(Id).min(1).max(100),
      names: z.array(MetricName).max(50).optional(),
    }),
    response: z.strictObject({ series: z.array(MetricSeries) }),
  },

  appendTimestepStats: {
    request: z.strictObject({ runId: Id, owner: OwnerId, records: z.array(TimestepRecord).min(1).max(10_000) }),
    response: Appended,
  },
  listTimestepSeries: { request: ByRun, response: z.array(TimestepSeriesInfo) },
  /** The training steps at which a term's statistics were recorded (what a step slider offers). */
  listRecordedSteps: {
    request: z.strictObject({ runId: Id, layer: Layer.default(0), term: Term }),
    response: z.strictObject({ steps: z.array(Step) }),
  },
  getTimestepProfile: {
    request: z.strictObject({
      runId: Id,
      layer: Layer.default(0),
      term: Term,
      /** The recorded step at or before this one; the latest when omitted. */
      step: Step.optional(),
    }),
    response: TimestepProfile,
  },
  getTimestepGrid: {
    request: z.strictObject({
      runId: Id,
      layer: Layer.default(0),
      term: Term,
      field: z.enum(['mean', 'var', 'count', 'normCount']),
      maxRows: z.number().int().min(1).max(100_000).default(2000),
    }),
    response: TimestepGrid,
  },

  /** Exactly the recorded steps asked for (those that exist), with per-feature matrices for featureSteps: what a finding reads. */
  getTimestepRows: {
    request: z.strictObject({
      runId: Id,
      layer: Layer.default(0),
      term: Term,
      steps: z.array(Step).min(1).max(64),
      featureSteps: z.array(Step).max(64).default([]),
    }),
    response: TimestepRows,
  },

  appendPopulationStats: {
    request: z.strictObject({
      runId: Id,
      owner: OwnerId,
      step: Step,
      records: z.array(PopulationRecord).min(1).max(64),
    }),
    response: Appended,
  },
  appendSnapshots: {
    request: z.strictObject({ runId: Id, owner: OwnerId, step: Step, records: z.array(SnapshotRecord).min(1).max(8) }),
    response: Appended,
  },
  /** The run's snapshots: which steps and terms exist, and (with step and term) one of them. */
  getSnapshot: {
    request: z.strictObject({ runId: Id, step: Step.optional(), term: Term.optional() }),
    response: z.strictObject({
      available: z.array(z.strictObject({ step: Step, term: Term })),
      snapshot: SnapshotRead.nullable(),
    }),
  },
  getPopulationStats: {
    request: z.strictObject({ runId: Id, step: Step.optional() }),
    response: PopulationSnapshot.nullable(),
  },

  /** A report of a study or of chosen runs: one self-contained HTML file, or its PDF. */
  exportReport: {
    request: z
      .strictObject({
        runIds: z.array(Id).min(1).max(256).optional(),
        studyId: Id.optional(),
        language: z.enum(['en', 'zh-CN']).default('en'),
        format: z.enum(['html', 'pdf']).default('html'),
        paper: z.enum(['A4', 'Letter']).default('A4'),
        /** basic: no absolute paths, host names or platform strings (a shared report tells nobody where files are kept); full: all of them. */
        provenance: z.enum(['basic', 'full']).default('basic'),
      })
      .refine((r) => (r.runIds === undefined) !== (r.studyId === undefined), 'give either runIds or studyId'),
    response: z.strictObject({
      fileName: z.string(),
      mimeType: z.enum(['text/html', 'application/pdf']),
      /** The file's bytes, base64. */
      base64: z.string(),
      title: z.string(),
      findings: z.array(FindingSummary),
    }),
  },

  /** Chosen runs, a study or everything as one .normlab file (transfer.ts), for another machine's archive. */
  exportArchive: {
    request: z
      .strictObject({
        runIds: z.array(Id).min(1).max(100_000).optional(),
        studyId: Id.optional(),
        all: z.literal(true).optional(),
      })
      .refine(
        (r) => [r.runIds, r.studyId, r.all].filter((v) => v !== undefined).length === 1,
        'give exactly one of runIds, studyId or all',
      ),
    response: z.strictObject({
      fileName: z.string(),
      base64: z.string(),
      bytes: z.number().int(),
      runs: z.number().int(),
      studies: z.number().int(),
      /** Runs a damaged archive could not yield whole: left out of the file, each with why. */
      unreadable: z.array(z.strictObject({ id: Id, name: z.string().nullable(), reason: z.string() })),
      /** A damaged archive's tables with damaged pages: runs taken from them may lack some rows. */
      damagedTables: z.array(z.string()),
    }),
  },
  /** Merges a .normlab file or another archive into this one, in one transaction; idempotent by UUID and checksum. */
  importArchive: {
    request: z.strictObject({
      fileName: z.string().min(1).max(255),
      base64: z.base64().min(4),
      /** Same UUID, other content, incoming newer: take it (otherwise reported and kept as it is). */
      replaceNewer: z.boolean().default(false),
    }),
    response: ImportSummary,
  },

  /**
   * An import streamed in pieces (the page's Import): no size limit but the disk's. begin names the
   * file and its size; each piece is appended at its offset; finish checks and merges it exactly as
   * importArchive does. An upload left unfinished for an hour is dropped.
   */
  beginImport: {
    request: z.strictObject({
      fileName: z.string().min(1).max(255),
      bytes: z
        .number()
        .int()
        .min(1)
        .max(2 ** 44),
    }),
    response: z.strictObject({ uploadId: UploadId, chunkBytes: z.number().int().min(1) }),
  },
  importChunk: {
    request: z.strictObject({
      uploadId: UploadId,
      offset: z.number().int().min(0),
      base64: z
        .base64()
        .min(4)
        .max(Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4),
    }),
    response: z.strictObject({ received: z.number().int().min(0) }),
  },
  finishImport: {
    request: z.strictObject({ uploadId: UploadId, replaceNewer: z.boolean().default(false) }),
    response: ImportSummary,
  },

  appendEvaluations: {
    request: z.strictObject({ runId: Id, owner: OwnerId, results: z.array(EvaluationResult).min(1).max(10_000) }),
    response: Appended,
  },
  listEvaluations: {
    request: z.strictObject({ runIds: z.array(Id).min(1).max(100) }),
    response: z.array(EvaluationResult.extend({ runId: Id })),
  },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>

export type Contract = typeof contract
export type RequestName = keyof Contract
/** What a caller sends (defaults may be left out). */
export type RequestInput<K extends RequestName> = z.input<Contract[K]['request']>
/** What a handler receives: validated, defaults filled in. */
export type RequestOf<K extends RequestName> = z.output<Contract[K]['request']>
export type ResponseOf<K extends RequestName> = z.output<Contract[K]['response']>

/** The Node side implements this: one typed handler per request. */
export type Handlers = { [K in RequestName]: (request: RequestOf<K>) => Promise<ResponseOf<K>> }
/** The renderer calls this: one named function per request. */
export type NormLabApi = { [K in RequestName]: (request: RequestInput<K>) => Promise<ResponseOf<K>> }

export const requestNames = Object.keys(contract) as RequestName[]

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(contract, name)
}

/** The IPC channel of a request; the only place channel names are made. */
export function channelOf(name: RequestName): `normlab:${RequestName}` {
  return `normlab:${name}`
}
