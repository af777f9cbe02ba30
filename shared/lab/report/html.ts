// A report as one self-contained HTML file: the findings, tables, configuration and provenance as
// plain HTML (readable without scripts), chart placeholders the embedded report script fills with
// the app's own chart code, the model as JSON and the tidy data as CSV inside the file. A CSP in
// the file allows only that one script (by hash) and no network at all.
import { fill, words } from '../../i18n'
import type { ReportModel } from './model'

export interface ReportAssets {
  /** The bundled report page (out/report/report.js): draws the charts from the embedded model. */
  script: string
  /** base64 SHA-256 of `script`, for the CSP (the host computes it). */
  scriptHash: string
  css: string
}

/** The Content-Security-Policy inside a report: its one script, inline styles, no requests of any kind. */
export function reportCsp(scriptHash: string): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** JSON or CSV inside a <script> element: nothing in it may close the element. */
const escapeScriptText = (text: string) => text.replace(/<\//g, '<\\/').replace(/<!--/g, '<\\!--')
const unescapeScriptText = (text: string) => text.replace(/<\\\//g, '</').replace(/<\\!--/g, '<!--')

/** The model a report's HTML carries (what its charts draw and its plan), or null when the text is no NormLab report. */
export function reportModelOf(html: string): unknown {
  const match = /<script type="application\/json" id="normlab-report">([\s\S]*?)<\/script>/.exec(html)
  if (!match) return null
  try {
    return JSON.parse(unescapeScriptText(match[1]!)) as unknown
  } catch {
    return null
  }
}

const cell = (v: string | number | null) => (v === null ? '—' : escapeHtml(String(v)))

function table(
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  className = 'summary-table',
): string {
  return `<table class="${className}"><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`
}

/** Runs per configuration table: with the settings column, what a printed page holds legibly. */
const CONFIG_COLUMNS = 4

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const time = (ms: number | null, language: string) =>
  ms === null
    ? '—'
    : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + (language === 'zh-CN' ? ' UTC' : ' UTC')

export function reportHtml(model: ReportModel, assets: ReportAssets): string {
  const w = words(model.language)
  const s = w.report
  const empty = (chart: ReportModel['charts'][keyof ReportModel['charts']]) =>
    chart === null || (Array.isArray(chart) && chart.length === 0)
  const chartBlock = (kind: keyof ReportModel['charts'], title: string) =>
    empty(model.charts[kind])
      ? ''
      : `<section class="card report-chart" data-chart="${kind}"><h3>${escapeHtml(title)}</h3><div class="chart-slot" data-chart-slot="${kind}"></div></section>`
  const findings = model.findings
    .map(
      (f) => `<article class="card finding verdict-${f.verdict}" data-finding="${f.id}" data-verdict="${f.verdict}">
  <p class="finding-claim">${escapeHtml(f.claim)}</p>
  <p><span class="verdict-badge">${escapeHtml(f.verdictText)}</span> ${escapeHtml(f.result)}</p>
  ${f.verdict === 'not_applicable' ? '' : `<p class="muted small"><strong>${escapeHtml(s.measure)}:</strong> ${escapeHtml(f.measure)}</p>`}
  ${f.runIds.length > 0 ? `<p class="muted small">${escapeHtml(fill(w.findings.usedRuns, { runs: f.runIds.map((id) => `#${id}`).join(', ') }))}${f.notUsed ? ` ${escapeHtml(f.notUsed)}` : ''}</p>` : f.notUsed ? `<p class="muted small">${escapeHtml(f.notUsed)}</p>` : ''}
  ${f.table ? table(f.table.columns, f.table.rows) : ''}
</article>`,
    )
    .join('\n')
  // Tables a page wide: twelve columns of a run do not fit one, so what it is and how it ended,
  // then where it computed, each its own table (every cell wraps; report.css fixes their layout).
  const runs = [
    table(
      [s.columns.run, s.columns.status, s.columns.seed, s.columns.started, s.columns.ended],
      model.runs.map((r) => [
        `#${r.id} ${r.name}`,
        r.error ? `${r.status}: ${r.error}` : r.status,
        r.seed,
        time(r.startedAt, model.language),
        time(r.endedAt, model.language),
      ]),
      'summary-table runs-table',
    ),
    table(
      [
        s.columns.run,
        s.columns.uuid,
        s.columns.backend,
        s.columns.gpu,
        s.columns.tfjs,
        s.columns.numerics,
        s.columns.host,
        s.columns.platform,
      ],
      model.runs.map((r) => [
        `#${r.id}`,
        r.uuid,
        r.backend,
        r.gpuRenderer,
        r.tfjsVersion,
        r.numerics,
        r.host,
        r.platform,
      ]),
      'summary-table runs-table devices-table',
    ),
  ].join('\n')
  // The configuration as settings × runs, the settings that differ first, at most CONFIG_COLUMNS
  // runs a table (the settings column repeated), so any number of runs fits the page.
  const settings = [...model.config.filter((c) => c.differs), ...model.config.filter((c) => !c.differs)]
  const config = chunk(
    model.runs.map((r, i) => ({ r, i })),
    CONFIG_COLUMNS,
  )
    .map(
      (part) =>
        `<table class="config-table"><thead><tr><th>${escapeHtml(s.setting)}</th>${part.map(({ r }) => `<th>#${r.id}</th>`).join('')}</tr></thead><tbody>${settings
          .map(
            (c) =>
              `<tr class="${c.differs ? 'differs' : ''}"><td class="mono">${escapeHtml(c.key)}</td>${part.map(({ i }) => `<td class="mono">${escapeHtml(c.values[i] ?? '')}</td>`).join('')}</tr>`,
          )
          .join('')}</tbody></table>`,
    )
    .join('\n')
  const p = model.provenance
  const provenance = table(
    [s.appVersion, s.commit, s.schemaVersion, s.madeBy, s.generatedAt, s.archive],
    [
      [
        p.appVersion,
        p.commit,
        p.schemaVersion,
        `${p.madeBy} · ${p.platform}`,
        time(model.generatedAt, model.language),
        p.archivePath,
      ],
    ],
  )
  const data = model.csv
    .map(
      (c) =>
        `<li><button type="button" data-download="${escapeHtml(c.name)}">${escapeHtml(s.download)} ${escapeHtml(c.name)}</button> <span class="muted">${c.text.split('\r\n').length - 2}</span></li>`,
    )
    .join('')
  return `<!doctype html>
<html lang="${model.language}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${reportCsp(assets.scriptHash)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${assets.css}</style>
</head>
<body class="report">
<main class="page report-page">
<header><h1>${escapeHtml(model.title)}</h1><p class="muted">${escapeHtml(s.subtitle)}</p></header>
<section class="report-section">
<h2>${escapeHtml(s.findings)}</h2>
<p class="muted">${escapeHtml(s.findingsIntro)}</p>
${findings}
</section>
<section class="report-section">
<h2>${escapeHtml(s.charts)}</h2>
${chartBlock('curves', model.charts.curves?.metric === 'loss' ? s.trainingCurves : s.curves)}
${chartBlock('profiles', s.profiles)}
${chartBlock('heatmaps', s.heatmaps)}
${chartBlock('population', s.population)}
${chartBlock('lengths', s.lengths)}
${chartBlock('batchSweep', s.batchSweep)}
${chartBlock('explorable', s.explorable)}
</section>
<section class="report-section">
<h2>${escapeHtml(s.runs)}</h2>
${runs}
</section>
<section class="report-section">
<h2>${escapeHtml(s.configuration)}</h2>
<p class="muted">${escapeHtml(s.configurationIntro)}</p>
${config}
</section>
<section class="report-section">
<h2>${escapeHtml(s.provenance)}</h2>
${provenance}
</section>
<section class="report-section">
<h2>${escapeHtml(s.data)}</h2>
<p class="muted">${escapeHtml(s.dataIntro)}</p>
<ul class="report-data">${data}<li><button type="button" data-download="DATA_DICTIONARY.md">${escapeHtml(s.download)} ${escapeHtml(s.dictionary)}</button></li></ul>
</section>
</main>
<script type="application/json" id="normlab-report">${escapeScriptText(JSON.stringify({ ...model, csv: undefined, dictionary: undefined }))}</script>
${model.csv.map((c) => `<script type="text/csv" data-name="${escapeHtml(c.name)}">${escapeScriptText(c.text)}</script>`).join('\n')}
<script type="text/markdown" data-name="DATA_DICTIONARY.md">${escapeScriptText(model.dictionary)}</script>
<script>${assets.script}</script>
</body>
</html>
`
}
