// Runs the benchmark page in Debian's Chromium (headless) on webgl, webgpu and wasm (or the given ones).
import { openBenchPage } from './bench-page-host'
import { round, type BenchRow } from './bench-rows'

export const BROWSER_BACKENDS = ['webgl', 'webgpu', 'wasm'] as const

export async function browserBench(
  steps: number,
  only?: string,
  before = true,
  backends: readonly string[] = BROWSER_BACKENDS,
): Promise<BenchRow[]> {
  const { page, close } = await openBenchPage()
  const rows: BenchRow[] = []
  try {
    for (const backend of backends) {
      const result = (await page.evaluate(
        `globalThis.runBench(${JSON.stringify(backend)}, ${steps}, ${JSON.stringify(only ?? null)}, ${before})`,
      )) as {
        rows: {
          model: string
          norm: string
          never: number
          every: number
          overhead: number
          kernels: number
          programs: number | null
          recurrence: number
          stepByStep: { msPerStep: number; kernelsPerTimeStep: number; programsPerTimeStep: number | null } | null
        }[]
      }
      for (const r of result.rows) {
        rows.push({
          where: 'chromium',
          backend,
          model: r.model,
          norm: r.norm,
          msPerStep: round(r.never),
          msPerStepRecordingEveryStep: round(r.every),
          recordingOverheadPct: round((r.overhead / r.never) * 100),
          kernelsPerTimeStep: round(r.kernels),
          recurrenceKernelsPerTimeStep: Math.round(r.recurrence * 100) / 100,
          ...(r.programs !== null ? { programsPerTimeStep: round(r.programs) } : {}),
          ...(r.stepByStep
            ? {
                stepByStep: {
                  msPerStep: round(r.stepByStep.msPerStep),
                  kernelsPerTimeStep: round(r.stepByStep.kernelsPerTimeStep),
                  ...(r.stepByStep.programsPerTimeStep !== null
                    ? { programsPerTimeStep: round(r.stepByStep.programsPerTimeStep) }
                    : {}),
                },
              }
            : {}),
        })
        process.stderr.write(
          `chromium ${backend} ${r.norm} ${r.model}: ${round(r.never)} ms, ${round(r.kernels)} kernels per time step${r.programs !== null ? ` (${round(r.programs)} programs)` : ''}, the recurrence's ${Math.round(r.recurrence * 100) / 100}${r.stepByStep ? ` (step by step: ${round(r.stepByStep.msPerStep)} ms, ${round(r.stepByStep.kernelsPerTimeStep)} kernels${r.stepByStep.programsPerTimeStep !== null ? `, ${round(r.stepByStep.programsPerTimeStep)} programs` : ''})` : ''}\n`,
        )
      }
    }
  } finally {
    await close()
  }
  return rows
}
