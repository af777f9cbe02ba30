// What a GPU backend gives the recurrence's kernels: a shading language and a way to run one
// program (a shader computing every element of one output) on named inputs. The kernels (this
// folder) are written once against it; webgl/ and webgpu/ each implement it in a few lines.
import type { tf } from '../../core/tf'
import type { ShaderLang } from './lang'

export type Info = tf.TensorInfo
export type Attrs = Record<string, unknown>

/**
 * One program: its inputs by name (read in code as getName(row, column)), its output's shape, its
 * source (sizes and modes compiled in). The step — a row offset into stacked tensors and a
 * statistics row — is a uniform, so one compiled program serves every time step.
 */
export interface ProgramSpec {
  names: string[]
  shape: number[]
  code: string
}

export interface Step {
  rowOffset: number
  statsRow: number
}

export const NO_STEP: Step = { rowOffset: 0, statsRow: 0 }

export interface Gpu {
  readonly lang: ShaderLang
  /** The most inputs one program may read (WebGL: texture units; WebGPU: storage buffers, less the output). */
  readonly maxInputs: number
  run(program: ProgramSpec, inputs: Info[], step: Step): Info
  dispose(t: Info): void
}

export const program = (names: string[], shape: number[], code: string): ProgramSpec => ({ names, shape, code })

/**
 * Runs a kernel's programs on the named inputs (one program an output), then frees what the
 * kernel computed first for them (row statistics, sums): `temp`.
 */
export function runReleasing(
  gpu: Gpu,
  programs: ProgramSpec[],
  inputs: Record<string, Info>,
  step: Step,
  temp: Info[],
): Info[] {
  const out = programs.map((p) =>
    gpu.run(
      p,
      p.names.map((n) => inputs[n]!),
      step,
    ),
  )
  for (const t of temp) gpu.dispose(t)
  return out
}
