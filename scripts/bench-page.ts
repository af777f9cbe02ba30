// The browser side of `npm run bench -- --browser`: the same timing code on webgl and wasm.
import '@tensorflow/tfjs-backend-webgl'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { BENCH_CASES, benchLabel, timeTrainingStep } from '../shared/engine/benchmark'
import { tf } from '../shared/engine/tf'

setWasmPaths('./')

async function runBench(backend: string, steps: number) {
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} did not start`)
  await tf.ready()
  const rows = []
  for (const c of BENCH_CASES) {
    const never = await timeTrainingStep(c, false, steps, () => performance.now())
    const every = await timeTrainingStep(c, true, steps, () => performance.now())
    rows.push({ model: benchLabel(c), norm: c.norm, never, every })
  }
  return { rows, renderer: tf.getBackend() === 'webgl' ? tf.env().getNumber('WEBGL_VERSION') : null }
}

;(globalThis as unknown as { runBench: typeof runBench }).runBench = runBench
