// A report of a real trained study: the HTML is one self-contained file (no external URL anywhere,
// no request when opened, a CSP that forbids them) whose charts draw under that CSP; the PDF
// rasterizes to pages whose charts are drawn; both languages.
import { hostname } from 'node:os'
import { reportModelOf } from '../../shared/lab/report/html'
import { basename, dirname, join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../electron/cli/run-cli'
import { PAGE_MARGIN } from '../../electron/report/chromium-printer'
import { canonicalJson } from '../../shared/canonical-json'
import { tempDir } from '../helpers/temp'
import { ARTIFACTS, launchChromium } from './harness'

const tmp = tempDir('normlab-report-')
const db = tmp.file('study.sqlite')
let browser: Browser

async function tryCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function cli(...argv: string[]): Promise<string> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  expect(code, err.join('\n')).toBe(0)
  return out.join('\n')
}

/** A grayscale raster (PGM, as pdftoppm writes it): width, height and one byte per pixel. */
function readPgm(path: string): { width: number; height: number; pixels: Buffer } {
  const data = readFileSync(path)
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(data.subarray(0, 40).toString('latin1'))!
  return { width: Number(header[1]), height: Number(header[2]), pixels: data.subarray(header[0].length) }
}

beforeAll(async () => {
  await cli(
    'sweep',
    '--task',
    'adding',
    '--norm',
    'bn_step,ln',
    '--seed',
    '1,2',
    '--steps',
    '30',
    '--hidden',
    '16',
    '--batch',
    '16',
    '--lengths',
    'longtail:5-30',
    '--record-every',
    '5',
    '--eval-every',
    '15',
    '--snapshots',
    'last',
    '--backend',
    'wasm',
    '--db',
    db,
  )
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  tmp.cleanup()
})

describe('a report of a trained study', () => {
  const html = tmp.file('report.html')
  const pdf = tmp.file('report.pdf')

  it('is written by `lab report` as HTML and PDF, findings first, printing the same lines as `lab findings`', async () => {
    const out = await cli('report', '--study', '1', '--out', html, '--pdf', pdf, '--db', db)
    expect(out).toMatch(/^Wrote .*report\.html: Sweep/m)
    expect(out).toMatch(/Time steps have different distributions/)
    const findings = await cli('findings', '--study', '1', '--db', db)
    const body = (text: string) => text.split('\n').filter((l) => l.startsWith('  '))
    expect(body(out)).toEqual(body(findings))
    expect(body(out).some((l) => /effect .*\(95 % interval .* … .* over 2 seeds\); counts from/.test(l))).toBe(true)
    const text = readFileSync(html, 'utf8')
    // A shared report tells nobody where the archive lives or which machine made it, unless asked.
    type Model = {
      provenance: { archivePath: string; platform: string }
      runs: { host: string | null; platform: string | null }[]
    }
    const basic = reportModelOf(text) as Model
    expect(text).not.toContain(dirname(db))
    expect(basic.provenance.archivePath).toBe(basename(db))
    expect(basic.provenance.platform).toBe('—')
    expect(basic.runs.every((r) => r.host === null && r.platform === null)).toBe(true)
    const full = tmp.file('report-full.html')
    await cli('report', '--study', '1', '--out', full, '--provenance', 'full', '--db', db)
    const told = reportModelOf(readFileSync(full, 'utf8')) as Model
    expect(told.provenance.archivePath).toBe(db)
    expect(told.runs.every((r) => r.host === hostname())).toBe(true)
    expect(text.indexOf('data-finding="perStepDrift"')).toBeGreaterThan(0)
    expect(text.indexOf('data-finding')).toBeLessThan(text.indexOf('data-chart="curves"'))
  })

  it('has no external URL in any src, href or url(), and a CSP that allows no request', () => {
    const text = readFileSync(html, 'utf8')
    const refs = [...text.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*)/g)].map(
      (m) => m[1] ?? m[2]!,
    )
    expect(refs.filter((r) => /^(https?:|\/\/|ftp:|ws)/i.test(r.trim()))).toEqual([])
    expect(text).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'unsafe-inline'; img-src data: blob:/,
    )
    // The tidy data is inside the file.
    expect(text).toMatch(
      /<script type="text\/csv" data-name="metrics\.csv">run_id,run_uuid,name,step,value,wall_ms\r\n/,
    )
  })

  it('carries the tidy data byte for byte as `export-data` writes it for the same runs', async () => {
    const dir = tmp.file('tidy')
    await cli('export-data', '--study', '1', '--out', dir, '--db', db, '--snapshots')
    const text = readFileSync(html, 'utf8')
    const attached = [...text.matchAll(/<script type="text\/csv" data-name="([^"]+)">([\s\S]*?)<\/script>/g)].map(
      (m) => [m[1]!, m[2]!.replace(/<\\\//g, '</').replace(/<\\!--/g, '<!--')] as const,
    )
    expect(attached.map(([name]) => name)).toEqual([
      'runs.csv',
      'metrics.csv',
      'timestep_stats.csv',
      'evaluations.csv',
      'population.csv',
    ])
    for (const [name, csv] of attached) expect(csv, name).toBe(readFileSync(`${dir}/${name}`, 'utf8'))
    const dictionary = /<script type="text\/markdown" data-name="DATA_DICTIONARY\.md">([\s\S]*?)<\/script>/.exec(
      text,
    )![1]!
    // The same dictionary, but for the explorable's snapshots.csv, which `export-data --snapshots`
    // writes and a report shows as pictures instead (its file stays small).
    const exported = readFileSync(`${dir}/DATA_DICTIONARY.md`, 'utf8')
    expect(exported.startsWith(dictionary)).toBe(true)
    expect(exported.slice(dictionary.length)).toMatch(/^\n## snapshots\.csv\n/)
    expect(readFileSync(`${dir}/snapshots.csv`, 'utf8').split('\r\n')[0]).toBe(
      'run_id,term,step,sample,time_step,feature,value,valid',
    )
  })

  it('opens offline in Chromium: no request leaves it, its script runs under its CSP and draws every chart', async () => {
    const context = await browser.newContext({ offline: true })
    const page = await context.newPage()
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(pathToFileURL(html).href)
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 })
    expect(requests).toEqual([pathToFileURL(html).href])
    expect(errors).toEqual([])
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(8)
    // The explorable as pictures: the BN run's last snapshot beside the same-seed LN run's, the
    // outlined cells of BN's time grid a column of that step's valid samples.
    const pictures = page.getByTestId('report-explorable')
    expect(await pictures.evaluateAll((els) => els.map((e) => e.getAttribute('data-norm')))).toEqual(['bn_step', 'ln'])
    const bnGrid = pictures.first().locator('canvas').first()
    const lit = ((await bnGrid.getAttribute('data-highlighted')) ?? '').split(',').filter(Boolean)
    const selectedT = (await bnGrid.getAttribute('data-selected'))!.split(':')[1]
    expect(lit.length).toBeGreaterThan(0)
    expect(lit.every((c) => c.endsWith(`:${selectedT}`))).toBe(true)
    await page.screenshot({ path: tmp.file('report.png'), fullPage: true })
    await context.close()

    // Read the pixels back (a second context may evaluate scripts; the report's CSP forbids it).
    const inspect = await browser.newContext({ offline: true, bypassCSP: true })
    const again = await inspect.newPage()
    await again.goto(pathToFileURL(html).href)
    await again.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 })
    const inked = (await again.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height)
      let n = 0
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++
      return n / (c.width * c.height)
    })`)) as number[]
    // Line charts ink a few percent of their area (axes, lines, legend); heatmaps nearly all of it.
    expect(
      inked.every((share) => share > 0.02),
      `inked share per canvas: ${inked.map((x) => x.toFixed(3)).join(', ')}`,
    ).toBe(true)
    await inspect.close()
  })

  it('prints to a PDF whose pages rasterize with their charts drawn', () => {
    const pages = tmp.file('pages')
    execFileSync('mkdir', ['-p', pages])
    execFileSync('pdftoppm', ['-r', '40', '-gray', pdf, `${pages}/p`])
    const files = readdirSync(pages).sort()
    expect(files.length).toBeGreaterThanOrEqual(3)
    const ink = files.map((f) => {
      const { pixels } = readPgm(`${pages}/${f}`)
      let dark = 0
      for (const v of pixels) if (v < 200) dark++
      return dark / pixels.length
    })
    // Every page has something on it, and the chart pages carry far more ink than text alone.
    expect(
      ink.every((x) => x > 0.002),
      `ink per page: ${ink.join(', ')}`,
    ).toBe(true)
    expect(Math.max(...ink)).toBeGreaterThan(0.05)
  })

  it('lays its pages out like a paper: no page but the last mostly blank, no heading at the foot of a page, training loss where held-out points are too few', () => {
    // Every page but the last is inked to at least 60 % of its height (the footer's page number aside).
    const pages = tmp.file('layout')
    execFileSync('mkdir', ['-p', pages])
    execFileSync('pdftoppm', ['-r', '40', '-gray', pdf, `${pages}/p`])
    const reach = readdirSync(pages)
      .sort()
      .map((f) => {
        const { width, height, pixels } = readPgm(`${pages}/${f}`)
        let last = 0
        for (let y = 0; y < Math.floor(height * 0.95); y++)
          for (let x = 0; x < width; x++) if (pixels[y * width + x]! < 200) last = y
        return last / height
      })
    expect(
      reach.slice(0, -1).every((r) => r >= 0.6),
      `lowest ink per page (share of its height): ${reach.map((r) => r.toFixed(2)).join(', ')}`,
    ).toBe(true)

    // Each section and chart heading, found in the PDF's text in document order, starts above the
    // last 15 % of its page or has its content after it there: a heading is never left alone at a page's foot.
    const text = readFileSync(html, 'utf8')
    const headings = [...text.matchAll(/<h[23][^>]*>([^<]+)<\/h[23]>/g)].map((m) =>
      m[1]!
        .replace(/&amp;/g, '&')
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .trim(),
    )
    expect(headings.length).toBeGreaterThanOrEqual(8)
    const layout = execFileSync('pdftotext', ['-bbox-layout', pdf, '-'], { encoding: 'utf8' })
    const lines = [...layout.matchAll(/<page width="[\d.]+" height="([\d.]+)">([\s\S]*?)<\/page>/g)].flatMap(
      (page, index) =>
        [...page[2]!.matchAll(/<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([\s\S]*?)<\/line>/g)].map((line) => ({
          page: index + 1,
          top: Number(line[1]) / Number(page[1]),
          text: [...line[2]!.matchAll(/<word[^>]*>([^<]*)<\/word>/g)]
            .map((w) =>
              w[1]!
                .replace(/&amp;/g, '&')
                .replace(/&quot;/g, '"')
                .replace(/&#39;/g, "'"),
            )
            .join(' '),
        })),
    )
    let from = 0
    const placed: string[] = []
    for (const heading of headings) {
      const start = heading.split(/\s+/).slice(0, 4).join(' ')
      const at = lines.findIndex((l, i) => i >= from && l.text.startsWith(start))
      expect(at, `heading "${heading}" not found in the PDF's text after line ${from}`).toBeGreaterThanOrEqual(0)
      placed.push(`${heading.slice(0, 30)}: page ${lines[at]!.page} at ${lines[at]!.top.toFixed(2)}`)
      // In the last 15 % of a page a heading is allowed only with its text after it on the same
      // page (a short table fits there; a chart, a canvas without text, never does).
      if (lines[at]!.top >= 0.85)
        expect(lines[at + 1]?.page, `${placed.join('\n')}\n(nothing of it follows on that page)`).toBe(lines[at]!.page)
      from = at + 1
    }

    // Two held-out evaluations per run are too few for a course: the curves chart draws training loss.
    expect(text).toMatch(/data-chart="curves"><h3>Training loss during training/)
  })

  it('runs its study again from the report alone: `sweep --from-report` plans or trains the same runs, refuses to mix in flags', async () => {
    const original = JSON.parse(await cli('runs', 'list', '--study', '1', '--json', '--db', db)) as {
      configHash: string
      config: Record<string, unknown>
    }[]
    expect(original).toHaveLength(4)
    const hashes = (runs: { configHash: string }[]) => runs.map((r) => r.configHash).sort()

    const planDir = tmp.file('again-plan')
    await cli('sweep', '--from-report', html, '--plan', planDir)
    const plan = JSON.parse(readFileSync(`${planDir}/plan.json`, 'utf8')) as {
      study: { name: string }
      runs: { file: string }[]
    }
    expect(plan.study.name).toMatch(/^Again: Sweep /)
    const planned = plan.runs.map(
      (r) => (JSON.parse(readFileSync(`${planDir}/${r.file}`, 'utf8')) as { config: Record<string, unknown> }).config,
    )
    expect(planned.map((c) => canonicalJson(c)).sort()).toEqual(original.map((r) => canonicalJson(r.config)).sort())

    const againDb = tmp.file('again.sqlite')
    const trained = await tryCli('sweep', '--from-report', html, '--db', againDb)
    expect(trained.code, trained.err).toBe(0)
    expect(hashes(JSON.parse(await cli('runs', 'list', '--json', '--db', againDb)))).toEqual(hashes(original))

    const mixed = await tryCli('sweep', '--from-report', html, '--norm', 'ln', '--db', tmp.file('mixed.sqlite'))
    expect(mixed.code).toBe(2)
    expect(mixed.err).toMatch(/--from-report takes every run's configuration from the report; drop --norm/)
    writeFileSync(tmp.file('page.html'), '<!doctype html><title>not a report</title>')
    const stranger = await tryCli('sweep', '--from-report', tmp.file('page.html'), '--db', tmp.file('stranger.sqlite'))
    expect(stranger.code).toBe(2)
    expect(stranger.err).toMatch(/is not a NormLab report with a study plan.*nothing was written/)
    expect(existsSync(tmp.file('stranger.sqlite'))).toBe(false)
  }, 120_000)

  it('fits its page: no table, chart or card wider than the page, printed, in either language, its configuration split across tables of at most 4 runs', async () => {
    // Nine runs: more than one configuration table, and a runs table of many rows.
    await cli(
      'sweep',
      '--task',
      'adding',
      '--norm',
      'bn_step,ln,gn',
      '--seed',
      '7,8,9',
      '--steps',
      '6',
      '--hidden',
      '8',
      '--batch',
      '8',
      '--lengths',
      'longtail:5-20',
      '--record-every',
      '3',
      '--eval-every',
      '6',
      '--snapshots',
      'none',
      '--study',
      'wide',
      '--backend',
      'wasm',
      '--db',
      db,
    )
    const studies = await tryCli('runs', 'list', '--json', '--db', db)
    const studyId = (JSON.parse(studies.out) as { studyId: number; name: string }[])
      .map((r) => r.studyId)
      .sort((a, b) => b - a)[0]!
    for (const language of ['en', 'zh-CN']) {
      const file = tmp.file(`wide-${language}.html`)
      const pdfFile = tmp.file(`wide-${language}.pdf`)
      await cli('report', '--study', String(studyId), '--out', file, '--pdf', pdfFile, '--lang', language, '--db', db)
      expect((readFileSync(file, 'utf8').match(/<table class="config-table">/g) ?? []).length).toBe(3)
      const context = await browser.newContext({ offline: true, viewport: { width: 760, height: 1000 } })
      const page = await context.newPage()
      await page.goto(pathToFileURL(file).href)
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 })
      await page.emulateMedia({ media: 'print' })
      const wide = await page.evaluate(`(() => {
        const box = document.querySelector('.report-page').getBoundingClientRect()
        const out = []
        for (const el of document.querySelectorAll('.report-page table, .report-page canvas, .report-page .card, .report-page section')) {
          const r = el.getBoundingClientRect()
          if (r.right > box.right + 1 || r.left < box.left - 1 || el.scrollWidth > el.clientWidth + 1) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.width) + 'px in ' + Math.round(box.width) + 'px')
        }
        for (const el of document.querySelectorAll('.report-page td, .report-page th')) if (el.scrollWidth > el.clientWidth + 1) out.push('cell "' + el.textContent.slice(0, 40) + '" ' + el.scrollWidth + '>' + el.clientWidth + ' ' + getComputedStyle(el).whiteSpace)
        return out
      })()`)
      expect(wide, language).toEqual([])
      await context.close()
      // The printed PDF too: its pages as pictures (test-results/report-pdf-<language>-<page>.png),
      // and no word of any page beyond the page's printable box (its side margins, less a mm).
      execFileSync('pdftoppm', ['-r', '50', '-png', pdfFile, join(ARTIFACTS, `report-pdf-${language}`)])
      const layout = execFileSync('pdftotext', ['-bbox-layout', pdfFile, '-'], { encoding: 'utf8' })
      const pages = [...layout.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)]
      expect(pages.length, language).toBeGreaterThanOrEqual(3)
      const margin = ((Math.min(parseFloat(PAGE_MARGIN.left), parseFloat(PAGE_MARGIN.right)) - 1) / 25.4) * 72 // mm to points
      const words = pages.flatMap((page, index) =>
        [...page[3]!.matchAll(/<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<\/word>/g)].map(
          (w) => ({ page: index + 1, width: Number(page[1]), left: Number(w[1]), right: Number(w[2]), text: w[3]! }),
        ),
      )
      expect(words.length, language).toBeGreaterThan(500)
      const outside = words
        .filter((w) => w.left < margin || w.right > w.width - margin)
        .map(
          (w) =>
            `page ${w.page}: "${w.text}" at ${w.left.toFixed(0)}–${w.right.toFixed(0)} pt of ${w.width.toFixed(0)}`,
        )
      expect(outside, language).toEqual([])
    }
  }, 300_000)

  it('speaks Chinese when asked', async () => {
    const zh = tmp.file('report-zh.html')
    await cli('report', '--runs', '1,2,3,4', '--out', zh, '--lang', 'zh-CN', '--db', db)
    const text = readFileSync(zh, 'utf8')
    expect(text).toMatch(/<html lang="zh-CN">/)
    expect(text).toMatch(/不同时间步的分布不同/)
    expect(text).toMatch(/<h2>来源<\/h2>/)
  })
})
