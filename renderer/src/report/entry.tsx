// The script inside an exported report (bundled by scripts/build-report.mjs): draws the report's
// charts with the app's own chart code from the model embedded in the file, offers the attached
// CSV files for download, and says when everything is drawn (for printing to PDF).
import { createRoot } from 'react-dom/client'
import { flushSync } from 'react-dom'
import type { ReportModel } from '../../../shared/lab/report/model'
import { fill, words } from '../../../shared/i18n'
import { setLabelText } from '../../../shared/lab/findings/describe'
import { Heatmap } from '../charts/Heatmap'
import { SnapshotGrid } from '../explore/SnapshotGrid'
import { decodeSnapshot, statisticAt } from '../../../shared/lab/views/explorable'
import { GroupLinesChart } from '../charts/GroupLinesChart'
import { LineChart } from '../charts/LineChart'
import { GroupProfileChart } from '../charts/ProfileChart'
import { whenChartsIdle } from '../charts/schedule'
import { colorAt, faint } from '../charts/setup'
import { setLanguage } from '../i18n'

declare global {
  interface Window {
    __normlabReportReady?: boolean
  }
}

type Model = Omit<ReportModel, 'csv' | 'dictionary'>

const model = JSON.parse(document.getElementById('normlab-report')!.textContent!) as Model
setLanguage(model.language, false)
const w = words(model.language)
const s = w.report
const colorOf = new Map(model.runs.map((r, i) => [r.id, colorAt(i)]))

function Charts({ kind }: { kind: keyof Model['charts'] }) {
  const c = model.charts
  switch (kind) {
    case 'curves':
      return (
        c.curves && (
          <GroupLinesChart
            lines={c.curves.lines}
            xTitle={s.step}
            yTitle={s.loss}
            logY={c.curves.logByDefault}
            height={300}
            testId="report-curves"
          />
        )
      )
    case 'lengths':
      return (
        c.lengths && (
          <GroupLinesChart
            lines={c.lengths.lines}
            xTitle={s.length}
            yTitle={s.loss}
            logY={c.lengths.logByDefault}
            height={280}
            testId="report-lengths"
            variantName={(p) => w.policy[p as keyof typeof w.policy]?.name ?? p}
          />
        )
      )
    case 'batchSweep':
      return (
        c.batchSweep && (
          <GroupLinesChart
            lines={c.batchSweep.lines}
            xTitle={s.batchSize}
            yTitle={s.loss}
            logY={c.batchSweep.logByDefault}
            logX
            height={260}
            testId="report-batch"
          />
        )
      )
    case 'profiles':
      return (
        <div className="report-grid">
          {c.profiles.map((p) => (
            <GroupProfileChart
              key={p.group}
              view={p}
              title={`${setLabelText(p.label, model.language)} · ${fill(p.seeds.length === 1 ? w.groups.seeds_one : w.groups.seeds_other, { count: p.seeds.length })} · ${s.step} ${p.steps[0]}`}
              height={200}
            />
          ))}
        </div>
      )
    case 'heatmaps':
      return (
        <div className="report-grid">
          {c.heatmaps.map((h) => (
            <Heatmap
              key={h.runId}
              steps={h.steps}
              values={h.values}
              timeSteps={h.values.reduce((m, r) => Math.max(m, r.length), 0)}
              label={h.label}
            />
          ))}
        </div>
      )
    case 'explorable':
      return (
        <div className="report-grid">
          {c.explorable.map((e) => {
            const snapshot = decodeSnapshot(e.snapshot)
            const stat = statisticAt(snapshot, e.norm, e.groups, e.cell, 1e-5)
            return (
              <div key={e.runId} data-testid="report-explorable" data-norm={e.norm}>
                <h4>{e.label}</h4>
                <SnapshotGrid
                  snapshot={snapshot}
                  grid="time"
                  norm={e.norm}
                  groups={e.groups}
                  selected={e.cell}
                  onSelect={() => {}}
                  width={360}
                  height={140}
                  testId={`report-grid-time-${e.runId}`}
                />
                <SnapshotGrid
                  snapshot={snapshot}
                  grid="features"
                  norm={e.norm}
                  groups={e.groups}
                  selected={e.cell}
                  onSelect={() => {}}
                  width={360}
                  height={140}
                  testId={`report-grid-features-${e.runId}`}
                />
                <p className="muted small">
                  {fill(s.explorableCaption, {
                    norm: w.norm[e.norm],
                    step: snapshot.step,
                    t: e.cell.t,
                    n: e.cell.n,
                    count: stat?.count ?? 0,
                  })}
                </p>
              </div>
            )
          })}
        </div>
      )
    case 'population':
      return (
        <div className="report-grid">
          {c.population.map((p) => (
            <div key={p.label}>
              <h4>{p.label}</h4>
              <LineChart
                series={[
                  { label: s.variance, points: p.var.map((y, x) => ({ x, y })), color: colorOf.get(p.runId)! },
                  {
                    label: s.updates,
                    points: p.seen.map((y, x) => ({ x, y })),
                    color: faint('#868e96', 0.45),
                    axis: 'y2',
                    kind: 'bar',
                  },
                ]}
                xTitle={s.timeStep}
                yTitle={s.variance}
                y2Title={s.updates}
                zoom={false}
                height={200}
              />
            </div>
          ))}
        </div>
      )
  }
}

for (const slot of document.querySelectorAll<HTMLElement>('[data-chart-slot]')) {
  flushSync(() => createRoot(slot).render(<Charts kind={slot.dataset.chartSlot as keyof Model['charts']} />))
}

// The attached files: the CSV tables and the data dictionary, each a download.
for (const button of document.querySelectorAll<HTMLButtonElement>('[data-download]')) {
  button.addEventListener('click', () => {
    const name = button.dataset.download!
    const source = document.querySelector(`script[data-name="${CSS.escape(name)}"]`)
    const text = (source?.textContent ?? '').replace(/<\\\//g, '</').replace(/<\\!--/g, '<!--')
    const url = URL.createObjectURL(new Blob([text], { type: name.endsWith('.csv') ? 'text/csv' : 'text/markdown' }))
    const a = document.createElement('a')
    a.href = url
    a.download = name
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  })
}

// Every chart was created and filled (creation and filling are queued tasks of their own).
void (async () => {
  await new Promise((r) => setTimeout(r, 0))
  await whenChartsIdle()
  await whenChartsIdle()
  window.__normlabReportReady = true
  document.body.dataset.ready = 'true'
})()
