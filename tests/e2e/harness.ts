// Starts `npm run serve` for real on a temp archive and drives Debian's Chromium through
// playwright-core. Never downloads a browser: CHROMIUM_PATH or /usr/bin/chromium.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { WEBGPU_FLAGS } from '../../scripts/bench-page-host'
import { ROOT } from '../helpers/temp'

export const ARTIFACTS = join(ROOT, 'test-results')
mkdirSync(ARTIFACTS, { recursive: true })

export interface Served {
  url: string
  origin: string
  token: string
  process: ChildProcess
  output(): string
  stop(): Promise<void>
}

export function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/run-bundled.mjs'), 'electron/server/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print a URL in time:\n${output}`)), 120_000)
    const check = () => {
      const match = /Open (http:\/\/127\.0\.0\.1:\d+)\/#token=([\w-]+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      child.stdout.off('data', check)
      resolve({
        url: `${match[1]}/#token=${match[2]}`,
        origin: match[1]!,
        token: match[2]!,
        process: child,
        output: () => output,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    }
    child.stdout.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}:\n${output}`))
    })
  })
}

/** Runs serve to completion (for start-up failures); returns its exit code and output. */
export function serveExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/run-bundled.mjs'), 'electron/server/main.ts', ...args], {
    cwd: ROOT,
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })))
}

/**
 * Tests that train choose their backend (WebGL, as most users' machines run) instead of the
 * default, which times every backend first (backend-choice.test.ts tests that). Only where the
 * page has no setting yet, so a test can still change it.
 */
/**
 * The backend a page trains on, and how many runs at once (1 unless asked: the tests that follow
 * a study run by run, its pause, its resume, read one run at a time).
 */
export async function preferBackend(
  page: Page,
  backend: 'webgl' | 'webgpu' | 'wasm' | 'cpu',
  parallelRuns: number | 'auto' = 1,
): Promise<void> {
  const settings = JSON.stringify({ backend, parallelRuns })
  await page.addInitScript(
    `if (!localStorage.getItem('normlab.settings')) localStorage.setItem('normlab.settings', '${settings}')`,
  )
}

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...WEBGPU_FLAGS,
    ],
  })
  lowerGpuProcessPriority()
  return browser
}

/**
 * These machines have no GPU: SwiftShader emulates one on the same two CPU cores as the page, so
 * the training worker's GL work steals the page's CPU time in a way a real GPU never does (it
 * would run on its own hardware). Lowering the GPU process's priority gives the page the CPU the
 * way a real machine would; the page's own work is measured as it is.
 */
export function lowerGpuProcessPriority(): void {
  if (process.platform !== 'linux') return
  const lower = () => {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        if (!cmdline.includes('--type=gpu-process')) continue
        // Linux keeps a nice value per thread, and SwiftShader's worker threads exist before the
        // first renice: every thread of the process, again each second for new ones.
        for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), 19)
      } catch {
        // The process ended, or is not ours: nothing to do.
      }
    }
  }
  lower()
  // The GPU process starts with the first page that needs it.
  const timer = setInterval(lower, 1000)
  timer.unref()
}

export async function callApi<T>(served: Served, name: string, payload: unknown): Promise<T> {
  const res = await fetch(`${served.origin}/api/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${served.token}` },
    body: JSON.stringify(payload),
  })
  const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } }
  if (!body.ok) throw new Error(body.error?.message)
  return body.value
}

/**
 * Runs in the page: every element whose content is wider than its box (overflowing, or clipped by
 * overflow: hidden), except boxes meant to scroll, form fields, canvases and text truncated on
 * purpose with its full text in a title.
 */
export const OVERFLOWS = `(() => {
  const out = []
  const root = document.documentElement
  if (root.scrollWidth > root.clientWidth + 1) out.push('the page is ' + root.scrollWidth + ' px wide in a ' + root.clientWidth + ' px window')
  for (const el of document.querySelectorAll('body *')) {
    const cs = getComputedStyle(el)
    if (cs.display === 'none' || cs.display === 'inline' || el.clientWidth === 0) continue
    if (['auto', 'scroll'].includes(cs.overflowX) || el.closest('.visually-hidden')) continue
    if (['INPUT', 'SELECT', 'TEXTAREA', 'CANVAS', 'OPTION'].includes(el.tagName) || el.hasAttribute('title')) continue
    if (el.scrollWidth > el.clientWidth + 1) out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 50) + '" ' + el.scrollWidth + '>' + el.clientWidth)
  }
  return out
})()`
