// A report's content, built once from the archive's data and the findings: what the HTML file
// shows as text, what its charts draw, and the tidy data attached to it. Pure: the Node side
// gathers the data and writes the file; the report page draws the charts from this model.
import { words, type Language } from '../../i18n'
import type { MetricSeries, SnapshotRead } from '../../contract/schemas'
import { isBatchNorm, normDefinition, type NormKind } from '../../kinds'
import {
  columnName,
  describeFinding,
  heldOutLoss,
  showEffect,
  type ChartKind,
  type Finding,
  type RunData,
  type StudyData,
} from '../findings'
import { meanOfFinite } from '../findings/method/stats'
import {
  batchSweepView,
  curvesView,
  groupBySeed,
  lengthsView,
  profileView,
  type BatchSweepView,
  type CurvesView,
  type LengthsView,
  type ProfileView,
} from '../views'
import { configTable } from '../views/config-table'
import { TrainConfig } from '../../contract/train-config'
import type { ReportPlan } from '../sweep-plan'

export interface ReportProvenance {
  appVersion: string
  commit: string
  schemaVersion: number
  /** Where the report was made: the app, web mode or the CLI, and that machine's OS. */
  madeBy: string
  platform: string
  archivePath: string
}

export interface ReportRun {
  id: number
  uuid: string
  name: string
  norm: string
  cell: string
  batchSize: number
  seed: number
  status: string
  error: string | null
  backend: string | null
  gpuRenderer: string | null
  tfjsVersion: string | null
  platform: string | null
  host: string | null
  numerics: string | null
  createdAt: number
  startedAt: number | null
  endedAt: number | null
}

export interface ReportFinding {
  id: Finding['id']
  verdict: Finding['verdict']
  claim: string
  verdictText: string
  result: string
  measure: string
  /** Runs it could have used but did not, with why ("" when none). */
  notUsed: string
  /** The effect and its interval as a line ("×3.2 [×2.1, ×4.9], 3 seeds"), or null. */
  effect: string | null
  runIds: number[]
  table: { columns: string[]; rows: (string | number | null)[][] } | null
  charts: ChartKind[]
}

/**
 * The report's charts: the same view models (shared/lab/views) as the Compare page, drawn by the
 * same components. Seeds are groups: one line per group, the mean with its 95 % band.
 */
export interface ReportCharts {
  /** Held-out loss against the step (training loss when it was evaluated fewer than 10 times). */
  curves: CurvesView | null
  /** The recurrent term's statistics per time step at the last recorded step, per group of seeds. */
  profiles: ProfileView[]
  /** The recurrent term's batch mean, training step × time step, per run. */
  heatmaps: { runId: number; label: string; steps: number[]; values: (number | null)[][] }[]
  /** BN's population variance and updates per time step (the last snapshot), per run. */
  population: { runId: number; label: string; var: (number | null)[]; seen: number[] }[]
  /** Held-out loss against the evaluation length, per group and policy. */
  lengths: LengthsView | null
  /** Final held-out loss against batch size, per group. */
  batchSweep: BatchSweepView | null
  /** The explorable as pictures: one batch of a BN run (and of a same-seed run with a per-sample norm) at its last snapshot, a late time step selected. */
  explorable: ReportExplorable[]
}

/** One run's snapshot drawn as the explorable's two grids, with the cell whose shared statistic is outlined. */
export interface ReportExplorable {
  runId: number
  label: string
  norm: NormKind
  groups: number
  snapshot: SnapshotRead
  cell: { n: number; t: number; f: number }
}

/** A curve needs this many points to show a course (fewer: the training loss is drawn instead). */
const CURVE_POINTS = 10

export interface ReportModel {
  language: Language
  title: string
  generatedAt: number
  provenance: ReportProvenance
  runs: ReportRun[]
  findings: ReportFinding[]
  charts: ReportCharts
  /** Configuration keys with each run's value; `differs` when not all runs agree. */
  config: { key: string; values: string[]; differs: boolean }[]
  /** The runs' configurations, so the study can be run again from the report (sweep --from-report); null when none is a valid configuration. */
  plan: ReportPlan | null
  /** The tidy data behind the report (the same tables as the full data export). */
  csv: { name: string; text: string }[]
  dictionary: string
}

const average = meanOfFinite

function runLabel(r: Pick<RunData, 'run'>): string {
  return `#${r.run.id} ${r.run.cell.toUpperCase()} ${r.run.norm} · b${r.run.batchSize}${(r.run.config as { batching?: string }).batching && (r.run.config as { batching?: string }).batching !== 'mask' ? ` · ${(r.run.config as { batching?: string }).batching}` : ''} · s${r.run.seed}`
}

/** A term's batch mean per recorded step (training step × time step), read at the chart's own resolution. */
export interface HeatmapGrid {
  runId: number
  steps: number[]
  values: (number | null)[][]
}

/** Heatmaps keep at most this many recorded steps, evenly spaced (the CSV has them all). */
export const HEATMAP_ROWS = 200

function charts(data: StudyData, heatmaps: readonly HeatmapGrid[]): Omit<ReportCharts, 'explorable'> {
  const runs = data.runs.map((r) => r.run)
  const groups = groupBySeed(runs)
  const series: MetricSeries[] = data.runs.flatMap((r) =>
    Object.entries(r.metrics).map(([name, s]) => ({
      runId: r.run.id,
      name,
      steps: s.steps,
      values: s.values,
      wallMs: s.wallMs,
    })),
  )
  const evaluated = data.runs.every((r) => (r.metrics['eval/loss']?.steps.length ?? 0) >= CURVE_POINTS)
  const curves = curvesView(groups, series, {
    metric: evaluated ? 'eval/loss' : 'loss',
    x: 'step',
    smoothing: evaluated ? 0 : 0.6,
  })
  const profiles = groups
    .map((g) =>
      profileView(
        g,
        data.runs.flatMap((r) => {
          const rows = r.terms.h
          if (!rows || rows.steps.length === 0) return []
          const last = rows.steps.length - 1
          return [
            {
              runId: r.run.id,
              step: rows.steps[last]!,
              count: rows.count[last]!,
              normCount: rows.normCount[last] ?? null,
              mean: rows.mean[last] ?? [],
              var: rows.var[last] ?? [],
            },
          ]
        }),
      ),
    )
    .filter((v): v is ProfileView => v !== null)
  const out: Omit<ReportCharts, 'explorable'> = {
    curves: curves.lines.length > 0 ? curves : null,
    profiles,
    heatmaps: [],
    population: [],
    lengths: null,
    batchSweep: batchSweepView(runs, (run) => heldOutLoss(data.runs.find((r) => r.run.id === run.id)!), 'eval/loss'),
  }
  const lengths = lengthsView(
    groups,
    data.runs.flatMap((r) => r.evaluations.map((e) => ({ ...e, runId: r.run.id }))),
    'loss',
  )
  if (lengths.lines.length > 0) out.lengths = lengths
  for (const r of data.runs) {
    const label = runLabel(r)
    const heatmap = heatmaps.find((h) => h.runId === r.run.id)
    if (heatmap && heatmap.steps.length > 0)
      out.heatmaps.push({ runId: r.run.id, label, steps: heatmap.steps, values: heatmap.values })
    const pop = r.population?.records.find((p) => p.term === 'h') ?? r.population?.records[0]
    if (pop)
      out.population.push({
        runId: r.run.id,
        label: `${label} · ${pop.term}`,
        var: pop.var.map(average),
        seen: pop.seen,
      })
  }
  return out
}

export interface ReportMeta {
  title: string
  provenance: ReportProvenance
  /** Each run's host name and platform string (false: left out, the report's default). */
  hostDetails?: boolean
  generatedAt: number
  /** The recurrent term's heatmap grids, per run (read by the Node side at HEATMAP_ROWS). */
  heatmaps: readonly HeatmapGrid[]
  /** Each run's last snapshot of the recurrent term, where it kept one. */
  snapshots?: readonly { runId: number; snapshot: SnapshotRead }[]
  /** The tidy tables as CSV, written by the same code as the full data export, and their dictionary. */
  csv: { name: string; text: string }[]
  dictionary: string
}

/**
 * The explorable's pictures: a run with a batch norm and the same-seed, same-batching run with a
 * per-sample norm beside it (the same batch), at a late time step where some samples are padding.
 */
function explorable(
  data: StudyData,
  snapshots: readonly { runId: number; snapshot: SnapshotRead }[],
): ReportExplorable[] {
  const of = (id: number) => snapshots.find((s) => s.runId === id)?.snapshot
  const runs = data.runs.map((r) => r.run).filter((r) => of(r.id))
  const batching = (r: (typeof runs)[number]) => (r.config as { batching?: string }).batching
  const bn = runs.find((r) => isBatchNorm(r.norm as NormKind))
  if (!bn) return []
  const partner = runs.find(
    (r) =>
      r.seed === bn.seed &&
      batching(r) === batching(bn) &&
      normDefinition(r.norm as NormKind).over === 'features' &&
      of(r.id)!.step === of(bn.id)!.step,
  )
  const s = of(bn.id)!
  const counts = Array.from({ length: s.timeSteps }, (_, t) => s.lengths.filter((l) => l > t).length)
  const lastWhere = (ok: (c: number) => boolean) => counts.reduce((found, c, i) => (ok(c) ? i : found), -1)
  const late = lastWhere((c) => c > 0 && c < s.batch)
  const t = late >= 0 ? late : lastWhere((c) => c > 0)
  const cell = {
    n: Math.max(
      0,
      s.lengths.findIndex((l) => l > t),
    ),
    t: Math.max(0, t),
    f: 0,
  }
  return [bn, ...(partner ? [partner] : [])].map((r) => ({
    runId: r.id,
    label: `${runLabel({ run: r })} · ${r.norm}`,
    norm: r.norm as NormKind,
    groups: (r.config as { groups?: number }).groups ?? 1,
    snapshot: of(r.id)!,
    cell,
  }))
}

/** Every run whose configuration is valid today, to be run again (older archives may hold others). */
function planOf(data: StudyData, study: string): ReportPlan | null {
  const runs = data.runs.flatMap((r) => {
    const config = TrainConfig.safeParse(r.run.config)
    return config.success ? [{ name: r.run.name, config: config.data }] : []
  })
  return runs.length === 0
    ? null
    : { format: 'normlab-report-plan', version: 1, study: study.slice(0, 200) || 'NormLab study', runs }
}

/** An effect with its interval, as one line. */
function effectLine(f: Finding): string | null {
  const e = f.effect
  if (!e) return null
  const show = (v: number | null) => showEffect(v, f.unit)
  return e.low === null
    ? `${show(e.mean)} (n = ${e.n})`
    : `${show(e.mean)} [${show(e.low)}, ${show(e.high)}] (n = ${e.n})`
}

export function buildReportModel(
  data: StudyData,
  findings: readonly Finding[],
  language: Language,
  meta: ReportMeta,
): ReportModel {
  const w = words(language)
  const strings = w.report
  return {
    language,
    title: meta.title,
    generatedAt: meta.generatedAt,
    provenance: meta.provenance,
    runs: data.runs.map((r) => ({
      id: r.run.id,
      uuid: r.run.uuid,
      name: r.run.name,
      norm: r.run.norm,
      cell: r.run.cell,
      batchSize: r.run.batchSize,
      seed: r.run.seed,
      status: r.run.status,
      error: r.run.error,
      backend: r.run.device?.backend ?? null,
      gpuRenderer: r.run.device?.gpuRenderer ?? null,
      tfjsVersion: r.run.device?.tfjsVersion ?? null,
      platform: meta.hostDetails ? (r.run.device?.platform ?? null) : null,
      host: meta.hostDetails ? r.run.host : null,
      numerics: r.run.device?.numerics
        ? `${r.run.device.numerics.passed}/${r.run.device.numerics.cases} ${strings.referenceCases} (${strings.worst} ${r.run.device.numerics.worstRatio?.toFixed(2) ?? '—'}${r.run.device.numerics.strict ? `, ${strings.strict}` : ''})`
        : null,
      createdAt: r.run.createdAt,
      startedAt: r.run.startedAt,
      endedAt: r.run.endedAt,
    })),
    findings: findings.map((f) => {
      const said = describeFinding(f, language)
      const verdicts = w.findings.verdict as Record<string, string>
      return {
        id: f.id,
        verdict: f.verdict,
        claim: said.claim,
        verdictText: said.verdict,
        result: said.result,
        measure: said.measure,
        notUsed: said.notUsed,
        effect: effectLine(f),
        runIds: f.runIds,
        table: f.table
          ? {
              columns: f.table.columns.map((c) => columnName(c, language)),
              rows: f.table.rows.map((row) =>
                row.map((v) => (typeof v === 'string' && v in verdicts ? verdicts[v]! : v)),
              ),
            }
          : null,
        charts: f.charts,
      }
    }),
    charts: { ...charts(data, meta.heatmaps), explorable: explorable(data, meta.snapshots ?? []) },
    config: configTable(data.runs.map((r) => r.run.config)),
    plan: planOf(data, meta.title),
    csv: meta.csv,
    dictionary: meta.dictionary,
  }
}
