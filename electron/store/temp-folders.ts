// Private temporary folders (an import's working copy, a transfer's files) say which process made
// them, so whoever opens an archive next can clear what a killed process left: a `kill -9` during
// an import left a 20 MB copy in the temp folder every time.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { processAlive } from './lease-judge'

const PREFIXES = ['normlab-import-', 'normlab-transfer-', 'normlab-upload-'] as const
type Prefix = (typeof PREFIXES)[number]
const OWNER = 'owner.pid'
/** A folder without an owner file (made by an older NormLab) is cleared once it is this old. */
const UNOWNED_AFTER_MS = 60 * 60 * 1000

export function privateTempDir(prefix: Prefix): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  writeFileSync(join(dir, OWNER), String(process.pid))
  return dir
}

/** Removes this user's NormLab temp folders whose process is gone; returns them. */
export function clearLeftTempDirs(root = tmpdir(), now = Date.now()): string[] {
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return removed
  }
  const uid = process.getuid?.()
  for (const name of names) {
    if (!PREFIXES.some((p) => name.startsWith(p))) continue
    const dir = join(root, name)
    try {
      const stat = statSync(dir)
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue
      let pid: number | null = null
      try {
        pid = Number(readFileSync(join(dir, OWNER), 'utf8'))
      } catch {
        pid = null
      }
      const gone =
        pid === null || !Number.isInteger(pid)
          ? now - stat.mtimeMs > UNOWNED_AFTER_MS
          : pid !== process.pid && !processAlive(pid)
      if (gone) {
        rmSync(dir, { recursive: true, force: true })
        removed.push(dir)
      }
    } catch {
      // Another process is clearing it too, or it is not ours to read: leave it.
    }
  }
  return removed
}
