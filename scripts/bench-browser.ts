// Runs the benchmark page in Debian's Chromium (headless) on webgl and wasm.
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readdirSync, writeFileSync, createReadStream } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { round, type BenchRow } from './bench'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export async function browserBench(steps: number): Promise<BenchRow[]> {
  const dir = join(ROOT, 'out', 'bench-page')
  mkdirSync(dir, { recursive: true })
  await build({ entryPoints: [join(ROOT, 'scripts', 'bench-page.ts')], outfile: join(dir, 'bench.js'), bundle: true, format: 'esm', platform: 'browser', logLevel: 'error' })
  const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(dir, f))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./bench.js"></script>')
  const server = createServer((req, res) => {
    const file = join(dir, (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1))
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }[extname(file)] ?? 'application/octet-stream'
    res.writeHead(200, { 'Content-Type': type, 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' })
    createReadStream(file).on('error', () => res.end()).pipe(res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  const rows: BenchRow[] = []
  try {
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction('typeof globalThis.runBench === "function"')
    for (const backend of ['webgl', 'wasm']) {
      const result = (await page.evaluate(`globalThis.runBench(${JSON.stringify(backend)}, ${steps})`)) as { rows: { model: string; norm: string; never: number; every: number }[] }
      for (const r of result.rows) {
        rows.push({ where: 'chromium', backend, model: r.model, norm: r.norm, msPerStep: round(r.never), msPerStepRecordingEveryStep: round(r.every), recordingOverheadPct: round(((r.every - r.never) / r.never) * 100) })
        process.stderr.write(`chromium ${backend} ${r.norm} ${r.model}: ${round(r.never)} ms\n`)
      }
    }
  } finally {
    await browser.close()
    server.close()
  }
  return rows
}
