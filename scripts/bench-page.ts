// The browser side of `npm run bench` and of ../shared/gpu-bench: the same timing code on webgl and
// wasm, and the numerics self-check (every reference case) on a backend, as JSON.
import '@tensorflow/tfjs-backend-webgl'
import '@tensorflow/tfjs-backend-webgpu'
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import {
  BENCH_CASES,
  benchLabel,
  profileTrainingStep,
  timeRecordingPair,
  timeTrainingStep,
  withRecurrenceOp,
} from '../shared/engine/benchmark'
import { setOneWorkgroupMax, setUnpackedMatMulMax } from '../shared/engine/recurrence'
import { asGoldenCase, runGoldenCase } from '../shared/engine/golden'
import { checkNumerics, REFERENCE_CASES } from '../shared/engine/numerics'
import { tf } from '../shared/engine/core/tf'
import { FusedAdamOptimizer, hasFusedAdam } from '../shared/engine/fused-adam'
import { registerWebglKernels } from '../shared/engine/recurrence/webgl/register'
import { registerWebgpuKernels } from '../shared/engine/recurrence/webgpu/register'
import { prepareWasmKernels } from '../shared/engine/recurrence/wasm/register'
import {
  agreement,
  disagreements,
  GPU_AGREEMENT_TOLERANCE,
  sampleCases,
  type Agreement,
} from '../tests/support/agreement'
import { installPaddingSafeMatMul } from '../shared/engine/webgl/packed-matmul'
import { poisonPackedPadding } from '../shared/engine/webgl/poison-padding'
import type { SelfCheckPass } from './self-check-pass'

setWasmPaths('./')
// As the app runs it (renderer/src/training/backends.ts): single-threaded, the build the recurrence kernels run on.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
installPaddingSafeMatMul()
registerWebglKernels()
registerWebgpuKernels()

// Every kernel the engine launches through tf.engine().runKernel (the recurrence's own), counted by name: what ran, for the tests.
const launched = new Map<string, number>()
const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown }
const runKernel = engine.runKernel.bind(engine)
engine.runKernel = (name, ...rest) => {
  launched.set(name, (launched.get(name) ?? 0) + 1)
  return runKernel(name, ...rest)
}

/** The kernels launched since the last call, by name. */
function kernelCounts(): Record<string, number> {
  const out = Object.fromEntries(launched)
  launched.clear()
  return out
}

async function useBackend(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} did not start`)
  await tf.ready()
  if (backend === 'wasm') await prepareWasmKernels()
}

function rendererString(): string | null {
  if (tf.getBackend() !== 'webgl') return null
  const gl = (tf.backend() as MathBackendWebGL).gpgpu.gl
  const ext = gl.getExtension('WEBGL_debug_renderer_info')
  return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER))
}

async function runBench(backend: string, steps: number, only: string | null = null, before = true) {
  await useBackend(backend)
  const rows = []
  for (const c of BENCH_CASES.filter(
    (c) => !only || benchLabel(c).toLowerCase().includes(only.toLowerCase()) || c.norm === only,
  )) {
    const { never, every, overhead } = await timeRecordingPair(c, steps, () => performance.now())
    const profile = await profileTrainingStep(c, false)
    const kernels = profile.perTimeStep
    // The step-by-step reference on the same page: the "before" of the recurrence op.
    const stepByStep = before
      ? await withRecurrenceOp(false, async () => {
          const msPerStep = await timeTrainingStep(c, false, steps, () => performance.now())
          const p = await profileTrainingStep(c, false)
          return { msPerStep, kernelsPerTimeStep: p.perTimeStep, programsPerTimeStep: p.programsPerTimeStep }
        })
      : null
    rows.push({
      model: benchLabel(c),
      norm: c.norm,
      never,
      every,
      overhead,
      kernels,
      programs: profile.programsPerTimeStep,
      recurrence: profile.recurrencePerTimeStep,
      stepByStep,
      top: profile.top,
    })
  }
  return { rows, renderer: rendererString() }
}

/**
 * On WebGL: as training computes (plain); with texture padding poisoned (strict), which also fails
 * any kernel that reads past a tensor's edge; and with tfjs's own packed matMul (the bug fixed in
 * shared/engine/webgl/packed-matmul.ts), to show what this GPU does with it. Elsewhere: plain.
 */
const DEFAULT_PASSES: SelfCheckPass[] = [
  { name: 'plain', matMul: 'padding-safe', poison: false },
  { name: 'strict', matMul: 'padding-safe', poison: true },
  { name: 'withTfjsMatMul', matMul: 'tfjs', poison: false },
]

/** Every reference case on the backend, once per pass (the gpu-bench entry passes a number: the defaults). */
async function runSelfCheck(backend: string, passes: SelfCheckPass[] | number = DEFAULT_PASSES) {
  await useBackend(backend)
  // esbuild bundles every file this template can name (shared/goldens/*.json).
  const load = async (name: string) =>
    ((await import(`../shared/goldens/${name.replace(/\.json$/, '')}.json`)) as { default: unknown }).default
  const cases = await Promise.all(
    REFERENCE_CASES.map(async (name) => ({ name, data: asGoldenCase(name, await load(name)) })),
  )
  const webgl = backend === 'webgl'
  const chosen = typeof passes === 'number' ? DEFAULT_PASSES : passes
  const out: Record<string, unknown> = {}
  for (const pass of webgl ? chosen : chosen.slice(0, 1)) {
    installPaddingSafeMatMul(pass.matMul === 'padding-safe')
    const unpoison = webgl && pass.poison ? poisonPackedPadding(tf.backend() as MathBackendWebGL) : () => {}
    try {
      const r = await checkNumerics(
        cases,
        {
          backend,
          gpuRenderer: rendererString(),
          appVersion: 'bench',
          strict: webgl && pass.poison,
          fingerprint: null,
        },
        { now: () => performance.now() },
      )
      out[pass.name] = {
        summary: r.summary,
        cases: r.results.map((c) => ({
          name: c.name,
          pass: c.pass,
          worstRatio: c.worstRatio,
          failing: c.comparisons.filter((x) => !x.pass).map((x) => `${x.name}: ${x.worstRatio}`),
          error: c.error ?? null,
        })),
      }
    } finally {
      unpoison()
      installPaddingSafeMatMul(true)
    }
  }
  // From ../shared/gpu-bench (passes given as a number): the recurrence op's agreement on this GPU too.
  if (typeof passes === 'number') {
    const agreements = await agreementSample(AGREEMENT_SEED, 1)
    out.recurrenceAgreement = {
      cases: agreements.length,
      throughOp: agreements.filter((a) => a.op).length,
      worst: Math.max(...agreements.flatMap((a) => Object.values(a.worst))),
      over: agreements.flatMap((a) =>
        disagreements(a, GPU_AGREEMENT_TOLERANCE).map(
          ([name, w]) => `${a.case.cell} ${a.case.norm} N${a.case.N} T${a.case.T} H${a.case.H} ${name}: ${w}`,
        ),
      ),
    }
  }
  return out
}

/** The seed of the sample the e2e and the GPU recipe draw (tests/support/agreement.ts). */
const AGREEMENT_SEED = 7100

async function agreementSample(
  seed: number,
  perPair: number,
  norms: readonly string[] | null = null,
): Promise<Agreement[]> {
  const out: Agreement[] = []
  for (const c of sampleCases(seed, perPair)) if (!norms || norms.includes(c.norm)) out.push(await agreement(c))
  return out
}

/**
 * The recurrence op against the step-by-step reference on a backend, on a sample of random shapes
 * (every cell × norm); packedMatMul: the loop's matMuls through tfjs's packed matMul, as large
 * models run on WebGL.
 */
/** stepKernels: on WebGPU, loop over the per-step kernels even where the one-dispatch loop would run (as for large BN models). */
async function runRecurrenceAgreement(
  backend: string,
  perPair = 1,
  packedMatMul = false,
  seed = AGREEMENT_SEED,
  norms: string[] | null = null,
  stepKernels = false,
) {
  await useBackend(backend)
  const was = packedMatMul ? setUnpackedMatMulMax(0) : null
  const wasOne = stepKernels ? setOneWorkgroupMax(0) : null
  try {
    return (await agreementSample(seed, perPair, norms)).map((a) => ({
      ...a,
      off: disagreements(a, backend === 'webgl' || backend === 'webgpu' ? GPU_AGREEMENT_TOLERANCE : undefined),
    }))
  } finally {
    if (was !== null) setUnpackedMatMulMax(was)
    if (wasOne !== null) setOneWorkgroupMax(wasOne)
  }
}

/** One training step of a bench case profiled on a backend: kernels by name, per time step, GPU programs. */
async function profileStep(backend: string, model: string, norm: string) {
  await useBackend(backend)
  const c = BENCH_CASES.find((x) => benchLabel(x) === model && x.norm === norm)
  if (!c) throw new Error(`no bench case ${model} ${norm}`)
  return { T: c.T, ...(await profileTrainingStep(c, false)) }
}

/**
 * The fused Adam against tfjs's on the same backend: `steps` updates of random variables from the
 * same random gradients (every other step clipped by a scale), both ways. Returns the largest
 * difference relative to the value's size, how far the values moved, and the tensors a step
 * after the first leaves behind (the first makes the moments' variables).
 */
async function checkFusedAdam(backend: string, steps = 6) {
  await useBackend(backend)
  if (!hasFusedAdam()) return { fused: false as const }
  const shapes = [[7, 13], [64, 256], [5]]
  const start = shapes.map((s) => tf.randomNormal(s, 0, 1, 'float32', 11))
  const vars = (tag: string) => start.map((t, i) => tf.variable(tf.clone(t), true, `${tag}${i}`))
  const ours = vars('fused')
  const theirs = vars('tfjs')
  const fused = new FusedAdamOptimizer(0.01)
  const reference = tf.train.adam(0.01)
  let leaked = 0
  for (let k = 0; k < steps; k++) {
    const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 1 + i, 'float32', 100 + k * 7 + i))
    const scale = k % 2 === 1 ? tf.scalar(0.3) : null
    const before = tf.memory().numTensors
    fused.applyScaledGradients(Object.fromEntries(grads.map((g, i) => [`fused${i}`, g])), scale)
    if (k > 0) leaked = Math.max(leaked, tf.memory().numTensors - before)
    const scaled = tf.tidy(() => grads.map((g) => (scale ? tf.mul(g, scale) : tf.clone(g))))
    reference.applyGradients(Object.fromEntries(scaled.map((g, i) => [`tfjs${i}`, g])) as never)
    tf.dispose([...grads, ...scaled, ...(scale ? [scale] : [])])
  }
  let worst = 0
  for (let i = 0; i < shapes.length; i++) {
    const a = await ours[i]!.data()
    const b = await theirs[i]!.data()
    for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!) / Math.max(1, Math.abs(b[j]!)))
  }
  let moved = 0
  for (let i = 0; i < shapes.length; i++) {
    const a = await ours[i]!.data()
    const s = await start[i]!.data()
    for (let j = 0; j < a.length; j++) moved = Math.max(moved, Math.abs(a[j]! - s[j]!))
  }
  fused.dispose()
  reference.dispose()
  tf.dispose([...ours, ...theirs, ...start])
  return { fused: true as const, worst, moved, leakedPerStep: leaked }
}

/** One float64 oracle case (tests/oracle) on the backend: each compared output's worst ratio to the tolerance. */
async function runOracleCase(
  backend: string,
  name: string,
  data: unknown,
): Promise<{ error: string | null; ratios: Record<string, number> }> {
  await useBackend(backend)
  const r = await runGoldenCase(name, asGoldenCase(name, data))
  return { error: r.error ?? null, ratios: Object.fromEntries(r.comparisons.map((c) => [c.name, c.worstRatio])) }
}

Object.assign(globalThis, {
  runOracleCase,
  runBench,
  runSelfCheck,
  runRecurrenceAgreement,
  profileStep,
  checkFusedAdam,
  kernelCounts,
})
