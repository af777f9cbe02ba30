// The webgpu backend as tfjs-backend-webgpu makes it, but asking the adapter for every storage
// buffer it can bind per shader (WebGPU's default is 8): a cell's backward with a normalized
// inner term reads 8 inputs and writes one. An adapter that cannot (a few mobile ones) fails
// the numerics gate, and the lab trains on the next backend.
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu'
import { tf } from '../core/tf'

/** The bindings the recurrence's largest program needs: 8 inputs and its output. */
export const STORAGE_BUFFERS_NEEDED = 9

interface Limits {
  [name: string]: number
}
interface Adapter {
  limits: Limits
  features: { has(name: string): boolean }
  info?: unknown
  requestDevice(descriptor: unknown): Promise<unknown>
}
type Navigator = { gpu?: { requestAdapter(options: unknown): Promise<Adapter | null> } }

const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
]

async function createBackend(): Promise<WebGPUBackend> {
  const gpu = (globalThis as { navigator?: Navigator }).navigator?.gpu
  if (!gpu) throw new Error('this browser has no WebGPU')
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter) throw new Error('no WebGPU adapter')
  const requiredLimits = Object.fromEntries(
    LIMITS.filter((name) => name in adapter.limits).map((name) => [name, adapter.limits[name]!]),
  )
  const requiredFeatures = ['timestamp-query'].filter((name) => adapter.features.has(name))
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures })
  return new WebGPUBackend(device as never, adapter.info as never)
}

/** Registers (or re-registers) the webgpu backend with the adapter's own limits. Call once where the webgpu backend is imported. */
export function registerWebgpuBackend(): void {
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu')
  tf.registerBackend('webgpu', createBackend, 1)
}
