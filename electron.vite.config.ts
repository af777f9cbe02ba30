import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Plugin } from 'vite'
import { META_CONTENT_SECURITY_POLICY } from './shared/security/csp'

// The built page carries the same CSP as the headers (dev mode skips it: Vite injects inline scripts).
const contentSecurityPolicy: Plugin = {
  name: 'normlab-csp',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace(
      '<meta charset="UTF-8" />',
      `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${META_CONTENT_SECURITY_POLICY}" />`,
    ),
}

/** Every file under the engine and the reference cases, hashed: the numerics gate's cache key changes with any kernel edit. */
function engineHash(): string {
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else hash.update(path).update(readFileSync(path))
    }
  }
  for (const dir of ['shared/engine', 'shared/goldens']) walk(dir)
  return hash.digest('hex').slice(0, 16)
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve('electron/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle everything else into one CJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    base: './',
    plugins: [react(), contentSecurityPolicy],
    define: { __NORMLAB_ENGINE__: JSON.stringify(engineHash()) },
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: resolve('renderer/index.html') },
    },
    worker: { format: 'es' },
  },
})
