import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TrainConfig } from '../../shared/contract/train-config'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const MIGRATIONS = join(ROOT, 'migrations')

/** A fresh folder per test file; removed by the returned cleanup. */
export function tempDir(prefix = 'normlab-test-'): { dir: string; file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A valid run configuration (defaults filled, as every door stores it). */
export const sampleConfig = (overrides: Record<string, unknown> = {}) =>
  TrainConfig.parse({ task: 'adding', cell: 'lstm', norm: 'bn_step', batchSize: 8, seed: 1, hidden: 32, ...overrides })
