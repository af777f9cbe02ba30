// The app (web mode, the real page training in its worker) when the archive misbehaves under it:
// another program holds a lock while it trains, and the archive file is deleted while it trains.
// Nothing may be lost silently: runs end "completed" with every step, or the user is asked.
import { rmSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteDb } from '../../electron/store/sqlite'
import { readArchive as read, untilLossPoints } from '../helpers/archive'
import { tempDir } from '../helpers/temp'
import { launchChromium, serve, type Served, preferBackend } from './harness'

const tmp = tempDir('normlab-trouble-')
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  tmp.cleanup()
})

/** Opens the app on a fresh archive and starts the BN vs LN preset, small. */
async function startStudy(db: string, steps: number): Promise<{ served: Served; page: Page }> {
  const served = await serve(['--port', '0', '--db', db, '--no-build'])
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } })
  await preferBackend(page, 'webgl')
  await page.goto(served.url)
  // Designing a study starts the compute backend.
  await page.getByRole('link', { name: 'New experiment' }).click()
  await page.locator('[data-testid=env-badge][data-state=ready]').waitFor({ timeout: 120_000 })
  await page.getByTestId('preset-bnVsLn').click()
  await page.getByRole('textbox', { name: 'Steps', exact: true }).fill(String(steps))
  await page.getByRole('textbox', { name: 'Longest' }).fill('12')
  await page.getByRole('textbox', { name: 'Record statistics every' }).fill('5')
  await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1')
  await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1')
  await page.getByTestId('run-experiment').click()
  await page.getByTestId('live-view').waitFor({ timeout: 30_000 })
  return { served, page }
}

describe('the archive under trouble, with the app training', () => {
  it('a lock held by another program for 8 s: both runs complete with every loss step present', async () => {
    const db = tmp.file('locked.sqlite')
    const { served, page } = await startStudy(db, 30)
    await untilLossPoints(db, 2, 120_000)
    const holder = await SqliteDb.open(db)
    await holder.exec('PRAGMA busy_timeout = 10000; BEGIN EXCLUSIVE')
    await new Promise((r) => setTimeout(r, 8000))
    await holder.exec('COMMIT')
    await holder.close()
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 240_000 })
    const runs = await read<{ id: number; status: string; error: string | null }>(
      db,
      'SELECT id, status, error FROM runs ORDER BY id',
    )
    expect(runs.map((r) => [r.status, r.error])).toEqual([
      ['completed', null],
      ['completed', null],
    ])
    for (const run of runs) {
      const steps = await read<{ step: number }>(
        db,
        `SELECT step FROM metrics WHERE run_id = ${run.id} AND name = 'loss' ORDER BY step`,
      )
      expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    }
    await page.close()
    await served.stop()
  })

  it('the archive file deleted while training: training pauses and the user is told which run, which file and why', async () => {
    const db = tmp.file('deleted.sqlite')
    const { served, page } = await startStudy(db, 400)
    await untilLossPoints(db, 2, 120_000)
    rmSync(db)
    const dialog = page.getByTestId('write-blocked')
    await dialog.waitFor({ timeout: 60_000 })
    expect(await dialog.textContent()).toContain(db)
    expect(await page.getByTestId('write-blocked-reason').textContent()).toMatch(
      /was deleted or moved while NormLab had it open/,
    )
    // Paused: no more steps while the question is open (after the live view's last update, ≤ 250 ms).
    await new Promise((r) => setTimeout(r, 1000))
    const progress = await page.getByTestId('live-progress').textContent()
    await new Promise((r) => setTimeout(r, 1500))
    expect(await page.getByTestId('live-progress').textContent()).toBe(progress)
    await page.getByTestId('write-blocked-stop').click()
    // The run cannot be marked anywhere (its file is gone): the page says so instead of "completed".
    await page.locator('[data-testid=live-idle][data-finished=true]').waitFor({ timeout: 60_000 })
    const finished = await page.getByTestId('finished-runs').textContent()
    expect(finished).not.toMatch(/Completed/)
    expect(finished).toMatch(/deleted or moved/)
    await page.close()
    await served.stop()
  })
})
