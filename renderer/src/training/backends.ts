/// <reference lib="webworker" />
// Runs in the training worker: starts a tfjs backend (with a time limit), reads what the GPU says
// about itself, and gates the backend on its numerics before anything trains on it.
import { version_webgl } from '@tensorflow/tfjs-backend-webgl'
// The package does not re-export its version (4.22): read from its own module.
import { version as version_webgpu } from '@tensorflow/tfjs-backend-webgpu/dist/version'
import { version_cpu } from '@tensorflow/tfjs-backend-cpu'
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm'
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'
import { asGoldenCase } from '../../../shared/engine/golden'
import type { CaseResult } from '../../../shared/engine/golden-result'
import {
  checkNumerics,
  GATE_CASES,
  numericsFingerprint,
  type NamedCase,
  type NumericsEnvironment,
  type NumericsSummary,
} from '../../../shared/engine/numerics'
import { tf } from '../../../shared/engine/core/tf'
import { withTimeout } from '../../../shared/timers'
import { registerWebglKernels } from '../../../shared/engine/recurrence/webgl/register'
import { registerWebgpuKernels } from '../../../shared/engine/recurrence/webgpu/register'
import { prepareWasmKernels } from '../../../shared/engine/recurrence/wasm/register'
import { installPaddingSafeMatMul } from '../../../shared/engine/webgl/packed-matmul'
import { poisonPackedPadding } from '../../../shared/engine/webgl/poison-padding'
import type { BackendName } from './protocol'

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
})
tf.env().set('PROD', true)
// Threaded wasm starts its helper workers from blob: scripts, which the page's CSP (script-src
// 'self') refuses, so the backend never started. One thread it is: the lab's matrices are small.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
installPaddingSafeMatMul()
registerWebglKernels()
registerWebgpuKernels()

/** A backend that has not started after this long is given up on (ms). */
export const BACKEND_START_LIMIT_MS = 30_000

type Gpu = NonNullable<NumericsEnvironment['gpu']>

/** What the browser says about the GPU and its driver (WebGL2). */
export function gpuIdentity(): Gpu | null {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2')
    if (!gl) return null
    const ext = gl.getExtension('WEBGL_debug_renderer_info')
    const text = (value: unknown) => (typeof value === 'string' ? value : null)
    const identity: Gpu = {
      renderer: text(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)),
      vendor: text(ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)),
      version: text(gl.getParameter(gl.VERSION)),
      shadingLanguage: text(gl.getParameter(gl.SHADING_LANGUAGE_VERSION)),
      float32: gl.getExtension('EXT_color_buffer_float') !== null,
    }
    gl.getExtension('WEBGL_lose_context')?.loseContext()
    return identity
  } catch {
    return null
  }
}

export function gpuRenderer(): string | null {
  return gpuIdentity()?.renderer ?? null
}

/** The engine's source and reference cases, hashed at build time (electron.vite.config.ts); "source" when run unbuilt. */
declare const __NORMLAB_ENGINE__: string | undefined
const ENGINE = typeof __NORMLAB_ENGINE__ === 'string' ? __NORMLAB_ENGINE__ : 'source'
const BACKEND_VERSIONS: Record<BackendName, string> = {
  webgpu: version_webgpu,
  webgl: version_webgl,
  wasm: version_wasm,
  cpu: version_cpu,
}

/** Everything that can change a backend's numbers here: a remembered check holds only while this is unchanged. */
export function backendFingerprint(backend: BackendName, appVersion: string): string {
  return numericsFingerprint({
    backend,
    tfjs: tf.version_core,
    backendVersion: BACKEND_VERSIONS[backend],
    // WebGPU runs on the GPU WebGL names (its own adapter info is not exposed in every browser).
    gpu: backend === 'webgl' || backend === 'webgpu' ? gpuIdentity() : null,
    appVersion,
    engine: ENGINE,
    agent: typeof navigator === 'undefined' ? 'unknown' : navigator.userAgent,
  })
}

/** Starts a backend and runs one real computation on it; the reason it could not, or null. */
export async function startBackend(name: BackendName, limitMs = BACKEND_START_LIMIT_MS): Promise<string | null> {
  const attempt = (async () => {
    try {
      if (!(await tf.setBackend(name))) return `${name} did not initialize`
      await tf.ready()
      if (name === 'wasm') await prepareWasmKernels()
      const probe = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]))
      const values = await probe.data()
      probe.dispose()
      return values[0] === 4 && values[1] === 6 ? null : `${name} computed a wrong sum`
    } catch (error) {
      return (error as Error).message || String(error)
    }
  })()
  return withTimeout(attempt, limitMs, () => `${name} did not start within ${limitMs / 1000} s`)
}

/** The reference cases, fetched lazily: they ship with the app as JSON chunks. */
const caseFiles = import.meta.glob('../../../shared/goldens/*.json', { import: 'default' })

export async function loadCases(names?: readonly string[]): Promise<NamedCase[]> {
  const entries = Object.entries(caseFiles)
    .map(([path, load]) => ({ name: path.split('/').pop()!, load }))
    .filter((c) => !names || names.includes(c.name))
    .sort((a, b) => a.name.localeCompare(b.name))
  return Promise.all(entries.map(async (c) => ({ name: c.name, data: asGoldenCase(c.name, await c.load()) })))
}

export interface CheckRequest {
  backend: BackendName
  appVersion: string
  /** The full self-check (every case) or the gate (a subset, stopping at the first failure). */
  full: boolean
  /** Test hook: compute this check with tfjs's own packed matMul, the bug the gate exists for. */
  fault?: boolean
  onCase?: (result: CaseResult) => void
}

/**
 * Runs reference cases on the active backend. On WebGL the padding of every packed texture is
 * poisoned with NaN while they run (strict), so a kernel that reads it fails here on any GPU.
 */
export async function runNumericsCheck(
  request: CheckRequest,
): Promise<{ summary: NumericsSummary; results: CaseResult[] }> {
  const webgl = request.backend === 'webgl'
  const renderer = webgl ? gpuRenderer() : null
  const cases = await loadCases(request.full ? undefined : GATE_CASES)
  if (request.fault) installPaddingSafeMatMul(false)
  const unpoison = webgl ? poisonPackedPadding(tf.backend() as MathBackendWebGL) : () => {}
  try {
    const { summary, results } = await checkNumerics(
      cases,
      {
        backend: request.backend,
        gpuRenderer: renderer,
        appVersion: request.appVersion,
        strict: webgl,
        fingerprint: backendFingerprint(request.backend, request.appVersion),
      },
      { onCase: request.onCase, stopAtFailure: !request.full, now: () => performance.now() },
    )
    return { summary, results }
  } finally {
    unpoison()
    installPaddingSafeMatMul(true)
  }
}
