import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Archive } from '../../electron/store'
import { REFERENCE_CASES } from '../../shared/engine/numerics'
import { SqliteDb } from '../../electron/store/sqlite'
import { MIGRATIONS, tempDir } from '../helpers/temp'
import { ARTIFACTS, callApi, launchChromium, serve, serveExit, type Served, preferBackend } from './harness'

const tmp = tempDir('normlab-e2e-')
const dbPath = tmp.file('web.sqlite')
let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  served = await serve(['--port', '0', '--db', dbPath])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await preferBackend(page, 'webgl')
  page.on('pageerror', (e) => pageErrors.push(e.message))
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  tmp.cleanup()
})

describe('web mode in Chromium', () => {
  it('prints a URL, opens the app, and initializes the WebGL backend', async () => {
    expect(served.output()).toContain(`archive ${dbPath}`)
    await page.goto(served.url)
    // The token left the address bar once the page took it.
    expect(page.url()).not.toContain('token=')
    await page.getByTestId('runs-empty').waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'web-mode-empty.png') })
    // Settings starts the compute backend and shows it in full.
    await page.getByRole('link', { name: 'Settings' }).click()
    const badge = page.locator('main [data-testid=env-badge]')
    await badge.and(page.locator('[data-state=ready]')).waitFor({ timeout: 60_000 })
    expect(await badge.getAttribute('data-backend')).toBe('webgl')
    expect(await badge.textContent()).toMatch(/WebGL 2/)
    expect(await badge.textContent()).toMatch(/float32 textures/)
    // WebGL passed the numerics gate before it became the backend (a fresh profile: checked now).
    expect(await page.locator('main [data-testid=backend-numerics]').textContent()).toMatch(
      /numerics checked: 6 of 6 reference cases pass/,
    )
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
  })

  it('the page carries the strict CSP and is cross-origin isolated', async () => {
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
    expect(meta).toMatch(/script-src 'self' 'wasm-unsafe-eval'/)
    expect(await page.evaluate('self.crossOriginIsolated')).toBe(true)
  })

  it('shows a run created through the API in the runs table, and the SQLite file holds it', async () => {
    const run = await callApi<{ id: number }>(served, 'createRun', {
      name: 'BN-LSTM on variable lengths',
      config: { task: 'adding', cell: 'lstm', norm: 'bn_step', batchSize: 8, seed: 3 },
      tags: ['e2e'],
    })
    const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${run.id}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await row.textContent()).toContain('BN-LSTM on variable lengths')
    expect(await row.textContent()).toContain('BN per step')

    const db = await SqliteDb.open(dbPath, { readonly: true })
    const stored = await db.get<{ name: string; norm: string }>('SELECT name, norm FROM runs WHERE id = ?', [run.id])
    await db.close()
    expect(stored).toEqual({ name: 'BN-LSTM on variable lengths', norm: 'bn_step' })
    await page.screenshot({ path: join(ARTIFACTS, 'web-mode-run.png') })
  })

  it('runs the full numerics self-check on WebGL from Settings: every reference case passes, padding poisoned', async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByTestId('self-check').click()
    const summary = page.getByTestId('self-check-summary')
    await page.locator('[data-testid=self-check]:not([disabled])').waitFor({ timeout: 120_000 })
    expect(await summary.textContent()).toBe(
      `${REFERENCE_CASES.length} of ${REFERENCE_CASES.length} cases pass on webgl.`,
    )
    expect(await page.locator('[data-testid=self-check-table] tr[data-pass=false]').count()).toBe(0)
    await page.screenshot({ path: join(ARTIFACTS, 'web-mode-self-check.png'), fullPage: true })
    // The full check is remembered for this GPU and app version, strict on WebGL.
    const remembered = (await page.evaluate(`JSON.parse(localStorage.getItem('normlab.numerics') ?? '{}')`)) as Record<
      string,
      { backend: string; cases: number; strict: boolean }
    >
    expect(Object.values(remembered)).toEqual([
      expect.objectContaining({ backend: 'webgl', cases: REFERENCE_CASES.length, strict: true }),
    ])
    await page.getByRole('link', { name: 'Runs' }).click()
  })

  it('starts the wasm backend in web mode when chosen (it never started here before), then goes back to WebGL', async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByTestId('backend-select').selectOption('wasm')
    const badge = page.locator('[data-testid=env-badge][data-state=ready]').first()
    await page
      .locator('[data-testid=env-badge][data-state=ready][data-backend=wasm]')
      .first()
      .waitFor({ timeout: 40_000 })
    expect(await page.locator('main [data-testid=backend-numerics]').textContent()).toMatch(
      /6 of 6 reference cases pass/,
    )
    expect(await page.getByTestId('backend-fallback').count()).toBe(0)
    await page.getByTestId('backend-select').selectOption('webgl')
    await page
      .locator('[data-testid=env-badge][data-state=ready][data-backend=webgl]')
      .first()
      .waitFor({ timeout: 60_000 })
    expect(await badge.getAttribute('data-backend')).toBe('webgl')
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
  })

  it('refuses API requests without the token', async () => {
    const res = await fetch(`${served.origin}/api/listRuns`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(401)
  })

  it('switches the language to 简体中文 and keeps it after a reload', async () => {
    await page.locator('header [data-testid=language-switch]').selectOption('zh-CN')
    await page.getByRole('link', { name: '运行记录' }).waitFor()
    // The navigation and the table re-render in separate commits: wait for the table's header too.
    await page.getByRole('columnheader', { name: '批大小' }).waitFor()
    expect(await page.getByRole('columnheader', { name: '批大小' }).count()).toBe(1)
    expect(await page.getByRole('columnheader', { name: '归一化' }).count()).toBe(1)
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    await page.screenshot({ path: join(ARTIFACTS, 'web-mode-zh.png') })
    await page.reload()
    await page.getByRole('link', { name: '新建实验' }).waitFor()
    // The token survived the reload in session storage, so the table still loads.
    await page.getByTestId('runs-table').waitFor()
  })

  it('had no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([])
  })
})

describe('start-up refusals', () => {
  it('refuses an archive made by a newer schema with a clear message and leaves it unchanged', async () => {
    const newer = tmp.file('newer.sqlite')
    const archive = await Archive.open(newer, { migrations: MIGRATIONS })
    await archive.close()
    const db = await SqliteDb.open(newer)
    await db.run(
      "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'from_the_future', 'x', 0)",
    )
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    await db.close()
    const sha = () => createHash('sha256').update(readFileSync(newer)).digest('hex')
    const before = sha()
    const { code, output } = await serveExit(['--port', '0', '--db', newer, '--no-build'])
    expect(code).toBe(1)
    expect(output).toMatch(/made by a newer version of NormLab: it has migration 0099_from_the_future/)
    expect(sha()).toBe(before)
  })

  it('refuses bad arguments with the usage', async () => {
    const { code, output } = await serveExit(['--port', 'many', '--no-build'])
    expect(code).toBe(1)
    expect(output).toMatch(/--port must be a whole number/)
    expect(output).toMatch(/Usage: npm run serve/)
  })
})
