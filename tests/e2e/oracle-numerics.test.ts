// The float64 oracle at larger shapes (tests/oracle) on WebGL and WebGPU in Chromium (SwiftShader
// here): every case whose norm takes statistics over several values of a feature — per-step and
// sequence-wise BN, InstanceNorm — the regime where few valid samples make the backward cancel.
// The GPU kernels compute in float32 only (no float64 in GLSL or WGSL): each output is held within
// max(tolerance, 4× what float32 permits by the larger of the two measures — PyTorch float32's own
// error on it, the case's conditioning). The cpu and wasm backends, which accumulate the batch
// norm's backward in float64, are held to the smaller (tests/unit/engine/oracle.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBenchPage, type BenchPage } from '../../scripts/bench-page-host'
import { oracleFiles, readOracleCase } from '../support/oracle-cases'

const files = oracleFiles().filter((f) => /-(bn_step|bn_seq|in)\.json\.gz$/.test(f))

let bench: BenchPage

beforeAll(async () => {
  bench = await openBenchPage()
})

afterAll(async () => {
  await bench?.close()
})

describe.each(['webgl', 'webgpu'])('the float64 oracle on %s', (backend) => {
  it('holds every batch-statistics case within 4× what float32 permits', async () => {
    expect(files.length).toBeGreaterThanOrEqual(25)
    const off: string[] = []
    for (const file of files) {
      const raw = readOracleCase(file)
      const r = (await bench.page.evaluate(
        ([b, n, d]) =>
          (
            globalThis as unknown as { runOracleCase: (b: string, n: string, d: unknown) => Promise<unknown> }
          ).runOracleCase(b, n, d),
        [backend, file, raw] as const,
      )) as { error: string | null; ratios: Record<string, number> }
      if (r.error) off.push(`${file}: ${r.error}`)
      expect(Object.keys(r.ratios).length, file).toBeGreaterThan(3)
      for (const [name, ratio] of Object.entries(r.ratios)) {
        const bar = Math.max(1, 4 * Math.max(raw.meta.float32[name] ?? 0, raw.meta.conditioning))
        if (!(ratio <= bar)) off.push(`${file} ${name}: ${ratio.toFixed(2)}× tolerance (bar ${bar.toFixed(2)}×)`)
      }
    }
    expect(off).toEqual([])
  }, 600_000)
})
