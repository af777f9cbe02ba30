// Starts tfjs in the renderer: WebGL first, then wasm, then cpu, and says why it fell back.
// Also reads what the GPU says about itself, for the environment badge and the run records.
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-webgl'
import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'  // also registers the wasm backend
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'

export type BackendName = 'webgl' | 'wasm' | 'cpu'

export interface BackendInfo {
  backend: BackendName
  webglVersion: number | null
  gpuRenderer: string | null
  float32: boolean | null
  /** Why the preferred backend was not used, when it was not. */
  fallbackReason: string | null
}

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
})

export function readGpuRenderer(): string | null {
  try {
    const canvas = document.createElement('canvas')
    const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl')
    if (!gl) return null
    const ext = gl.getExtension('WEBGL_debug_renderer_info')
    const renderer = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)
    gl.getExtension('WEBGL_lose_context')?.loseContext()
    return typeof renderer === 'string' ? renderer : null
  } catch {
    return null
  }
}

async function trySet(name: BackendName): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name)
    if (!ok) return `${name} did not initialize`
    await tf.ready()
    // A real computation, so a backend that registers but cannot run is caught here.
    const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])))
    const values = await probe.data()
    probe.dispose()
    return values[0] === 4 && values[1] === 6 ? null : `${name} computed a wrong sum`
  } catch (error) {
    return (error as Error).message || String(error)
  }
}

export async function startComputeBackend(preferred: BackendName = 'webgl'): Promise<BackendInfo> {
  const order: BackendName[] = [preferred, ...(['webgl', 'wasm', 'cpu'] as const).filter((b) => b !== preferred)]
  let firstFailure: string | null = null
  for (const name of order) {
    const failure = await trySet(name)
    if (failure === null) {
      const webgl = name === 'webgl'
      return {
        backend: name,
        webglVersion: webgl ? tf.env().getNumber('WEBGL_VERSION') : null,
        gpuRenderer: webgl ? readGpuRenderer() : null,
        float32: webgl ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : null,
        fallbackReason: name === preferred ? null : `${preferred}: ${firstFailure ?? 'unavailable'}`,
      }
    }
    firstFailure ??= failure
  }
  throw new Error(firstFailure ?? 'no backend')
}
