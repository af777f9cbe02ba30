// Matrices in a compact form for the contract: little-endian Float32 values, base64-encoded.
// The training worker packs them, so the page only passes strings along and the archive decodes
// them straight into its BLOBs: no per-number work on the page's thread. NaN means "no value".
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const LOOKUP = new Uint8Array(128)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i

export interface PackedMatrix {
  rows: number
  columns: number
  /** rows × columns Float32 values, row-major, little-endian, base64. */
  base64: string
}

const CODES = Uint8Array.from(ALPHABET, (ch) => ch.charCodeAt(0))
const PAD = '='.charCodeAt(0)
/** The two characters of every 12-bit value, as the bytes of one Uint16 in this machine's order. */
const PAIRS = (() => {
  const pairs = new Uint16Array(4096)
  const bytes = new Uint8Array(pairs.buffer)
  for (let v = 0; v < 4096; v++) {
    bytes[2 * v] = CODES[v >> 6]!
    bytes[2 * v + 1] = CODES[v & 63]!
  }
  return pairs
})()
/** Characters per String.fromCharCode call (well under engines' argument limits). */
const CHUNK = 8192
/** TextDecoder where the platform has one (browsers, workers, Node): base64 is ASCII, so UTF-8 decodes it, the fastest label (latin1 measured 2× slower in Node). */
const ascii = (() => {
  const Decoder = (
    globalThis as unknown as { TextDecoder?: new (label: string) => { decode(bytes: Uint8Array): string } }
  ).TextDecoder
  return Decoder ? new Decoder('utf-8') : null
})()

/**
 * The platform's encoder where it has one: Chromium's own (140+: the app's worker and page), or
 * one a Node entry point gives (Node 20 has no Uint8Array.prototype.toBase64; its Buffer, through
 * useBase64Encoder). Either is ~5–10× the JS loop below, which is what recording every step
 * spent most of its time on once the kernels got fast.
 */
let platformEncoder: ((bytes: Uint8Array) => string) | null =
  typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64 === 'function'
    ? (bytes) => (bytes as unknown as { toBase64(): string }).toBase64()
    : null

/** Sets the platform's base64 encoder (standard alphabet, padded); null: the JS loop. */
export function useBase64Encoder(encoder: ((bytes: Uint8Array) => string) | null): void {
  platformEncoder = encoder
}

let chars = new Uint8Array(0)
/**
 * The character codes' buffer, reused (grown, never shrunk): the string is decoded out of it, so
 * nothing keeps it. A fresh buffer per matrix cost more than the encoding — on a VM every new
 * large allocation faults its pages in (measured: 0.5 ms per 200 KB here, the encoding 0.1 ms).
 */
function charScratch(length: number): Uint8Array {
  if (chars.length < length) chars = new Uint8Array(Math.max(length, 2 * chars.length))
  return chars.subarray(0, length)
}

/**
 * Bytes as base64. Written as character codes into a typed array, then decoded into a string at
 * once: appending four characters at a time to a string cost ~1.5 ms per 50×256 matrix, most of
 * what recording every step cost once the kernels got fast.
 */
function toBase64(bytes: Uint8Array): string {
  if (platformEncoder) return platformEncoder(bytes)
  const out = charScratch(Math.ceil(bytes.length / 3) * 4)
  const pairs = new Uint16Array(out.buffer, 0, out.length >> 1)
  let o = 0
  let i = 0
  if (littleEndian && bytes.byteOffset % 4 === 0) {
    // 12 bytes (three words, four 24-bit groups) a turn and four characters a store: 1.6× the
    // byte loop in Node. The words' bytes are read little-endian: b0 is the low byte.
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 12) * 3)
    const quads = new Uint32Array(out.buffer, 0, words.length + words.length / 3)
    for (let w = 0, q = 0; w < words.length; w += 3) {
      const w0 = words[w]!
      const w1 = words[w + 1]!
      const w2 = words[w + 2]!
      const a = ((w0 & 255) << 16) | (w0 & 0xff00) | ((w0 >>> 16) & 255)
      const b = ((w0 >>> 24) << 16) | ((w1 & 255) << 8) | ((w1 >>> 8) & 255)
      const c = (((w1 >>> 16) & 255) << 16) | ((w1 >>> 24) << 8) | (w2 & 255)
      const d = (((w2 >>> 8) & 255) << 16) | (((w2 >>> 16) & 255) << 8) | (w2 >>> 24)
      quads[q++] = PAIRS[a >> 12]! | (PAIRS[a & 4095]! << 16)
      quads[q++] = PAIRS[b >> 12]! | (PAIRS[b & 4095]! << 16)
      quads[q++] = PAIRS[c >> 12]! | (PAIRS[c & 4095]! << 16)
      quads[q++] = PAIRS[d >> 12]! | (PAIRS[d & 4095]! << 16)
    }
    i = words.length * 4
    o = (words.length / 3) * 8
  }
  // Two characters per 12 bits from one table (PAIRS): half the lookups and stores of one per 6 bits.
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    pairs[o++] = PAIRS[n >> 12]!
    pairs[o++] = PAIRS[n & 4095]!
  }
  o *= 2
  const rest = bytes.length - i
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0)
    out[o++] = CODES[n >> 18]!
    out[o++] = CODES[(n >> 12) & 63]!
    out[o++] = rest === 2 ? CODES[(n >> 6) & 63]! : PAD
    out[o++] = PAD
  }
  if (ascii) return ascii.decode(out)
  const parts: string[] = []
  for (let c = 0; c < out.length; c += CHUNK)
    parts.push(String.fromCharCode.apply(null, out.subarray(c, c + CHUNK) as unknown as number[]))
  return parts.join('')
}

/** Base64 as bytes (also the wasm kernels' binary, recurrence/wasm/register.ts). */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '')
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let o = 0
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (LOOKUP[clean.charCodeAt(i)]! << 18) |
      (LOOKUP[clean.charCodeAt(i + 1)]! << 12) |
      (LOOKUP[clean.charCodeAt(i + 2)]! << 6) |
      LOOKUP[clean.charCodeAt(i + 3)]!
    bytes[o++] = n >> 16
    if (o < bytes.length) bytes[o++] = (n >> 8) & 255
    if (o < bytes.length) bytes[o++] = n & 255
  }
  return bytes
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** Packs rows of numbers (null: no value) into the compact form. */
export function packMatrix(rows: readonly (readonly (number | null)[])[]): PackedMatrix {
  const columns = rows[0]?.length ?? 0
  const values = new Float32Array(rows.length * columns)
  rows.forEach((row, r) => row.forEach((v, c) => (values[r * columns + c] = v === null ? Number.NaN : v)))
  return packFloat32(values, rows.length, columns)
}

export function packFloat32(values: Float32Array, rows: number, columns: number): PackedMatrix {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  if (!littleEndian) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse()
  return { rows, columns, base64: toBase64(bytes) }
}

/** The raw little-endian Float32 bytes of a packed matrix. */
export function packedBytes(m: PackedMatrix): Uint8Array {
  return fromBase64(m.base64)
}

/** The values of a packed matrix as Float32 (row-major; NaN: no value). */
export function unpackFloat32(m: PackedMatrix): Float32Array {
  const bytes = packedBytes(m)
  const n = m.rows * m.columns
  // Little-endian machines (every one NormLab runs on) take the bytes as they are: one copy.
  if (littleEndian && bytes.byteLength >= n * 4)
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 4))
  const out = new Float32Array(n)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

export function unpackMatrix(m: PackedMatrix): (number | null)[][] {
  const bytes = packedBytes(m)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: (number | null)[][] = []
  for (let r = 0; r < m.rows; r++) {
    const row = new Array<number | null>(m.columns)
    for (let c = 0; c < m.columns; c++) {
      const v = view.getFloat32((r * m.columns + c) * 4, true)
      row[c] = v !== v ? null : v
    }
    out.push(row)
  }
  return out
}
