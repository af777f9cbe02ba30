// The contract's packed matrices: base64 exactly as Node's Buffer writes it (every length mod 3,
// every byte value), and back to the same Float32 values, NaN included.
import { describe, expect, it } from 'vitest'
import { fromBase64, packFloat32, unpackFloat32, useBase64Encoder } from '../../../shared/contract/packed'

describe('packed matrices', () => {
  it('encode bytes as standard base64 at every length mod 3 and decode them back', () => {
    useBase64Encoder(null) // the JS loop, even where the platform has its own
    // Long before short too: the encoder reuses its character buffer.
    for (const length of [0, 1, 2, 3, 4, 5, 255, 256, 257, 30_001, 7, 30_000, 6]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 255)
      const floats = new Float32Array(bytes.buffer.slice(0, length - (length % 4)))
      const packed = packFloat32(floats, 1, floats.length)
      expect(packed.base64).toBe(Buffer.from(floats.buffer).toString('base64'))
      expect([...fromBase64(Buffer.from(bytes).toString('base64'))]).toEqual([...bytes])
    }
  })

  it('a platform encoder, when given, writes what the JS loop writes', () => {
    const floats = Float32Array.from({ length: 3001 }, (_, i) => Math.sin(i) * 1e3)
    const loop = packFloat32(floats.slice(), 1, floats.length).base64
    let calls = 0
    useBase64Encoder(
      (bytes) => (calls++, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')),
    )
    try {
      expect(packFloat32(floats.slice(), 1, floats.length).base64).toBe(loop)
      expect(calls).toBe(1)
    } finally {
      useBase64Encoder(null)
    }
  })

  it('round-trip Float32 values, NaN ("no value") included', () => {
    const values = Float32Array.from([1.5, -0, Number.NaN, 3.4e38, -1e-40, 0.1])
    const back = unpackFloat32(packFloat32(values.slice(), 2, 3))
    expect([...back].map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(
      [...values].map((v) => (Number.isNaN(v) ? 'NaN' : v)),
    )
  })
})
