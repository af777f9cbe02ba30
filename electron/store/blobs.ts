import { packedBytes, type Matrix } from '../../shared/contract'

// Packs number arrays into little-endian BLOBs and back. NaN stands for "no value" (null).
export function float32Blob(values: readonly (number | null)[]): Buffer {
  const array = Float32Array.from(values, (v) => (v === null ? Number.NaN : v))
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength)
}

export function int32Blob(values: readonly number[]): Buffer {
  const array = Int32Array.from(values)
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength)
}

/** A matrix as a Float32 BLOB: nested arrays are converted, packed ones decoded straight to bytes. */
export function matrixBlob(m: Matrix): Buffer {
  if (!Array.isArray(m)) {
    const bytes = packedBytes(m)
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  return float32Blob(m.flat())
}

// A Buffer from sqlite3 may start at any byte offset; typed arrays need alignment, so copy.
function aligned(blob: Buffer): ArrayBuffer {
  return blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength) as ArrayBuffer
}

// Plain loops: several times faster than Array.from with a mapper, which dominated heatmap loads.
export function readFloat32(blob: Buffer): (number | null)[] {
  const floats = new Float32Array(aligned(blob))
  const out = new Array<number | null>(floats.length)
  for (let i = 0; i < floats.length; i++) {
    const v = floats[i]!
    out[i] = v !== v ? null : v // NaN marks "no value"
  }
  return out
}

export function readInt32(blob: Buffer): number[] {
  const ints = new Int32Array(aligned(blob))
  const out = new Array<number>(ints.length)
  for (let i = 0; i < ints.length; i++) out[i] = ints[i]!
  return out
}

export function readMatrix(blob: Buffer, columns: number): (number | null)[][] {
  const flat = readFloat32(blob)
  const rows: (number | null)[][] = []
  if (columns <= 0) return rows
  for (let i = 0; i < flat.length; i += columns) rows.push(flat.slice(i, i + columns))
  return rows
}
