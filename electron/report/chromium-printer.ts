// Printing a report to PDF with headless Chromium (web mode and the CLI): the system's Chromium, or
// CHROMIUM_PATH. The page gets no network at all; printing waits until every chart is drawn.
import { existsSync } from 'node:fs'
import type { Paper, PdfPrinter } from './generate'
import { PAGE_FOOTER } from './page-footer'

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]

export function findChromium(env = process.env): string | null {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null
  return CANDIDATES.find((p) => existsSync(p)) ?? null
}

export const PAGE_MARGIN = { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' }

export const chromiumPrinter: PdfPrinter = async (html: string, paper: Paper) => {
  const executablePath = findChromium()
  if (!executablePath) {
    throw new Error(
      process.env.CHROMIUM_PATH
        ? `CHROMIUM_PATH names ${process.env.CHROMIUM_PATH}, which does not exist: the PDF needs Chromium or Chrome to print it`
        : 'No Chromium or Chrome was found to print the PDF: install one (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH. The HTML report needs none.',
    )
  }
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
  try {
    const page = await browser.newPage()
    await page.route('**/*', (route) => route.abort())
    await page.setContent(html, { waitUntil: 'load' })
    // The report's CSP forbids evaluating strings: wait on the attribute its script sets when drawn.
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 })
    return await page.pdf({
      format: paper,
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: PAGE_FOOTER,
      margin: PAGE_MARGIN,
    })
  } finally {
    await browser.close()
  }
}
