// Runs the benchmark page in Debian's Chromium (headless) on webgl and wasm.
import { openBenchPage } from './bench-page-host'
import { round, type BenchRow } from './bench-rows'

export async function browserBench(steps: number): Promise<BenchRow[]> {
  const { page, close } = await openBenchPage()
  const rows: BenchRow[] = []
  try {
    for (const backend of ['webgl', 'wasm']) {
      const result = (await page.evaluate(`globalThis.runBench(${JSON.stringify(backend)}, ${steps})`)) as { rows: { model: string; norm: string; never: number; every: number }[] }
      for (const r of result.rows) {
        rows.push({ where: 'chromium', backend, model: r.model, norm: r.norm, msPerStep: round(r.never), msPerStepRecordingEveryStep: round(r.every), recordingOverheadPct: round(((r.every - r.never) / r.never) * 100) })
        process.stderr.write(`chromium ${backend} ${r.norm} ${r.model}: ${round(r.never)} ms\n`)
      }
    }
  } finally {
    await close()
  }
  return rows
}
