// The lab as a person uses it: the "BN vs LN on variable-length sequences" preset trained on
// WebGL in the page's worker, the live view, the archive, the compare view, 简体中文.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteDb } from '../../electron/store/sqlite'
import { tempDir } from '../helpers/temp'
import { ARTIFACTS, launchChromium, serve, type Served, preferBackend } from './harness'

/**
 * Runs in the page: records every main-thread task over 50 ms (Long Tasks API) and, to explain a
 * failure, the long animation frames that blocked, with the scripts that ran in them.
 */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = []
  window.__blockingFrames = []
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration })
  }).observe({ type: 'longtask' })
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.blockingDuration > 0) window.__blockingFrames.push({
        start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
        scripts: e.scripts.map((x) => x.invoker + ' ' + x.sourceFunctionName + ' ' + Math.round(x.duration) + 'ms' + (x.forcedStyleAndLayoutDuration ? ' (layout ' + Math.round(x.forcedStyleAndLayoutDuration) + 'ms)' : '') + ' ' + (x.sourceURL || '').split('/').pop() + ':' + x.sourceCharPosition),
      })
    }
  }).observe({ type: 'long-animation-frame' })
`

/**
 * Runs in the page before its scripts: every request the page's own thread sends (a worker has
 * its own fetch, so what it sends is not here).
 */
const LOG_PAGE_REQUESTS = `
  window.__pageRequests = []
  const pageFetch = window.fetch.bind(window)
  window.fetch = (input, init) => {
    window.__pageRequests.push(String(input instanceof Request ? input.url : input))
    return pageFetch(input, init)
  }
`

/** What a run's training writes: its start, records, lease, checkpoints and end. */
const TRAINING_WRITES = /\/api\/(append\w+|saveCheckpoint|heartbeatRuns|resumeRun|updateRun)$/

/** The page's own measures of its training-driven work (controller.ts, charts/schedule.ts), slowest first. */
const SLOWEST_MEASURES = `performance.getEntriesByType('measure').filter((e) => e.name.startsWith('normlab:'))
  .map((e) => [e.name.slice(8), Math.round(e.duration)]).sort((a, b) => b[1] - a[1]).slice(0, 12)`

const tmp = tempDir('normlab-lab-')
const dbPath = tmp.file('lab.sqlite')
let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []
let longTasks: { start: number; duration: number }[] = []
/** Long animation frames with the scripts in them: what to look at when the assertion fails. */
let blockingFrames: unknown[] = []

beforeAll(async () => {
  served = await serve(['--port', '0', '--db', dbPath])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  await preferBackend(page, 'webgl')
  await page.addInitScript(LOG_PAGE_REQUESTS)
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(served.url)
  await page.getByTestId('runs-empty').waitFor()
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  tmp.cleanup()
})

describe('the lab in Chromium on WebGL', () => {
  it('trains the BN vs LN preset in the worker on WebGL and shows BN’s valid count falling at late steps', async () => {
    // Browsing the archive left the compute backend alone; designing a study starts it.
    expect(await page.getByTestId('env-badge').getAttribute('data-state')).toBe('idle')
    await page.getByRole('link', { name: 'New experiment' }).click()
    await page.locator('[data-testid=env-badge][data-state=ready]').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('env-badge').getAttribute('data-backend')).toBe('webgl')
    await page.getByTestId('preset-bnVsLn').click()
    // Few, short steps: SwiftShader's WebGL is slow; the lab's behaviour is the same.
    await page.getByRole('textbox', { name: 'Steps', exact: true }).fill('12')
    await page.getByRole('textbox', { name: 'Longest' }).fill('24')
    await page.getByRole('textbox', { name: 'Record statistics every' }).fill('3')
    await page.getByRole('textbox', { name: 'Evaluate every' }).fill('6')
    await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1, 2')
    await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1')
    expect(await page.getByTestId('run-count').textContent()).toMatch(/^2 runs/)
    await page.screenshot({ path: join(ARTIFACTS, 'lab-new-experiment.png'), fullPage: true })
    await page.getByTestId('run-experiment').click()

    await page.getByTestId('live-view').waitFor({ timeout: 30_000 })
    // The first run is BN: its recorded profile has late steps with a single valid sample.
    await page.locator('[data-testid=live-profile-h][data-min-count="1"]').waitFor({ timeout: 120_000 })
    // From here on every main-thread task is driven by training: reports, archive writes, charts.
    await page.evaluate(OBSERVE_LONG_TASKS)
    await page.screenshot({ path: join(ARTIFACTS, 'lab-live.png'), fullPage: true })
    expect(Number(await page.getByTestId('live-loss').getAttribute('data-series'))).toBe(2)
    // A study of two runs says how long the whole study has left, from the measured rate.
    expect(await page.getByTestId('live-study-progress').textContent()).toMatch(
      /^run 0 of 2 done · about \d+(s|m \d\ds) left for the study$/,
    )
    await page.getByTestId('live-idle').waitFor({ timeout: 360_000 })
    longTasks = (await page.evaluate('window.__longTasks')) as typeof longTasks
    // The finished study stays on the Training page, with the way on to comparing its runs.
    expect(await page.getByTestId('live-idle').getAttribute('data-finished')).toBe('true')
    expect(await page.locator('[data-testid=finished-runs] li').count()).toBe(2)
    expect(await page.locator('[data-testid=finished-runs] .status-completed').count()).toBe(2)
    expect(await page.getByTestId('compare-finished').getAttribute('href')).toBe('#/compare?runs=1,2')
    // The study ends in its findings: every claim with a verdict.
    const findings = page.locator('[data-testid=findings] article[data-verdict]')
    await findings.first().waitFor({ timeout: 30_000 })
    expect(await findings.count()).toBe(6)
    expect(await page.locator('[data-finding=lateSteps] .finding-claim').textContent()).toMatch(
      /late time steps have few valid samples/,
    )
    await page.screenshot({ path: join(ARTIFACTS, 'lab-findings.png'), fullPage: true })
    // …and its report downloads as one HTML file, findings first.
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('export-html').first().click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^normlab-report-study-1\.html$/)
    const saved = join(ARTIFACTS, download.suggestedFilename())
    await download.saveAs(saved)
    const report = readFileSync(saved, 'utf8')
    expect(report).toMatch(/^<!doctype html>/)
    expect(report).toContain('data-finding="lateSteps"')
    blockingFrames = (await page.evaluate('window.__blockingFrames')) as unknown[]
    console.log('slowest main-thread work (ms)', JSON.stringify(await page.evaluate(SLOWEST_MEASURES)))
    const longest = longTasks.reduce((most, t) => Math.max(most, t.duration), 0)
    console.log(
      longest > 0
        ? `the main thread's longest task while the study trained: ${Math.round(longest)} ms (${longTasks.length} over 50 ms)`
        : "the main thread's longest task while the study trained: under 50 ms (no long task)",
    )
  })

  it('wrote every record from the worker: the page itself sent none of the runs’ writes', async () => {
    const sent = (await page.evaluate('window.__pageRequests')) as string[]
    // The page did talk to the archive (it created the study and its runs, and reads its views)…
    expect(sent.some((url) => url.endsWith('/api/createRun'))).toBe(true)
    // …but every metric, statistic, checkpoint, lease renewal and run status came from the worker.
    expect(sent.filter((url) => TRAINING_WRITES.test(url))).toEqual([])
  })

  it('never blocked the page while training: no main-thread task over 100 ms', () => {
    // 100 ms is RAIL's budget for answering input. The Long Tasks API reports every task over
    // 50 ms; here SwiftShader emulates the GPU on the page's own two cores, and tasks whose
    // measured work is 15–35 ms (charts, archive writes) now and then stretch to 52–64 ms of
    // wall time (seen in about one run in three). Those are printed, not failed.
    const over = longTasks.filter((t) => t.duration > 100)
    if (longTasks.length > 0) console.log('main-thread tasks over 50 ms', JSON.stringify(longTasks))
    expect(over, `blocking frames: ${JSON.stringify(blockingFrames, null, 1)}`).toEqual([])
  })

  it('kept both runs in the archive file with their per-timestep statistics', async () => {
    const db = await SqliteDb.open(dbPath, { readonly: true })
    try {
      const runs = await db.all<{ id: number; norm: string; status: string; backend: string }>(
        'SELECT id, norm, status, backend FROM runs ORDER BY id',
      )
      expect(runs.map((r) => [r.norm, r.status, r.backend])).toEqual([
        ['bn_step', 'completed', 'webgl'],
        ['ln', 'completed', 'webgl'],
      ])
      for (const run of runs) {
        const stats = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM timestep_stats WHERE run_id = ?', [run.id])
        expect(stats!.n, `statistics of run ${run.id}`).toBe(3 * 5) // x, h, c at steps 1, 3, 6, 9, 12
        const loss = await db.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND name = 'loss'",
          [run.id],
        )
        expect(loss!.n).toBe(12)
        const evaluations = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM evaluations WHERE run_id = ?', [
          run.id,
        ])
        expect(evaluations!.n).toBeGreaterThan(0)
      }
      const population = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM population_stats WHERE run_id = ?', [
        runs[0]!.id,
      ])
      expect(population!.n).toBeGreaterThan(0)
    } finally {
      await db.close()
    }
  })

  it('compares both runs: curves drawn, BN’s statistics from one sample at late steps, LN’s from every feature', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    const checks = page.locator('[data-testid=runs-table] tbody input[type=checkbox]')
    await checks.nth(0).check()
    await checks.nth(1).check()
    await page.getByTestId('compare-selected').click()
    await page.getByTestId('compare-page').waitFor()
    // Two settings of one seed each: two groups, one line each.
    await page.locator('[data-testid=compare-curves][data-series="2"]').waitFor()
    const [bnGroup, lnGroup] = [0, 1]
    const bn = 1
    await page.locator(`[data-testid=profile-group-${bnGroup}][data-min-count="1"]`).waitFor({ timeout: 20_000 })
    await page.locator(`[data-testid=profile-group-${lnGroup}]`).waitFor()
    await page.getByTestId(`heatmap-${bn}`).waitFor()
    await page.getByTestId('length-section').waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'lab-compare.png'), fullPage: true })
  })

  it('switches the whole interface to 简体中文', async () => {
    await page.locator('header [data-testid=language-switch]').selectOption('zh-CN')
    await page.getByRole('heading', { name: '对比 2 次运行' }).waitFor()
    await page.getByRole('heading', { name: '逐时间步统计量' }).waitFor()
    expect(await page.getByRole('link', { name: '新建实验' }).count()).toBe(1)
    await page.screenshot({ path: join(ARTIFACTS, 'lab-compare-zh.png'), fullPage: true })
    await page.locator('header [data-testid=language-switch]').selectOption('en')
  })

  it('finds both runs in the archive after the app restarts', async () => {
    await served.stop()
    served = await serve(['--port', '0', '--db', dbPath, '--no-build'])
    await page.goto(served.url)
    const rows = page.locator('[data-testid=runs-table] tbody tr')
    await rows.first().waitFor()
    expect(await rows.count()).toBe(2)
    expect(await page.locator('[data-testid=runs-table] .status-completed').count()).toBe(2)
  })

  it('had no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([])
  })
})
