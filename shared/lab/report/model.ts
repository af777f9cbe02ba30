// A report's content, built once from the archive's data and the findings: what the HTML file
// shows as text, what its charts draw, and the tidy data attached to it. Pure: the Node side
// gathers the data and writes the file; the report page draws the charts from this model.
import { words, type Language } from '../../i18n'
import { columnName, describeFinding, showEffect, type ChartKind, type Finding, type RunData, type StudyData } from '../findings'
import { meanOfFinite } from '../findings/stats'

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

export type Point = [number, number | null]

export interface ReportCharts {
  /** Held-out (or training) loss against the step, per run. */
  curves: { runId: number; label: string; points: Point[] }[]
  /** The recurrent term's statistics per time step at the last recorded step, per run. */
  profiles: { runId: number; label: string; step: number; count: number[]; normCount: number[] | null; mean: (number | null)[]; var: (number | null)[] }[]
  /** The recurrent term's batch mean, training step × time step, per run. */
  heatmaps: { runId: number; label: string; steps: number[]; values: (number | null)[][] }[]
  /** BN's population variance and updates per time step (the last snapshot), per run. */
  population: { runId: number; label: string; var: (number | null)[]; seen: number[] }[]
  /** Held-out loss against the evaluation length, per run and policy. */
  lengths: { runId: number; label: string; points: Point[] }[]
  /** Final held-out loss against batch size, per norm (mean over seeds). */
  batchSweep: { label: string; points: Point[] }[]
}

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
  /** The tidy data behind the report (the same tables as the full data export). */
  csv: { name: string; text: string }[]
  dictionary: string
}

const average = meanOfFinite

function flatten(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: JSON.stringify(value) }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) Object.assign(out, flatten(v, prefix ? `${prefix}.${k}` : k))
  return out
}

function runLabel(r: RunData): string {
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

function charts(data: StudyData, heatmaps: readonly HeatmapGrid[]): ReportCharts {
  const out: ReportCharts = { curves: [], profiles: [], heatmaps: [], population: [], lengths: [], batchSweep: [] }
  for (const r of data.runs) {
    const label = runLabel(r)
    const curve = r.metrics['eval/loss'] && r.metrics['eval/loss'].steps.length > 1 ? r.metrics['eval/loss'] : r.metrics.loss
    if (curve) out.curves.push({ runId: r.run.id, label, points: curve.steps.map((s, i) => [s, curve.values[i] ?? null]) })
    const grid = r.terms.h
    if (grid && grid.steps.length > 0) {
      const last = grid.steps.length - 1
      out.profiles.push({ runId: r.run.id, label, step: grid.steps[last]!, count: grid.count[last]!, normCount: grid.normCount[last] ?? null, mean: grid.mean[last] ?? [], var: grid.var[last] ?? [] })
    }
    const heatmap = heatmaps.find((h) => h.runId === r.run.id)
    if (heatmap && heatmap.steps.length > 0) out.heatmaps.push({ runId: r.run.id, label, steps: heatmap.steps, values: heatmap.values })
    const pop = r.population?.records.find((p) => p.term === 'h') ?? r.population?.records[0]
    if (pop) out.population.push({ runId: r.run.id, label: `${label} · ${pop.term}`, var: pop.var.map(average), seen: pop.seen })
    const policies = [...new Set(r.evaluations.filter((e) => e.metric === 'loss').map((e) => e.policy))]
    for (const policy of policies) {
      const lastStep = r.evaluations.reduce((m, e) => Math.max(m, e.step), 0)
      const points = r.evaluations
        .filter((e) => e.metric === 'loss' && e.policy === policy && e.step === lastStep)
        .sort((a, b) => a.length - b.length)
        .map((e): Point => [e.length, e.value])
      out.lengths.push({ runId: r.run.id, label: `${label} · ${policy}`, points })
    }
  }
  const sizes = [...new Set(data.runs.map((r) => r.run.batchSize))].sort((a, b) => a - b)
  if (sizes.length > 1) {
    for (const norm of [...new Set(data.runs.map((r) => r.run.norm))]) {
      const points = sizes
        .map((size): Point => {
          const values = data.runs.filter((r) => r.run.norm === norm && r.run.batchSize === size).map((r) => r.metrics['eval/loss']?.values.at(-1) ?? r.metrics.loss?.values.at(-1) ?? null)
          return [size, average(values)]
        })
        .filter((p) => p[1] !== null)
      out.batchSweep.push({ label: norm, points })
    }
  }
  return out
}

export interface ReportMeta {
  title: string
  provenance: ReportProvenance
  generatedAt: number
  /** The recurrent term's heatmap grids, per run (read by the Node side at HEATMAP_ROWS). */
  heatmaps: readonly HeatmapGrid[]
  /** The tidy tables as CSV, written by the same code as the full data export, and their dictionary. */
  csv: { name: string; text: string }[]
  dictionary: string
}

/** An effect with its interval, as one line. */
function effectLine(f: Finding): string | null {
  const e = f.effect
  if (!e) return null
  const show = (v: number | null) => showEffect(v, f.unit)
  return e.low === null ? `${show(e.mean)} (n = ${e.n})` : `${show(e.mean)} [${show(e.low)}, ${show(e.high)}] (n = ${e.n})`
}

export function buildReportModel(data: StudyData, findings: readonly Finding[], language: Language, meta: ReportMeta): ReportModel {
  const w = words(language)
  const strings = w.report
  const flat = data.runs.map((r) => flatten(r.run.config))
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort()
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
      platform: r.run.device?.platform ?? null,
      host: r.run.host,
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
        table: f.table ? { columns: f.table.columns.map((c) => columnName(c, language)), rows: f.table.rows.map((row) => row.map((v) => (typeof v === 'string' && v in verdicts ? verdicts[v]! : v))) } : null,
        charts: f.charts,
      }
    }),
    charts: charts(data, meta.heatmaps),
    config: keys.map((key) => {
      const values = flat.map((f) => f[key] ?? '—')
      return { key, values, differs: new Set(values).size > 1 }
    }),
    csv: meta.csv,
    dictionary: meta.dictionary,
  }
}
