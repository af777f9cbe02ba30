// The contract's packed matrices: base64 exactly as Node's Buffer writes it (every length mod 3,
// every byte value), and back to the same Float32 values, NaN included.
import { describe, expect, it } from 'vitest'
import { fromBase64, packFloat32, unpackFloat32 } from '../../../shared/contract/packed'

describe('packed matrices', () => {
  it('encode bytes as standard base64 at every length mod 3 and decode them back', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 255, 256, 257, 30_001]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 255)
      const floats = new Float32Array(bytes.buffer.slice(0, length - (length % 4)))
      const packed = packFloat32(floats, 1, floats.length)
      expect(packed.base64).toBe(Buffer.from(floats.buffer).toString('base64'))
      expect([...fromBase64(Buffer.from(bytes).toString('base64'))]).toEqual([...bytes])
    }
  })

  it('round-trip Float32 values, NaN ("no value") included', () => {
    const values = Float32Array.from([1.5, -0, Number.NaN, 3.4e38, -1e-40, 0.1])
    const back = unpackFloat32(packFloat32(values.slice(), 2, 3))
    expect([...back].map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([...values].map((v) => (Number.isNaN(v) ? 'NaN' : v)))
  })
})
