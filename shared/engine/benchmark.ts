// Times training steps the way the trainer runs them; used by `npm run bench` in Node and in
// Chromium (same code on every backend).
import { createBatcher } from './batcher'
import { TrainConfig } from './config'
import { addingTask } from './data/tasks/adding'
import { initParams } from './init'
import { disposeStep, RecurrentNet } from './network'
import { Rng } from './rng'
import { createOptimizer, modelSpecOf, runStep } from './trainer'

export interface BenchCase {
  hidden: number
  T: number
  batch: number
  norm: 'none' | 'bn_step' | 'ln'
}

export const BENCH_CASES: BenchCase[] = [64, 128].flatMap((hidden) =>
  (['none', 'bn_step', 'ln'] as const).map((norm) => (hidden === 64 ? { hidden, T: 50, batch: 32, norm } : { hidden, T: 100, batch: 64, norm })),
)

export const benchLabel = (c: BenchCase) => `LSTM h${c.hidden} T${c.T} b${c.batch}`

/** Median milliseconds per LSTM training step; recording per-timestep statistics every step or never. */
export async function timeTrainingStep(c: BenchCase, record: boolean, steps: number, now: () => number): Promise<number> {
  const config = TrainConfig.parse({ task: 'adding', cell: 'lstm', norm: c.norm, hidden: c.hidden, batchSize: c.batch, lengths: { kind: 'fixed', length: c.T } })
  const task = addingTask(config.lengths, 0)
  const spec = modelSpecOf(config, task)
  const net = new RecurrentNet(spec, initParams(spec, 0, { bn: 0.1, norm: 1 }))
  const optimizer = createOptimizer(config)
  const next = createBatcher(task, c.batch, 'mask', new Rng(0))
  const times: number[] = []
  for (let i = 0; i < steps + 2; i++) {
    const batch = next()
    const t0 = now()
    const out = runStep(net, optimizer, batch, config, record)
    // What the trainer reads back each step: the scalars and, when recording, the statistics.
    await Promise.all([out.loss.data(), ...Object.values(out.recorded).flatMap((m) => [m.mean.data(), m.variance.data()])])
    disposeStep(out)
    if (i >= 2) times.push(now() - t0) // the first steps compile shaders and allocate
  }
  optimizer.dispose()
  net.dispose()
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}
