// The float64 oracle cases (tests/oracle/cases, its README): where they are, their files by
// shape, and one read as JSON with its meta — for the unit test (cpu, wasm) and the e2e (WebGL, WebGPU).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ROOT } from '../helpers/temp'

export const ORACLE_DIR = join(ROOT, 'tests', 'oracle', 'cases')

export interface OracleMeta {
  /** PyTorch float32's own worst error per compared output, in tolerances. */
  float32: Record<string, number>
  /** The worst change of the float64 answer under float32-level noise on the inputs, in tolerances. */
  conditioning: number
}

/** The shapes' folders, sorted. */
export const oracleShapes = (): string[] =>
  readdirSync(ORACLE_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()

/** Every case as "shape/file.json.gz", by shape then name. */
export const oracleFiles = (): string[] =>
  oracleShapes().flatMap((shape) =>
    readdirSync(join(ORACLE_DIR, shape))
      .filter((f) => f.endsWith('.json.gz'))
      .sort()
      .map((f) => `${shape}/${f}`),
  )

/** One case, parsed: the whole JSON (what the engine's reader validates) with its meta. */
export function readOracleCase(file: string): { meta: OracleMeta } & Record<string, unknown> {
  return JSON.parse(gunzipSync(readFileSync(join(ORACLE_DIR, file))).toString('utf8')) as { meta: OracleMeta }
}
