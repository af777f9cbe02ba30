// The lab trains on the fastest backend that passes the numerics gate, measured: on a fresh
// profile it times WebGPU, WebGL and WebAssembly on a few training steps, shows the numbers on
// Settings, trains on the fastest (on these machines, where both GPU APIs are SwiftShader on the
// CPU, that is not assumed to be a GPU one), and remembers the timings: a reload measures nothing.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp'
import { launchChromium, serve, type Served } from './harness'

const tmp = tempDir('normlab-choice-')
let served: Served
let browser: Browser
let page: Page
const pageErrors: string[] = []

interface Row {
  backend: string
  used: boolean
  ms: number | null
  result: string
}

async function probeRows(): Promise<Row[]> {
  return page.locator('main [data-testid=probe-table] tbody tr').evaluateAll((rows) =>
    rows.map((r) => ({
      backend: r.getAttribute('data-backend')!,
      used: r.getAttribute('data-used') === 'true',
      ms: r.getAttribute('data-ms') ? Number(r.getAttribute('data-ms')) : null,
      result: r.lastElementChild?.textContent ?? '',
    })),
  )
}

beforeAll(async () => {
  served = await serve(['--port', '0', '--db', tmp.file('choice.sqlite'), '--no-build'])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(served.url)
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  tmp.cleanup()
})

describe('choosing the backend by measuring it', () => {
  let first: Row[] = []

  it('times every backend that passes the gate and trains on the fastest', async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    expect(await page.getByTestId('backend-select').inputValue()).toBe('auto')
    const badge = page.locator('main [data-testid=env-badge][data-state=ready]')
    await badge.waitFor({ timeout: 300_000 })
    first = await probeRows()
    expect(first.map((r) => r.backend)).toEqual(['webgpu', 'webgl', 'wasm'])
    const timed = first.filter((r) => r.ms !== null)
    // WebGPU and WebGL run on SwiftShader here, WebAssembly on the CPU: all three pass and are timed.
    expect(timed.map((r) => r.backend)).toEqual(['webgpu', 'webgl', 'wasm'])
    for (const r of timed) expect(r.ms).toBeGreaterThan(0)
    const used = first.filter((r) => r.used)
    expect(used).toHaveLength(1)
    // The one in use is the fastest measured, and the badge says so.
    expect(used[0]!.ms).toBe(Math.min(...timed.map((r) => r.ms!)))
    expect(await badge.getAttribute('data-backend')).toBe(used[0]!.backend)
    expect(await page.locator('main [data-testid=backend-chosen]').textContent()).toMatch(/fastest of 3 measured/)
    for (const r of timed.filter((r) => !r.used)) expect(r.result).toMatch(/× slower/)
    expect(await page.locator('main [data-testid=backend-fallback]').count()).toBe(0)
  }, 320_000)

  it('remembers the timings: after a reload it times nothing and chooses the same', async () => {
    const remembered = (await page.evaluate(`JSON.parse(localStorage.getItem('normlab.probe') ?? '{}')`)) as Record<
      string,
      { backend: string; msPerStep: number }
    >
    expect(
      Object.values(remembered)
        .map((p) => p.backend)
        .sort(),
    ).toEqual(['wasm', 'webgl', 'webgpu'])
    const phases: string[] = []
    await page.exposeFunction('notePhase', (phase: string) => phases.push(phase))
    await page.reload()
    await page.evaluate(
      `new MutationObserver(() => { const b = document.querySelector('[data-testid=env-badge][data-phase]'); if (b) globalThis.notePhase(b.getAttribute('data-phase')) }).observe(document.body, { subtree: true, childList: true, attributes: true })`,
    )
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.locator('main [data-testid=env-badge][data-state=ready]').waitFor({ timeout: 120_000 })
    expect(phases).not.toContain('probing')
    const again = await probeRows()
    expect(again.map((r) => [r.backend, r.ms, r.used])).toEqual(first.map((r) => [r.backend, r.ms, r.used]))
  }, 150_000)

  it('a backend chosen while the first probe is still timing is where the worker computes: the page shows it and the self-check runs on it', async () => {
    // A fresh profile: nothing remembered, so the probe times every backend first.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    const fresh = await context.newPage()
    fresh.on('pageerror', (e) => pageErrors.push(e.message))
    try {
      await fresh.goto(served.url)
      await fresh.getByRole('link', { name: 'Settings' }).click()
      await fresh.locator('main [data-testid=env-badge][data-state=starting]').waitFor({ timeout: 60_000 })
      await fresh.getByTestId('backend-select').selectOption('webgl')
      const badge = fresh.locator('main [data-testid=env-badge][data-state=ready]')
      await badge.waitFor({ timeout: 300_000 })
      // Let a superseded probe finish if it was going to: the page must not move off WebGL.
      await fresh.waitForTimeout(3000)
      expect(await badge.getAttribute('data-backend')).toBe('webgl')
      await fresh.getByTestId('self-check').click()
      const summary = fresh.getByTestId('self-check-summary')
      await fresh.locator('[data-testid=self-check]:not([disabled])').waitFor({ timeout: 240_000 })
      // The worker's own tfjs backend ran the cases (it said wasm while the page showed webgl).
      expect(await summary.textContent()).toMatch(/webgl/i)
      expect(await summary.textContent()).not.toMatch(/wasm/i)
    } finally {
      await context.close()
    }
  }, 560_000)

  it('had no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([])
  })
})
