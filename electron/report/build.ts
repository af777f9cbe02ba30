// The report page's script is built by `npm run build`; the CLI runs from source, so it builds the
// script itself when it is missing or older than the sources (about a second).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function newest(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs)
}

export function ensureReportBuilt(log: (line: string) => void, root = ROOT): void {
  const built = join(root, 'out', 'report', 'report.js')
  const sources = Math.max(newest(join(root, 'renderer', 'src')), newest(join(root, 'shared')))
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  const script = join(root, 'scripts', 'build-report.mjs')
  if (!existsSync(script)) return
  log('Building the report page…')
  const result = spawnSync(process.execPath, [script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) throw new Error(`building the report page failed (exit ${result.status ?? result.signal})`)
}
