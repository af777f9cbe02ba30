// tfjs backends for the headless engine (CLI, benchmarks): wasm (fast on this CPU) or cpu.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { tf } from '../../shared/engine/core/tf'
import { prepareWasmKernels } from '../../shared/engine/recurrence/wasm/register'
import { useBase64Encoder } from '../../shared/contract/packed'

export const NODE_BACKENDS = ['wasm', 'cpu'] as const
export type NodeBackend = (typeof NODE_BACKENDS)[number]

const require = createRequire(import.meta.url)
// PROD silences tfjs's advice to install tfjs-node (not available here) and skips debug checks.
tf.env().set('PROD', true)
// Recorded statistics are packed as base64 every recording step: Buffer's encoder, not the JS loop.
useBase64Encoder((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'))
setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/')

export async function useNodeBackend(name: string): Promise<NodeBackend> {
  if (!(NODE_BACKENDS as readonly string[]).includes(name))
    throw new Error(`--backend must be one of ${NODE_BACKENDS.join(', ')}, got "${name}"`)
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start`)
  await tf.ready()
  if (name === 'wasm') await prepareWasmKernels()
  return name as NodeBackend
}
