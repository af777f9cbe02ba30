// `npm run serve` serves the built renderer; rebuild first when the sources are newer than it.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

export function rendererIsStale(root: string): boolean {
  const built = join(root, 'out', 'renderer', 'index.html')
  if (!existsSync(built)) return true
  const sources = Math.max(
    newestMtime(join(root, 'renderer')),
    newestMtime(join(root, 'shared')),
    newestMtime(join(root, 'electron.vite.config.ts')),
  )
  return sources > statSync(built).mtimeMs
}

export function buildIfNeeded(root: string, log: (line: string) => void): void {
  if (!rendererIsStale(root)) return
  log('Building the renderer (electron-vite build)…')
  const bin = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite')
  const result = spawnSync(bin, ['build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32',
  })
  if (result.status !== 0) throw new Error(`electron-vite build failed (exit ${result.status ?? result.signal})`)
}
