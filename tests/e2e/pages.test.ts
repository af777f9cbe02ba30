// Every page as a newcomer sees it, at 1400 and 1000 px, in English and 简体中文, on an archive of a
// real (small) study with seeds: a screenshot each (test-results/pages-*.png), no element wider than
// its container, no clipped text, seeds drawn as groups, and the compute backend started only where
// it is needed (its numerics check remembered after the first time).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import type { Run, Study } from '../../shared/contract'
import { ARTIFACTS, callApi, launchChromium, OVERFLOWS, serve, type Served, preferBackend } from './harness'

const tmp = tempDir('normlab-pages-')
const dbPath = tmp.file('pages.sqlite')
let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []

const PAGES: { name: string; hash: string; ready: string }[] = [
  { name: 'runs', hash: '#/runs', ready: '[data-testid=runs-table]' },
  { name: 'new', hash: '#/new', ready: '[data-testid=run-count]' },
  { name: 'live', hash: '#/live', ready: 'main h1' },
  { name: 'compare', hash: '#/compare?runs=1,2,3,4,5,6,7,8', ready: '[data-testid=findings] article[data-verdict]' },
  { name: 'settings', hash: '#/settings', ready: '[data-testid=theme-select]' },
]

beforeAll(async () => {
  // A pad/mask study with two seeds: groups of two on every chart.
  const trained = await cli([
    'sweep',
    '--task',
    'adding',
    '--norm',
    'bn_step,ln',
    '--batching',
    'mask,pad',
    '--seed',
    '1,2',
    '--steps',
    '24',
    '--hidden',
    '8',
    '--batch',
    '8',
    '--lengths',
    'longtail:4-16',
    '--record-every',
    '6',
    '--eval-every',
    '8',
    '--backend',
    'wasm',
    '--db',
    dbPath,
  ])
  expect(trained.code, trained.err).toBe(0)
  served = await serve(['--port', '0', '--db', dbPath, '--no-build'])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  // wasm: these pages are about layout and what starts when; training on WebGL in the worker is
  // lab.test.ts's (SwiftShader's WebGL gate and training cost this file ~2 minutes).
  await preferBackend(page, 'wasm')
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(served.url)
  await page.getByTestId('runs-table').waitFor()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  tmp.cleanup()
})

async function visit(p: Page, hash: string, ready: string): Promise<void> {
  await p.evaluate(`window.location.hash = ${JSON.stringify(hash)}`)
  await p.locator(ready).first().waitFor({ timeout: 60_000 })
  // Charts draw in tasks of their own; let them finish.
  await p.waitForTimeout(600)
}

describe('every page, as a newcomer sees it', () => {
  it('browsing the archive does not start the compute backend; designing a study does', async () => {
    expect(await page.getByTestId('env-badge').getAttribute('data-state')).toBe('idle')
    await visit(page, '#/compare?runs=1,2', '[data-testid=compare-page]')
    expect(await page.getByTestId('env-badge').getAttribute('data-state')).toBe('idle')
    await visit(page, '#/new', '[data-testid=run-count]')
    await page.locator('[data-testid=env-badge][data-state=ready]').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('env-badge').getAttribute('data-numerics')).toBe('checked')
  }, 180_000)

  it('checks the numerics once: after a reload the remembered check holds (same fingerprint)', async () => {
    await page.reload()
    await visit(page, '#/new', '[data-testid=run-count]')
    await page.locator('[data-testid=env-badge][data-state=ready]').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('env-badge').getAttribute('data-numerics')).toBe('remembered')
  }, 120_000)

  for (const width of [1400, 1000]) {
    for (const language of ['en', 'zh-CN'] as const) {
      it(`fits at ${width} px in ${language}: no overflow, no clipped text`, async () => {
        await page.setViewportSize({ width, height: 900 })
        await page.locator('header [data-testid=language-switch]').selectOption(language)
        const problems: string[] = []
        for (const { name, hash, ready } of PAGES) {
          await visit(page, hash, ready)
          await page.screenshot({ path: join(ARTIFACTS, `pages-${name}-${width}-${language}.png`), fullPage: true })
          for (const p of (await page.evaluate(OVERFLOWS)) as string[]) problems.push(`${name}: ${p}`)
        }
        expect(problems).toEqual([])
      }, 180_000)
    }
  }

  it('shows the runs table whole at 1400 px, with study, batching and a grouped row per setting', async () => {
    await page.setViewportSize({ width: 1400, height: 900 })
    await page.locator('header [data-testid=language-switch]').selectOption('en')
    await visit(page, '#/runs', '[data-testid=runs-table]')
    const fits = await page.evaluate(
      `(() => { const t = document.querySelector('[data-testid=runs-table]'); return t.scrollWidth <= t.parentElement.clientWidth + 1 })()`,
    )
    expect(fits).toBe(true)
    // 8 runs: 4 settings × 2 seeds.
    expect(await page.getByTestId('group-row').count()).toBe(4)
    expect(await page.getByTestId('group-final').first().textContent()).toMatch(/^\d\.\d{3,4}(e[-+]\d+)? ± \d/)
    await page.getByTestId('group-seeds').uncheck()
    expect(await page.locator('[data-testid=runs-table] tbody tr[data-run-id]').count()).toBe(8)
    await page.getByTestId('group-seeds').check()
  })

  it('draws seeds as groups on the compare page: one line per setting with its band, seeds on demand', async () => {
    await visit(page, '#/compare?runs=1,2,3,4,5,6,7,8', '[data-testid=compare-curves]')
    expect(await page.getByTestId('compare-group').count()).toBe(4)
    const groups = page.getByTestId('compare-curves-groups')
    expect(await groups.getAttribute('data-groups')).toBe('4')
    expect(await groups.getAttribute('data-seeds')).toBe('8')
    // 4 groups of 2 seeds: a mean and two band edges each.
    expect(await page.getByTestId('compare-curves').getAttribute('data-series')).toBe('12')
    await page.getByTestId('show-seeds').first().check()
    // The chart redraws in a task of its own: wait for it rather than read it at once.
    await expect
      .poll(() => page.getByTestId('compare-curves').getAttribute('data-series'), { timeout: 10_000 })
      .toBe('20')
    expect(await page.locator('[data-testid^=profile-group-]').count()).toBe(4)
    // Every chart can be kept: its data as CSV (what it plots, each seed's line too now) and its picture as PNG.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('compare-curves').getByTestId('save-csv').click(),
    ])
    expect(csv.suggestedFilename()).toBe('compare-curves.csv')
    const text = readFileSync((await csv.path())!, 'utf8')
    expect(text.split('\r\n')[0]).toMatch(/^series,/)
    // The first field of each row (quoted where a name holds a comma: "pad, no mask").
    expect(
      new Set(
        text
          .split('\r\n')
          .slice(1, -1)
          .map((l) => /^("(?:[^"]|"")*"|[^,]*)/.exec(l)![1]),
      ).size,
    ).toBe(20)
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('compare-curves').getByTestId('save-png').click(),
    ])
    expect(png.suggestedFilename()).toBe('compare-curves.png')
    expect(
      readFileSync((await png.path())!)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')
    const [vectorCurves] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('compare-curves').getByTestId('save-svg').click(),
    ])
    expect(
      (readFileSync((await vectorCurves.path())!, 'utf8').match(/<polyline /g) ?? []).length,
    ).toBeGreaterThanOrEqual(20)
    // Settings against the result: one line per run through the settings that differ (norm, batching, seed).
    const parallel = page.getByTestId('parallel').locator('svg')
    expect(await parallel.getAttribute('data-lines')).toBe('8')
    expect(await parallel.getAttribute('data-axes')).toBe('3')
    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('parallel').getByTestId('save-svg').click(),
    ])
    expect(svg.suggestedFilename()).toBe('parallel-coordinates.svg')
    const vector = readFileSync((await svg.path())!, 'utf8')
    expect(vector).toMatch(/^<\?xml[^>]*>\n<svg /)
    expect((vector.match(/<polyline /g) ?? []).length).toBe(8)
    // Brushing: dragging up from the bottom of the norm axis keeps BN's runs (its lowest category) lit.
    const brush = (await page.getByTestId('brush-0').boundingBox())!
    await page.mouse.move(brush.x + brush.width / 2, brush.y + brush.height - 2)
    await page.mouse.down()
    await page.mouse.move(brush.x + brush.width / 2, brush.y + brush.height * 0.7, { steps: 4 })
    await page.mouse.up()
    expect(await page.getByTestId('parallel-lit').textContent()).toMatch(/^4 of 8 runs lit/)
    expect(await parallel.locator('polyline[data-lit="true"]').count()).toBe(4)
    await page.mouse.click(brush.x + brush.width / 2, brush.y + brush.height / 2)
    expect(await page.getByTestId('parallel-lit').textContent()).toMatch(/^8 of 8 runs lit/)
  })

  it('runs a compared study again: the same settings and seeds as a new study, trained here', async () => {
    await page.setViewportSize({ width: 1400, height: 900 })
    await page.locator('header [data-testid=language-switch]').selectOption('en')
    await visit(page, '#/compare?runs=1,2', '[data-testid=compare-curves]')
    await page.getByTestId('run-again').click()
    expect(await page.getByTestId('run-again-dialog').textContent()).toMatch(/2 runs/)
    await page.getByTestId('run-again-confirm').click()
    await page.getByTestId('live-view').waitFor({ timeout: 30_000 })
    await page.getByTestId('live-idle').waitFor({ timeout: 240_000 })
    const studies = await callApi<Study[]>(served, 'listStudies', {})
    const again = studies.find((st) => st.name.startsWith('Again: '))
    expect(again, studies.map((st) => st.name).join('; ')).toBeDefined()
    const before = await callApi<Run[]>(served, 'listRuns', { filter: { studyId: 1 } })
    const after = await callApi<Run[]>(served, 'listRuns', { filter: { studyId: again!.id } })
    expect(after.map((r) => r.status)).toEqual(['completed', 'completed'])
    const hashes = (runs: Run[]) => runs.map((r) => r.configHash).sort()
    expect(hashes(after)).toEqual(hashes(before.filter((r) => r.id === 1 || r.id === 2)))
  }, 300_000)

  it('runs a study until settled: rounds of seeds in the worker, each round’s verdicts and why it stopped on the Training page', async () => {
    await page.setViewportSize({ width: 1400, height: 900 })
    await visit(page, '#/new', '[data-testid=run-count]')
    await page.getByTestId('preset-bnVsLn').click()
    await page.getByRole('textbox', { name: 'Steps', exact: true }).fill('12')
    await page.getByRole('textbox', { name: 'Longest' }).fill('14')
    await page.getByRole('textbox', { name: 'Record statistics every' }).fill('3')
    await page.getByRole('textbox', { name: 'Evaluate every' }).fill('6')
    await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1')
    await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1, 2')
    expect(await page.getByTestId('settle').isChecked()).toBe(true)
    await page.getByTestId('settle-max-seeds').fill('3')
    expect(await page.getByTestId('run-count').textContent()).toMatch(
      /4 runs first, then more seeds in rounds .* \(at most 6 runs\)/,
    )
    await page.getByTestId('run-experiment').click()
    await page.locator('[data-testid=settle-rounds]:not([data-stop=""])').waitFor({ timeout: 240_000 })
    const rounds = await page.locator('[data-testid^=settle-round-]').count()
    expect(rounds).toBeGreaterThanOrEqual(1)
    expect(rounds).toBeLessThanOrEqual(2)
    const status = await page.getByTestId('settle-status').textContent()
    expect(status).toMatch(
      /settled: every claim|stopped at the most seeds planned \(3\)|stopped: these runs cannot answer/,
    )
    const studies = await callApi<Study[]>(served, 'listStudies', {})
    const settled = studies.find((st) => st.design !== null)
    expect(settled?.design).toMatchObject({ rule: 'pocock', looks: [2, 3] })
    const runs = await callApi<Run[]>(served, 'listRuns', { filter: { studyId: settled!.id } })
    expect(runs.length).toBe(rounds === 1 ? 4 : 6)
    expect(runs.every((r) => r.status === 'completed')).toBe(true)
    expect(new Set(runs.map((r) => r.seed))).toEqual(new Set(rounds === 1 ? [1, 2] : [1, 2, 3]))
    // After the last round the study's findings show, judged at the design's level.
    await page.locator('[data-testid=findings] article[data-verdict]').first().waitFor({ timeout: 60_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'settle-rounds.png'), fullPage: true })
  }, 300_000)

  it('a pause holds: nothing trains until Resume, wherever the run was (the worker reset it at every run)', async () => {
    await visit(page, '#/new', '[data-testid=run-count]')
    await page.getByTestId('preset-bnVsLn').click()
    // Long enough that the pause lands mid-run however fast the worker starts (it trains ~40 steps/s here).
    await page.getByRole('textbox', { name: 'Steps', exact: true }).fill('300')
    await page.getByRole('textbox', { name: 'Longest' }).fill('14')
    await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1')
    await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1')
    await page.getByTestId('run-experiment').click()
    await page.getByTestId('live-view').waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: 'Pause' }).click()
    // The live view shows the last step trained within its next update (≤ 250 ms).
    await page.waitForTimeout(1000)
    const held = await page.getByTestId('live-progress').textContent()
    expect(held).toMatch(/^Step \d+ of 300/i)
    await page.waitForTimeout(4000)
    // Not one step more, and the page says paused.
    expect(await page.getByTestId('live-progress').textContent()).toBe(held)
    expect(await page.getByRole('button', { name: 'Resume' }).isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Resume' }).click()
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 120_000 })
  }, 180_000)

  it('a study whose window closed mid-run resumes: the lab offers it, the paused run goes on from its checkpoint, the queued one starts, nothing twice', async () => {
    await visit(page, '#/new', '[data-testid=run-count]')
    await page.getByTestId('preset-bnVsLn').click()
    await page.getByRole('textbox', { name: 'Steps', exact: true }).fill('400')
    await page.getByRole('textbox', { name: 'Evaluate every' }).fill('10')
    await page.getByRole('textbox', { name: 'Longest' }).fill('14')
    await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1')
    await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1')
    await page.getByTestId('run-experiment').click()
    await page.getByTestId('live-view').waitFor({ timeout: 30_000 })
    const studyRuns = async () =>
      (await callApi<Run[]>(served, 'listRuns', { filter: {} }))
        .filter((r) => r.name.includes('adding') && r.config.steps === 400)
        .sort((a, b) => a.id - b.id)
    await expect
      .poll(
        async () =>
          Number(/Step (\d+) of 400/i.exec((await page.getByTestId('live-progress').textContent()) ?? '')?.[1] ?? 0),
        { timeout: 60_000 },
      )
      .toBeGreaterThanOrEqual(14)
    // Space pauses on the Training page (a keyboard shortcut), as the button does.
    await page.locator('main h1').click()
    await page.keyboard.press('Space')
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 5000 })
    await page.waitForTimeout(1500)
    const [first, second] = await studyRuns()
    expect([first!.status, second!.status]).toEqual(['running', 'queued'])

    // The window closes; the lab opens again in another.
    const reopened = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    await preferBackend(reopened, 'wasm')
    reopened.on('pageerror', (e) => pageErrors.push(e.message))
    await page.close()
    page = reopened
    await page.goto(served.url)
    // The closed page's lease runs out (its heartbeats stop), and the lab sees the run was interrupted.
    await expect
      .poll(
        async () => {
          await page.reload()
          return page
            .getByTestId('resume-offer')
            .isVisible({ timeout: 3000 })
            .catch(() => false)
        },
        { timeout: 120_000, interval: 5000 },
      )
      .toBe(true)
    const offer = page.locator(`[data-testid=resume-study][data-study-id="${first!.studyId}"]`)
    const text = (await offer.textContent()) ?? ''
    expect(text).toMatch(/1 queued, 1 interrupted/)
    const from = Number(new RegExp(`#${first!.id} at step (\\d+)`).exec(text)?.[1])
    expect(from).toBeGreaterThanOrEqual(14)
    await offer.getByRole('button', { name: 'Resume study' }).click()
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 180_000 })
    const done = await studyRuns()
    expect(done.map((r) => r.status)).toEqual(['completed', 'completed'])
    const metrics = await callApi<{ series: { name: string; runId: number; steps: number[] }[] }>(
      served,
      'queryMetrics',
      { runIds: [first!.id], names: ['loss'] },
    )
    expect(metrics.series[0]!.steps).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
    expect(await page.getByTestId('resume-offer').count()).toBe(0)
    // Alt+1 … Alt+6 reach the pages in the header's order; / searches the runs, c compares the
    // selected ones, ? lists the shortcuts.
    await page.keyboard.press('Alt+1')
    await page.getByTestId('runs-table').waitFor()
    expect(await page.evaluate('location.hash')).toBe('#/runs')
    await page.keyboard.press('/')
    expect(await page.evaluate('document.activeElement.dataset.testid')).toBe('filter-text')
    await page.locator('main h1').click()
    await page.locator('[data-testid=runs-table] tbody input[type=checkbox]').first().check()
    await page.keyboard.press('c')
    await page.waitForFunction('location.hash.startsWith("#/compare")')
    await page.keyboard.press('?')
    await page.getByTestId('shortcuts').waitFor()
    expect(await page.getByTestId('shortcuts').locator('kbd').count()).toBe(6)
    await page.keyboard.press('Escape')
    await page.getByTestId('shortcuts').waitFor({ state: 'detached' })
  }, 360_000)

  it('twelve groups, in both languages: Runs with many groups and Compare with twelve fit, a screenshot each', async () => {
    // Every norm but InstanceNorm by two batchings, two seeds: 24 runs, 12 settings.
    const trained = await cli([
      'sweep',
      '--task',
      'adding',
      '--norm',
      'none,bn_step,bn_seq,ln,gn,rms',
      '--batching',
      'mask,pad',
      '--seed',
      '1,2',
      '--steps',
      '12',
      '--hidden',
      '8',
      '--batch',
      '8',
      '--lengths',
      'longtail:4-16',
      '--record-every',
      '6',
      '--eval-every',
      '6',
      '--snapshots',
      'none',
      '--study',
      'twelve',
      '--jobs',
      '2',
      '--backend',
      'wasm',
      '--db',
      dbPath,
    ])
    expect(trained.code, trained.err).toBe(0)
    const study = (await callApi<Study[]>(served, 'listStudies', {})).find((s) => s.name === 'twelve')!
    const ids = (await callApi<Run[]>(served, 'listRuns', { filter: { studyId: study.id } })).map((r) => r.id)
    expect(ids).toHaveLength(24)
    await page.setViewportSize({ width: 1400, height: 900 })
    await page.reload() // the CLI wrote to the archive behind the server's back: no event told the page
    for (const language of ['en', 'zh-CN'] as const) {
      await page.locator('header [data-testid=language-switch]').selectOption(language)
      const problems: string[] = []
      await visit(page, '#/runs', '[data-testid=runs-table]')
      await expect
        .poll(async () => page.getByTestId('group-row').count(), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(12)
      await page.screenshot({ path: join(ARTIFACTS, `pages-runs-many-groups-${language}.png`), fullPage: true })
      for (const p of (await page.evaluate(OVERFLOWS)) as string[]) problems.push(`runs: ${p}`)
      await visit(page, `#/compare?runs=${ids.join(',')}`, '[data-testid=findings] article[data-verdict]')
      expect(await page.getByTestId('compare-group').count()).toBe(12)
      expect(await page.getByTestId('compare-curves-groups').getAttribute('data-groups')).toBe('12')
      await page.screenshot({ path: join(ARTIFACTS, `pages-compare-12-groups-${language}.png`), fullPage: true })
      for (const p of (await page.evaluate(OVERFLOWS)) as string[]) problems.push(`compare: ${p}`)
      expect(problems, language).toEqual([])
    }
    await page.locator('header [data-testid=language-switch]').selectOption('en')
  }, 300_000)

  it('had no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([])
  })
})
