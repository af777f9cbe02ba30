// The numerics gate: before the lab trains on a backend it runs PyTorch reference cases there and
// refuses the backend if any value is off. A GPU driver, a browser or a tfjs kernel can compute
// wrong numbers without an error (NaN gradients on an NVIDIA GPU through ANGLE/Vulkan were the
// first seen); the gate turns that into a fallback with a reason instead of ruined runs.
import type { NumericsCheck } from '../contract/schemas'
import { CELLS, NORMS, normDefinition } from '../kinds'
import { runGoldenCase, type GoldenCase } from './golden'
import { describeFailure, type CaseResult } from './golden-result'

/**
 * The gate's cases: one per cell and per norm, and the training case, so every kernel a training
 * step uses runs at least once (matMul forward and both gradients, every normalizing kernel and its
 * gradient, masking, the optimizer update, population statistics, evaluation past the trained
 * length). The full self-check runs every case.
 */
export const GATE_CASES = [
  'cell-lstm-bn_step.json',
  'cell-gru-ln.json',
  'cell-rnn-gn.json',
  'cell-lstm-bn_seq.json',
  'cell-gru-none.json',
  'train-lstm-bn_step.json',
] as const

/** Every reference case that ships in shared/goldens/ (a unit test keeps this list equal to the folder). */
export const REFERENCE_CASES = [
  ...CELLS.flatMap((cell) => NORMS.map((norm) => `cell-${cell}-${norm}.json`)),
  ...NORMS.filter((norm) => normDefinition(norm).over !== 'none').map((norm) => `norm-${norm}.json`),
  'train-lstm-bn_step.json',
]

export interface NamedCase {
  name: string
  data: GoldenCase
}

/** The outcome of the gate on one backend, as the page caches it and each run's device info stores it. */
export type NumericsSummary = NumericsCheck

/** What a backend's numbers depend on, beyond the inputs. */
export interface NumericsEnvironment {
  backend: string
  /** tfjs-core and the backend package's versions (a kernel can change without an app release). */
  tfjs: string
  backendVersion: string
  /** WebGL: the GPU and driver as the browser reports them (renderer, vendor, version, shading language). */
  gpu: {
    renderer: string | null
    vendor: string | null
    version: string | null
    shadingLanguage: string | null
    float32: boolean | null
  } | null
  appVersion: string
  /** A hash of the engine's own source and the reference cases (changes with any kernel edit, release or not). */
  engine: string
  /** The browser or runtime (its ANGLE, its WebGL implementation). */
  agent: string
}

/** One string for all of it: a remembered check is reused only while this is unchanged. */
export function numericsFingerprint(env: NumericsEnvironment): string {
  return JSON.stringify([env.backend, env.tfjs, env.backendVersion, env.gpu, env.appVersion, env.engine, env.agent])
}

/** The remembered check that still holds for this fingerprint (backend included), if any. */
export function rememberedCheckFor(checked: readonly NumericsCheck[], fingerprint: string): NumericsCheck | undefined {
  return checked.find((s) => s.fingerprint === fingerprint)
}

export interface CheckOptions {
  /** Called after each case, for progress. */
  onCase?: (result: CaseResult) => void
  /** Stop at the first failing case (the gate), or run them all (the self-check). */
  stopAtFailure?: boolean
  now?: () => number
}

/** Runs reference cases on the active tfjs backend and sums them up. */
export async function checkNumerics(
  cases: readonly NamedCase[],
  context: Pick<NumericsSummary, 'backend' | 'gpuRenderer' | 'appVersion' | 'strict' | 'fingerprint'>,
  options: CheckOptions = {},
): Promise<{ summary: NumericsSummary; results: CaseResult[] }> {
  const now = options.now ?? (() => Date.now())
  const started = now()
  const results: CaseResult[] = []
  for (const c of cases) {
    const result = await runGoldenCase(c.name, c.data)
    results.push(result)
    options.onCase?.(result)
    if (!result.pass && options.stopAtFailure) break
  }
  const failed = results.find((r) => !r.pass)
  const summary: NumericsSummary = {
    ...context,
    cases: results.length,
    passed: results.filter((r) => r.pass).length,
    worstRatio: finiteOrNull(Math.max(0, ...results.map((r) => r.worstRatio))),
    failure: failed ? describeFailure(failed) : null,
    checkedAt: Date.now(),
    ms: Math.round(now() - started),
  }
  return { summary, results }
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null)
