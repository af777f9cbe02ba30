// Runs move between machines through the page: the Runs page of one served archive exports a
// .normlab file (a real download), the Runs page of a second served archive imports it (a real
// upload) and says what it added; importing it again adds nothing. The Runs table shows final
// and best values of the chosen metric, sortable.
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../electron/cli/run-cli'
import type { Run } from '../../shared/contract'
import { tempDir } from '../helpers/temp'
import { ARTIFACTS, callApi, launchChromium, serve, type Served } from './harness'

const tmp = tempDir('normlab-transfer-e2e-')
const laptop = tmp.file('laptop.sqlite')
const desk = tmp.file('desk.sqlite')
let browser: Browser
let from: Served
let to: Served

beforeAll(async () => {
  const err: string[] = []
  const code = await runCli(
    [
      'sweep',
      '--task',
      'adding',
      '--norm',
      'bn_step,ln',
      '--steps',
      '8',
      '--hidden',
      '8',
      '--batch',
      '4',
      '--lengths',
      '5-9',
      '--record-every',
      '4',
      '--eval-every',
      '8',
      '--backend',
      'wasm',
      '--study',
      'From the laptop',
      '--db',
      laptop,
    ],
    { out: () => undefined, err: (l) => err.push(l) },
  )
  expect(code, err.join('\n')).toBe(0)
  browser = await launchChromium()
  from = await serve(['--port', '0', '--db', laptop])
  to = await serve(['--port', '0', '--db', desk, '--no-build'])
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await from?.stop()
  await to?.stop()
  tmp.cleanup()
})

describe('export from one archive’s page, import into another’s', () => {
  it('downloads a .normlab file of the shown runs and uploads it into the second archive, then adds nothing the second time', async () => {
    const page = await browser.newPage({ acceptDownloads: true })
    await page.goto(from.url)
    await page.getByRole('link', { name: /Runs/ }).first().click()
    await page.getByTestId('runs-table').waitFor()
    await expect.poll(() => page.getByTestId('export-archive').textContent()).toBe('Export 2 runs')
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('export-archive').click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^normlab-\d{4}-\d{2}-\d{2}-2-runs\.normlab$/)
    const file = join(ARTIFACTS, download.suggestedFilename())
    await download.saveAs(file)

    const target = await browser.newPage()
    await target.goto(to.url)
    await target.getByRole('link', { name: /Runs/ }).first().click()
    await target.getByTestId('runs-empty').waitFor()
    await target.getByTestId('import-file').setInputFiles(file)
    const result = target.getByTestId('import-result')
    await result.waitFor({ timeout: 60_000 })
    expect(await target.getByTestId('import-counts').textContent()).toBe(
      '2 added, 0 already here, 0 replaced, 0 in conflict',
    )
    expect(await result.textContent()).toContain('Studies added: From the laptop')
    await result.getByRole('button', { name: 'Close' }).click()
    // The table refreshes by itself with the imported runs.
    await expect.poll(() => target.locator('[data-testid=runs-table] tbody tr').count(), { timeout: 10_000 }).toBe(2)

    const imported = await callApi<Run[]>(to, 'listRuns', { filter: {} })
    const original = await callApi<Run[]>(from, 'listRuns', { filter: {} })
    expect(imported.map((r) => r.uuid).sort()).toEqual(original.map((r) => r.uuid).sort())
    const series = async (served: Served, runs: Run[]) =>
      (
        await callApi<{ series: { name: string; values: number[] }[] }>(served, 'queryMetrics', {
          runIds: runs.map((r) => r.id).sort((a, b) => a - b),
        })
      ).series
    expect(
      await series(
        to,
        [...imported].sort((a, b) => a.uuid.localeCompare(b.uuid)),
      ),
    ).toEqual(
      await series(
        from,
        [...original].sort((a, b) => a.uuid.localeCompare(b.uuid)),
      ),
    )

    await target.getByTestId('import-file').setInputFiles(file)
    await result.waitFor()
    expect(await target.getByTestId('import-counts').textContent()).toBe(
      '0 added, 2 already here, 0 replaced, 0 in conflict',
    )
    expect(await result.textContent()).toContain('Nothing new')
    await page.close()
    await target.close()
  }, 120_000)

  it('says what is wrong with a file that is not an archive, and imports nothing', async () => {
    const page = await browser.newPage()
    await page.goto(to.url)
    await page.getByRole('link', { name: /Runs/ }).first().click()
    await page.getByTestId('runs-table').waitFor()
    await page.getByTestId('import-file').setInputFiles({
      name: 'notes.normlab',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not an archive\n'.repeat(100)),
    })
    await expect
      .poll(() => page.getByTestId('transfer-error').textContent(), { timeout: 30_000 })
      .toMatch(/Cannot import .*Nothing was written/)
    expect(await callApi<Run[]>(to, 'listRuns', { filter: {} })).toHaveLength(2)
    await page.close()
  })

  it('shows final and best loss per run, sortable', async () => {
    const page = await browser.newPage()
    await page.goto(from.url)
    await page.getByRole('link', { name: /Runs/ }).first().click()
    await page.getByTestId('runs-table').waitFor()
    const runs = await callApi<Run[]>(from, 'listRuns', { filter: {} })
    const { series } = await callApi<{ series: { runId: number; values: number[] }[] }>(from, 'queryMetrics', {
      runIds: runs.map((r) => r.id),
      names: ['loss'],
    })
    const finals = new Map(series.map((s) => [s.runId, s.values[s.values.length - 1]!]))
    const bests = new Map(series.map((s) => [s.runId, Math.min(...s.values)]))
    await expect.poll(() => page.locator('[data-testid=final-value]').first().textContent()).not.toBe('–')
    for (const run of runs) {
      const row = page.locator(`tr[data-run-id="${run.id}"]`)
      expect(await row.getByTestId('final-value').textContent()).toBe(finals.get(run.id)!.toPrecision(4))
      expect(await row.getByTestId('best-value').textContent()).toBe(bests.get(run.id)!.toPrecision(4))
    }
    await page.getByRole('button', { name: /^Best\s*loss/ }).click()
    const order = await page
      .locator('[data-testid=runs-table] tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-run-id'))))
    expect(order).toEqual([...runs].sort((a, b) => bests.get(a.id)! - bests.get(b.id)!).map((r) => r.id))
    await page.close()
  })
})
