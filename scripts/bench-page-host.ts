// Builds scripts/bench-page.ts into a page, serves it on 127.0.0.1 (cross-origin isolated, as the
// app is) and opens it in Debian's Chromium (CHROMIUM_PATH or /usr/bin/chromium). Used by the
// browser benchmark and by the end-to-end numerics test.
import { build } from 'esbuild'
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'

/** The checkout: this file's folder's parent, or (when bundled into out/node/) the folder above that holds scripts/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'scripts', 'bench-page.ts')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}
const ROOT = findRoot()

/**
 * WebGPU in headless Chromium: off by default there; on this kind of machine it runs on
 * SwiftShader (a CPU Vulkan), on a desktop on the GPU's Vulkan driver.
 */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-webgpu-adapter=swiftshader',
]

export interface BenchPage {
  page: Page
  close(): Promise<void>
}

export async function openBenchPage(): Promise<BenchPage> {
  const dir = join(ROOT, 'out', 'bench-page')
  mkdirSync(dir, { recursive: true })
  await build({
    entryPoints: [join(ROOT, 'scripts', 'bench-page.ts')],
    outfile: join(dir, 'bench.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'error',
  })
  const wasmDir = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  )
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(dir, f))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script type="module" src="./bench.js"></script>',
  )
  const server = createServer((req, res) => {
    const file = join(
      dir,
      (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!,
    )
    const type =
      { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }[extname(file)] ??
      'application/octet-stream'
    res.writeHead(200, {
      'Content-Type': type,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    })
    createReadStream(file)
      .on('error', () => res.end())
      .pipe(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
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
  const page = await browser.newPage()
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.waitForFunction(
    'typeof globalThis.runBench === "function" && typeof globalThis.runSelfCheck === "function"',
  )
  return {
    page,
    close: async () => {
      await browser.close()
      server.close()
    },
  }
}
