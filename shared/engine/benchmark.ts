// Times training steps the way the trainer runs them; used by `npm run bench` in Node and in
// Chromium (same code on every backend).
import { createBatcher } from './batcher'
import { TrainConfig } from '../contract/train-config'
import { addingTask } from './data/tasks/adding'
import { initParams } from './init'
import { disposeStep, RecurrentNet } from './network'
import { Rng } from './core/rng'
import { createOptimizer, modelSpecOf, readStep, runStep } from './trainer'
import { recurrenceOpEnabled, setRecurrenceOp } from './recurrence'
import { tf } from './core/tf'
import { FUSED_ADAM } from './fused-adam'
import type { BenchCase } from './bench-cases'
import { PROBE_CASE, PROBE_STEPS } from './backend-probe'

export { BENCH_CASES, benchLabel, type BenchCase } from './bench-cases'

function setup(c: BenchCase) {
  const config = TrainConfig.parse({
    task: 'adding',
    cell: c.cell,
    norm: c.norm,
    hidden: c.hidden,
    batchSize: c.batch,
    lengths: { kind: 'fixed', length: c.T },
  })
  const task = addingTask(config.lengths, 0)
  const spec = modelSpecOf(config, task)
  const net = new RecurrentNet(spec, initParams(spec, 0, { bn: 0.1, norm: 1 }))
  const optimizer = createOptimizer(config)
  const next = createBatcher(task, c.batch, 'mask', new Rng(0))
  return { config, spec, net, optimizer, next }
}

/** Runs `f` with the recurrence op on or off (the step-by-step reference: "before"), then restores the setting. */
export async function withRecurrenceOp<T>(on: boolean, f: () => Promise<T>): Promise<T> {
  const was = recurrenceOpEnabled()
  setRecurrenceOp(on)
  try {
    return await f()
  } finally {
    setRecurrenceOp(was)
  }
}

export interface KernelProfile {
  /** Kernels one training step launches, per time step (forward, backward and the optimizer). */
  perTimeStep: number
  /**
   * WebGL only: shader programs run per time step, what the GPU is actually asked to do. More
   * than the kernels: a kernel may run several (a row's statistics first), and tfjs packs and
   * unpacks textures between packed and unpacked programs without a kernel of its own.
   */
  programsPerTimeStep: number | null
  /**
   * The recurrence op's own kernels (NormLab*: the time loop and the input term's norm) per time
   * step; the rest of a step is the loss, the gradient's norm and the optimizer, which run once a
   * step whatever T is. On WebGPU each is one dispatch, and the time loop two a sequence.
   */
  recurrencePerTimeStep: number
  /** How many times each kernel ran in that step, by name. */
  counts: Record<string, number>
  /** The kernels that took longest in that step: name, launches, total ms (where the backend times kernels). */
  top: { name: string; count: number; ms: number | null }[]
}

/** One training step under tf.profile: how many kernels it launches, and where its time goes. */
export async function profileTrainingStep(c: BenchCase, record: boolean): Promise<KernelProfile> {
  const { config, spec, net, optimizer, next } = setup(c)
  // A first step compiles and allocates; the second's programs are counted (outside tf.profile,
  // which reads every kernel's output back where the GPU has no timer); the third is profiled.
  disposeStep(runStep(net, optimizer, next(), config, record))
  const programs = countGpuPrograms()
  try {
    const counted = runStep(net, optimizer, next(), config, record)
    await readStep(counted, spec, record && config.recordFeatures)
    disposeStep(counted)
  } finally {
    programs.stop()
  }
  const batch = next()
  let out: ReturnType<typeof runStep> | null = null
  const info = await tf.profile(() => {
    out = runStep(net, optimizer, batch, config, record)
    return out.loss
  })
  disposeStep(out!)
  optimizer.dispose()
  net.dispose()
  const byName = new Map<string, { count: number; ms: number | null }>()
  for (const k of info.kernels) {
    // The sequence op's own entry ("forward", a customGrad) contains the kernels it ran: not counted twice.
    const entry = byName.get(k.name) ?? { count: 0, ms: 0 }
    entry.count++
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : null
    entry.ms = entry.ms === null || ms === null ? null : entry.ms + ms
    byName.set(k.name, entry)
  }
  const top = [...byName]
    .map(([name, e]) => ({ name, count: e.count, ms: e.ms === null ? null : Math.round(e.ms * 100) / 100 }))
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0) || b.count - a.count)
  const counted = programs.stop()
  const recurrence = info.kernels.filter((k) => k.name.startsWith('NormLab') && k.name !== FUSED_ADAM).length
  return {
    perTimeStep: info.kernels.filter((k) => k.name !== 'forward').length / c.T,
    programsPerTimeStep: counted === null ? null : counted / c.T,
    recurrencePerTimeStep: recurrence / c.T,
    counts: Object.fromEntries([...byName].map(([name, e]) => [name, e.count])),
    top: top.slice(0, 10),
  }
}

/** The method every shader program goes through on a GPU backend (packing and unpacking too). */
const PROGRAM_RUNNERS: Record<string, string> = { webgl: 'runWebGLProgram', webgpu: 'runWebGPUProgram' }

/** Counts the shader programs (on WebGPU, dispatches) the GPU backend runs until stop() (null on other backends). */
function countGpuPrograms(): { stop: () => number | null } {
  const method = PROGRAM_RUNNERS[tf.getBackend()]
  const backend = tf.backend() as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>
  const original = method ? backend[method] : undefined
  if (!method || !original) return { stop: () => null }
  let count = 0
  let counting = true
  backend[method] = function (this: unknown, ...args: unknown[]) {
    if (counting) count++
    return original.apply(this, args)
  }
  return {
    stop: () => {
      if (counting) {
        counting = false
        delete backend[method] // the prototype's method again
      }
      return count
    },
  }
}

/** Kernels one training step launches (tf.profile), per time step: forward, backward and the optimizer. */
export async function kernelsPerTimeStep(c: BenchCase, record: boolean): Promise<number> {
  return (await profileTrainingStep(c, record)).perTimeStep
}

/**
 * Runs `count` training steps of a fresh model as the trainer does — the step, then one readback
 * of the scalars and, on a recording step, the statistics unpacked into the records it writes —
 * and times each. `recordAt(i)`: whether step i records.
 */
async function timeSteps(
  c: BenchCase,
  count: number,
  now: () => number,
  recordAt: (i: number) => boolean,
): Promise<{ record: boolean; ms: number }[]> {
  const { config, spec, net, optimizer, next } = setup(c)
  const times: { record: boolean; ms: number }[] = []
  for (let i = 0; i < count; i++) {
    const record = recordAt(i)
    const batch = next()
    const t0 = now()
    const out = runStep(net, optimizer, batch, config, record)
    await readStep(out, spec, record && config.recordFeatures)
    disposeStep(out)
    times.push({ record, ms: now() - t0 })
  }
  optimizer.dispose()
  net.dispose()
  return times
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Median milliseconds per training step; recording per-timestep statistics every step or never. */
export async function timeTrainingStep(
  c: BenchCase,
  record: boolean,
  steps: number,
  now: () => number,
): Promise<number> {
  // The first two steps compile shaders and allocate: not timed.
  const times = await timeSteps(c, steps + 2, now, () => record)
  return median(times.slice(2).map((t) => t.ms))
}

/**
 * Median ms per step never recording and recording every step, the two alternating step by step
 * on one model, and the cost of recording: the median over adjacent pairs of (recording −
 * not). A noisy machine's drift (this 2-core one's runs of the same case range ±30 %) falls on
 * both steps of a pair alike; the difference of the two medians moved ±5 points of a 5 % target
 * from run to run, the paired median about half that.
 */
export async function timeRecordingPair(
  c: BenchCase,
  steps: number,
  now: () => number,
): Promise<{ never: number; every: number; overhead: number }> {
  const times = (await timeSteps(c, 2 * (steps + 2), now, (i) => i % 2 === 1)).slice(4)
  const pairs = Array.from({ length: times.length >> 1 }, (_, k) => times[2 * k + 1]!.ms - times[2 * k]!.ms)
  return {
    never: median(times.filter((t) => !t.record).map((t) => t.ms)),
    every: median(times.filter((t) => t.record).map((t) => t.ms)),
    overhead: median(pairs),
  }
}

/** Times the backend probe's model on the active backend (ms per step, the median of PROBE_STEPS; backend-probe.ts). */
export function probeActiveBackend(now: () => number): Promise<number> {
  return timeTrainingStep(PROBE_CASE, false, PROBE_STEPS, now)
}
