// Runs side by side in the app: on WebAssembly a study's runs train two at a time in two workers,
// each writing the archive itself. Each run is the run it would be trained alone (every metric,
// statistic and evaluation bit for bit), and a stop mid-study loses nothing either run wrote.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { firstSteps, keptSteps, readArchive } from '../helpers/archive'
import { tempDir } from '../helpers/temp'
import { launchChromium, preferBackend, serve, type Served } from './harness'

const tmp = tempDir('normlab-parallel-')
const db = tmp.file('parallel.sqlite')
let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  served = await serve(['--port', '0', '--db', db])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1300, height: 900 } })
  await preferBackend(page, 'wasm', 2)
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(served.url)
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  tmp.cleanup()
})

/** Starts the BN vs LN preset (two runs), small, from the New experiment page. */
async function startStudy(steps: number): Promise<void> {
  // The header's link (a finished study's card has one too).
  await page.locator('header').getByRole('link', { name: 'New experiment' }).click()
  await page.locator('[data-testid=env-badge][data-state=ready]').waitFor({ timeout: 120_000 })
  await page.getByTestId('preset-bnVsLn').click()
  await page.getByRole('textbox', { name: 'Steps', exact: true }).fill(String(steps))
  await page.getByRole('textbox', { name: 'Longest' }).fill('14')
  await page.getByRole('textbox', { name: 'Record statistics every' }).fill('5')
  await page.getByRole('textbox', { name: 'Evaluate every' }).fill('10')
  await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1, 2')
  await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1')
  await page.getByTestId('run-experiment').click()
  await page.getByTestId('live-view').waitFor({ timeout: 30_000 })
}

/** Everything a run computed, in a form two runs can be compared by (blobs as hex; not its step times). */
async function recorded(runId: number) {
  return {
    metrics: await readArchive(
      db,
      `SELECT name, step, value FROM metrics WHERE run_id = ${runId} AND name <> 'step_ms' ORDER BY name, step`,
    ),
    stats: await readArchive(
      db,
      `SELECT layer, term, step, hex(count) AS count, hex(mean) AS mean, hex(var) AS var
       FROM timestep_stats WHERE run_id = ${runId} ORDER BY layer, term, step`,
    ),
    evaluations: await readArchive(
      db,
      `SELECT step, policy, length, metric, value FROM evaluations WHERE run_id = ${runId} ORDER BY step, policy, length, metric`,
    ),
  }
}

/** Settings → Runs at once, as the page keeps it; the page reloads to read it. */
async function runsAtOnce(n: number): Promise<void> {
  await page.evaluate(`(() => {
    const settings = JSON.parse(localStorage.getItem('normlab.settings') ?? '{}')
    localStorage.setItem('normlab.settings', JSON.stringify({ ...settings, parallelRuns: ${n} }))
  })()`)
  await page.reload()
}

const runsOf = (studyId: number) =>
  readArchive<{ id: number; status: string; error: string | null }>(
    db,
    `SELECT id, status, error FROM runs WHERE study_id = ${studyId} ORDER BY id`,
  )

describe('runs side by side on WebAssembly', () => {
  it('trains a study’s two runs at once, each in its own worker, both shown', async () => {
    await startStudy(120)
    // The second run trains beside the first (a spare worker), its progress shown under it.
    await page.locator('[data-testid=live-alongside] li').waitFor({ timeout: 60_000 })
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 180_000 })
    expect((await runsOf(1)).map((r) => r.status)).toEqual(['completed', 'completed'])
  }, 240_000)

  it('each run is the run trained alone: every metric, statistic and evaluation identical, bit for bit', async () => {
    // The same study again, one run at a time.
    await runsAtOnce(1)
    await startStudy(120)
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 180_000 })
    const [together, alone] = [await runsOf(1), await runsOf(2)]
    expect(alone.map((r) => r.status)).toEqual(['completed', 'completed'])
    for (const [i, run] of together.entries()) {
      const [a, b] = [await recorded(run.id), await recorded(alone[i]!.id)]
      expect(a.metrics.length).toBeGreaterThan(80)
      expect(a.stats.length).toBeGreaterThan(0)
      expect(a.evaluations.length).toBeGreaterThan(0)
      expect(a).toEqual(b)
    }
  }, 240_000)

  it('a stop mid-study stops both runs: each ends "interrupted" with every step it trained, nothing lost', async () => {
    await runsAtOnce(2)
    await startStudy(2000)
    await page.locator('[data-testid=live-alongside] li').waitFor({ timeout: 60_000 })
    // Both have trained a while.
    await expect
      .poll(
        async () =>
          (
            await readArchive<{ n: number }>(
              db,
              "SELECT MIN(n) AS n FROM (SELECT COUNT(*) AS n FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.study_id = 3 AND m.name = 'loss' GROUP BY m.run_id HAVING COUNT(*) > 0)",
            ).catch(() => [{ n: 0 }])
          )[0]?.n ?? 0,
        { timeout: 60_000 },
      )
      .toBeGreaterThanOrEqual(10)
    await page.getByRole('button', { name: 'Stop' }).click()
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 60_000 })
    const runs = await runsOf(3)
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted'])
    for (const run of runs) {
      // Every step from the first to the last, no gap; and a checkpoint at the last, to resume from.
      const { steps, checkpoint } = await keptSteps(db, run.id)
      expect(steps).toEqual(firstSteps(steps.length))
      expect(checkpoint).toBe(steps.at(-1))
    }
  }, 240_000)

  it('had no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([])
  })
})
