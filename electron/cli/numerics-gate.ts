// The numerics gate for headless training (shared/engine/numerics.ts): before the CLI trains on
// a backend, the gate's reference cases run there; a backend that fails is not used, the next one
// is tried, and the reason is printed. The result goes into every run's device info.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { asGoldenCase } from '../../shared/engine/golden'
import {
  checkNumerics,
  GATE_CASES,
  numericsFingerprint,
  type NamedCase,
  type NumericsSummary,
} from '../../shared/engine/numerics'
import { tf } from '../../shared/engine/core/tf'
import { APP_VERSION } from '../store/services'
import { useNodeBackend, NODE_BACKENDS, type NodeBackend } from './node-backend'

/** The reference cases that ship in shared/goldens/ (this file and the CLI bundle sit two folders below the root). */
export function shippedGoldensDir(moduleUrl: string = import.meta.url): string {
  return fileURLToPath(new URL('../../shared/goldens/', moduleUrl))
}

function gateCases(dir = shippedGoldensDir()): NamedCase[] {
  return GATE_CASES.map((name) => ({
    name,
    data: asGoldenCase(name, JSON.parse(readFileSync(dir + name, 'utf8')) as unknown),
  }))
}

export interface GatedBackend {
  backend: NodeBackend
  numerics: NumericsSummary
  /** Why backends before it were not used. */
  skipped: string[]
}

/** Starts the preferred backend, else the next; each must pass the gate. Throws when none does. */
export async function gatedNodeBackend(preferred: string, say: (line: string) => void): Promise<GatedBackend> {
  if (!(NODE_BACKENDS as readonly string[]).includes(preferred))
    throw new Error(`--backend must be one of ${NODE_BACKENDS.join(', ')}, got "${preferred}"`)
  const cases = gateCases()
  const skipped: string[] = []
  for (const name of [preferred as NodeBackend, ...NODE_BACKENDS.filter((b) => b !== preferred)]) {
    try {
      await useNodeBackend(name)
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message}`)
      continue
    }
    const fingerprint = numericsFingerprint({
      backend: name,
      tfjs: tf.version_core,
      backendVersion: tf.version_core,
      gpu: null,
      appVersion: APP_VERSION,
      engine: 'node',
      agent: `Node ${process.versions.node}`,
    })
    const { summary } = await checkNumerics(
      cases,
      { backend: name, gpuRenderer: null, appVersion: APP_VERSION, strict: false, fingerprint },
      { stopAtFailure: true },
    )
    if (summary.failure === null) return { backend: name, numerics: summary, skipped }
    skipped.push(`${name}: numerics check failed, ${summary.failure}`)
    say(`Not training on ${name}: ${summary.failure}`)
  }
  throw new Error(`no backend passed the numerics check (${skipped.join('; ')})`)
}
