// Runs the benchmark page in Debian's Chromium (headless) on webgl and wasm.
import { openBenchPage } from './bench-page-host'
import { round, type BenchRow } from './bench-rows'

export async function browserBench(steps: number, only?: string, before = true): Promise<BenchRow[]> {
  const { page, close } = await openBenchPage()
  const rows: BenchRow[] = []
  try {
    for (const backend of ['webgl', 'wasm']) {
      const result = (await page.evaluate(`globalThis.runBench(${JSON.stringify(backend)}, ${steps}, ${JSON.stringify(only ?? null)}, ${before})`)) as { rows: { model: string; norm: string; never: number; every: number; kernels: number; stepByStep: { msPerStep: number; kernelsPerTimeStep: number } | null }[] }
      for (const r of result.rows) {
        rows.push({ where: 'chromium', backend, model: r.model, norm: r.norm, msPerStep: round(r.never), msPerStepRecordingEveryStep: round(r.every), recordingOverheadPct: round(((r.every - r.never) / r.never) * 100), kernelsPerTimeStep: round(r.kernels), ...(r.stepByStep ? { stepByStep: { msPerStep: round(r.stepByStep.msPerStep), kernelsPerTimeStep: round(r.stepByStep.kernelsPerTimeStep) } } : {}) })
        process.stderr.write(`chromium ${backend} ${r.norm} ${r.model}: ${round(r.never)} ms, ${round(r.kernels)} kernels per time step${r.stepByStep ? ` (step by step: ${round(r.stepByStep.msPerStep)} ms, ${round(r.stepByStep.kernelsPerTimeStep)})` : ''}\n`)
      }
    }
  } finally {
    await close()
  }
  return rows
}
