// Files in and out of the page: a download (Electron shows its save dialog) and a picked file's
// bytes (the file input is the open dialog in Electron). The contract carries bytes as base64.

/** Saves what `href` points at (a blob: or data: URL) under `fileName`. */
export function downloadUrl(fileName: string, href: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = fileName
  a.click()
}

/** Saves bytes under `fileName`; the object URL is let go once the download has it. */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  downloadUrl(fileName, url)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function downloadBase64(fileName: string, mimeType: string, base64: string): void {
  downloadBlob(fileName, new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: mimeType }))
}

/** A picked file's bytes as base64 (FileReader's data URL, without its prefix). */
export function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => {
      const url = String(reader.result)
      resolve(url.slice(url.indexOf(',') + 1))
    }
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'))
    reader.readAsDataURL(file)
  })
}

/**
 * Streams a picked file to the archive host in pieces (beginImport, importChunk): only one piece
 * is in the page's memory at a time, so the file's size is limited by the disk, not by a request.
 * Returns the upload's id for finishImport.
 */
export async function uploadInPieces(
  file: Blob & { name: string },
  host: {
    beginImport(req: { fileName: string; bytes: number }): Promise<{ uploadId: string; chunkBytes: number }>
    importChunk(req: { uploadId: string; offset: number; base64: string }): Promise<{ received: number }>
  },
  onProgress: (sent: number, total: number) => void = () => {},
): Promise<string> {
  const { uploadId, chunkBytes } = await host.beginImport({ fileName: file.name, bytes: file.size })
  for (let offset = 0; offset < file.size; offset += chunkBytes) {
    await host.importChunk({ uploadId, offset, base64: await readAsBase64(file.slice(offset, offset + chunkBytes)) })
    onProgress(Math.min(file.size, offset + chunkBytes), file.size)
  }
  return uploadId
}
