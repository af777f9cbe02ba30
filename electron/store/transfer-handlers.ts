// The exportArchive and importArchive requests: the page's Export/Import buttons. The file's bytes
// travel base64 in the request or response (a download or upload in web mode, a save or open
// dialog in Electron); on this side they pass through a private temporary folder, and the work is
// the archive's (transfer.ts), exactly what `lab export` and `lab import` do with paths.
import { randomUUID } from 'node:crypto'
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { privateTempDir } from './temp-folders'
import { join } from 'node:path'
import {
  ApiError,
  IMPORT_CHUNK_BYTES,
  type EventBus,
  type Handlers,
  type RequestOf,
  type ResponseOf,
} from '../../shared/contract'
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

/** A streamed import being received: its private folder, the file in it, its size so far and when it last grew. */
interface Upload {
  dir: string
  path: string
  fileName: string
  bytes: number
  received: number
  touchedAt: number
}

/** An upload with no piece for this long is dropped (its folder removed). */
const UPLOAD_IDLE_MS = 60 * 60 * 1000

export function transferHandlers(
  archive: Archive,
  appVersion: string,
  bus: EventBus,
): Pick<Handlers, 'exportArchive' | 'importArchive' | 'beginImport' | 'importChunk' | 'finishImport'> {
  const uploads = new Map<string, Upload>()
  const drop = (id: string) => {
    const upload = uploads.get(id)
    uploads.delete(id)
    if (upload) rmSync(upload.dir, { recursive: true, force: true })
  }
  const uploadOf = (id: string): Upload => {
    const upload = uploads.get(id)
    if (!upload)
      throw new ApiError(
        'not_found',
        'this import is not under way (finished, dropped after an hour without a piece, or from before a restart): import the file again',
      )
    return upload
  }
  /** Checks and merges a file in a temporary folder; a refused file is named by its own name. */
  const importPath = async (path: string, fileName: string, replaceNewer: boolean): Promise<ImportResult> => {
    let result: ImportResult
    try {
      result = await archive.importFrom(path, {
        replaceNewer,
        onProgress: (done, total) => bus.emit('importProgress', { done, total }),
      })
    } catch (error) {
      // A refused file is the user's file, not a fault here: say so (422), naming their file, not this temporary copy.
      if (error instanceof ArchiveRefusedError)
        throw new ApiError('refused_file', error.message.split(path).join(fileName))
      throw error
    }
    const ids = [...result.added, ...result.replaced].map((r) => r.id)
    if (ids.length > 0) bus.emit('runsChanged', { runIds: ids, change: 'created' })
    return result
  }
  return {
    beginImport: async (req) => {
      const now = Date.now()
      for (const [id, upload] of uploads) if (now - upload.touchedAt > UPLOAD_IDLE_MS) drop(id)
      const id = randomUUID().replace(/-/g, '')
      const dir = privateTempDir('normlab-upload-')
      const path = join(dir, 'import.normlab')
      writeFileSync(path, '')
      uploads.set(id, { dir, path, fileName: req.fileName, bytes: req.bytes, received: 0, touchedAt: now })
      return { uploadId: id, chunkBytes: IMPORT_CHUNK_BYTES }
    },
    importChunk: async (req) => {
      const upload = uploadOf(req.uploadId)
      const bytes = Buffer.from(req.base64, 'base64')
      // In order, each piece once: a piece out of place would corrupt the file silently.
      if (req.offset !== upload.received)
        throw new ApiError('invalid_request', `expected the piece at byte ${upload.received}, got one at ${req.offset}`)
      if (upload.received + bytes.length > upload.bytes)
        throw new ApiError('invalid_request', `the pieces add up to more than the ${upload.bytes} bytes announced`)
      const fd = openSync(upload.path, 'a')
      try {
        writeSync(fd, bytes)
      } finally {
        closeSync(fd)
      }
      upload.received += bytes.length
      upload.touchedAt = Date.now()
      return { received: upload.received }
    },
    finishImport: async (req) => {
      const upload = uploadOf(req.uploadId)
      try {
        if (upload.received !== upload.bytes)
          throw new ApiError(
            'invalid_request',
            `${upload.fileName}: ${upload.received} of ${upload.bytes} bytes arrived; nothing was imported`,
          )
        return await importPath(upload.path, upload.fileName, req.replaceNewer)
      } finally {
        drop(req.uploadId)
      }
    },
    exportArchive: (req: RequestOf<'exportArchive'>): Promise<ResponseOf<'exportArchive'>> =>
      inTempDir(async (dir) => {
        const path = join(dir, 'export.normlab')
        const selection = req.all
          ? { all: true }
          : req.studyId !== undefined
            ? { studyIds: [req.studyId] }
            : { runIds: req.runIds ?? [] }
        const { manifest, unreadable, damagedTables } = await archive.exportTo(path, selection, { appVersion })
        const bytes = readFileSync(path)
        return {
          fileName: exportFileName(manifest.runs.length),
          base64: bytes.toString('base64'),
          bytes: statSync(path).size,
          runs: manifest.runs.length,
          studies: manifest.studies.length,
          unreadable,
          damagedTables,
        }
      }),

    importArchive: (req: RequestOf<'importArchive'>): Promise<ResponseOf<'importArchive'>> =>
      inTempDir(async (dir) => {
        const path = join(dir, 'import.normlab')
        writeFileSync(path, Buffer.from(req.base64, 'base64'))
        return importPath(path, req.fileName, req.replaceNewer)
      }),
  }
}
