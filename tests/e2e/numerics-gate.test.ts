// The numerics gate in the app: a backend whose numbers are wrong is never trained on. The test
// hook makes WebGL compute its gate with tfjs's own packed matMul (the bug behind NaN gradients on
// a real NVIDIA GPU) and poisoned texture padding, so it fails for real; the lab must skip WebGL,
// say why, and train on the next backend (wasm), recording the check in the run's device info.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteDb } from '../../electron/store/sqlite'
import { tempDir } from '../helpers/temp'
import { launchChromium, serve, type Served, preferBackend } from './harness'

const tmp = tempDir('normlab-gate-')
const dbPath = tmp.file('gate.sqlite')
let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  served = await serve(['--port', '0', '--db', dbPath, '--no-build'])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  await preferBackend(page, 'webgl')
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.addInitScript("localStorage.setItem('normlab.test.numericsFault', 'webgl')")
  await page.goto(served.url)
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  tmp.cleanup()
})

describe('the numerics gate', () => {
  it('skips a backend that fails a reference case, says which value, and falls back to the next', async () => {
    // Settings starts the backend and shows it in full.
    await page.getByRole('link', { name: 'Settings' }).click()
    const badge = page.locator('main [data-testid=env-badge][data-state=ready]')
    await badge.waitFor({ timeout: 120_000 })
    expect(await badge.getAttribute('data-backend')).toBe('wasm')
    const reason = await page.locator('main [data-testid=backend-fallback]').textContent()
    expect(reason).toMatch(/webgl: numerics check failed, cell-\w+-\w+\.json: .+ is not finite/)
    expect(await page.locator('main [data-testid=backend-fallback]').getByRole('link').getAttribute('href')).toBe(
      '#/settings',
    )
    expect(await page.locator('main [data-testid=backend-numerics]').textContent()).toMatch(
      /6 of 6 reference cases pass/,
    )
    // The header's badge says so in short, linking to the reason.
    expect(await page.locator('header [data-testid=backend-fallback]').getAttribute('href')).toBe('#/settings')
    // A result computed under the test hook is never remembered as this GPU's.
    const remembered = (await page.evaluate(`JSON.parse(localStorage.getItem('normlab.numerics') ?? '{}')`)) as Record<
      string,
      { backend: string }
    >
    expect(Object.values(remembered).map((s) => s.backend)).toEqual(['wasm'])
  })

  it('trains on the fallback backend and stores the numerics check with the run', async () => {
    await page.getByRole('link', { name: 'New experiment' }).click()
    await page.getByTestId('preset-bnVsLn').click()
    await page.getByRole('textbox', { name: 'Steps', exact: true }).fill('4')
    await page.getByRole('textbox', { name: 'Longest' }).fill('12')
    await page.getByRole('textbox', { name: 'Test lengths (× training length)' }).fill('1')
    await page.getByRole('textbox', { name: 'Seeds', exact: true }).fill('1')
    await page.getByTestId('run-experiment').click()
    await page.getByTestId('live-idle').waitFor({ timeout: 180_000 })
    const db = await SqliteDb.open(dbPath, { readonly: true })
    try {
      const runs = await db.all<{ status: string; backend: string; device_json: string }>(
        'SELECT status, backend, device_json FROM runs ORDER BY id',
      )
      expect(runs.map((r) => [r.status, r.backend])).toEqual([
        ['completed', 'wasm'],
        ['completed', 'wasm'],
      ])
      const device = JSON.parse(runs[0]!.device_json) as {
        numerics: { backend: string; cases: number; passed: number; failure: string | null }
      }
      expect(device.numerics).toMatchObject({ backend: 'wasm', cases: 6, passed: 6, failure: null })
    } finally {
      await db.close()
    }
  })

  it('had no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([])
  })
})
