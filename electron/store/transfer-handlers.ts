// The exportArchive and importArchive requests: the page's Export/Import buttons. The file's bytes
// travel base64 in the request or response (a download or upload in web mode, a save or open
// dialog in Electron); on this side they pass through a private temporary folder, and the work is
// the archive's (transfer.ts), exactly what `lab export` and `lab import` do with paths.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { privateTempDir } from './temp-folders'
import { join } from 'node:path'
import { ApiError, type EventBus, type Handlers, type RequestOf, type ResponseOf } from '../../shared/contract'
import type { Archive, ImportResult } from './archive'
import { ArchiveRefusedError } from './migrations'

/** A file name for an export of `runs` runs made now: normlab-2026-11-27-3-runs.normlab. */
export function exportFileName(runs: number, now = new Date()): string {
  return `normlab-${now.toISOString().slice(0, 10)}-${runs}-run${runs === 1 ? '' : 's'}.normlab`
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = privateTempDir('normlab-transfer-')
  try {
    return await work(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function transferHandlers(archive: Archive, appVersion: string, bus: EventBus): Pick<Handlers, 'exportArchive' | 'importArchive'> {
  return {
    exportArchive: (req: RequestOf<'exportArchive'>): Promise<ResponseOf<'exportArchive'>> =>
      inTempDir(async (dir) => {
        const path = join(dir, 'export.normlab')
        const selection = req.all ? { all: true } : req.studyId !== undefined ? { studyIds: [req.studyId] } : { runIds: req.runIds ?? [] }
        const { manifest, unreadable, damagedTables } = await archive.exportTo(path, selection, { appVersion })
        const bytes = readFileSync(path)
        return { fileName: exportFileName(manifest.runs.length), base64: bytes.toString('base64'), bytes: statSync(path).size, runs: manifest.runs.length, studies: manifest.studies.length, unreadable, damagedTables }
      }),

    importArchive: (req: RequestOf<'importArchive'>): Promise<ResponseOf<'importArchive'>> =>
      inTempDir(async (dir) => {
        const path = join(dir, 'import.normlab')
        writeFileSync(path, Buffer.from(req.base64, 'base64'))
        let result: ImportResult
        try {
          result = await archive.importFrom(path, { replaceNewer: req.replaceNewer, onProgress: (done, total) => bus.emit('importProgress', { done, total }) })
        } catch (error) {
          // A refused file is the user's file, not a fault here: say so (422), naming their file, not this temporary copy.
          if (error instanceof ArchiveRefusedError) throw new ApiError('refused_file', error.message.split(path).join(req.fileName))
          throw error
        }
        const ids = [...result.added, ...result.replaced].map((r) => r.id)
        if (ids.length > 0) bus.emit('runsChanged', { runIds: ids, change: 'created' })
        return result
      }),
  }
}
