// A run stopped at any step and resumed from its checkpoint trains on exactly as the run that
// never stopped: every later step's loss, gradient norm, recorded statistic and evaluation is
// identical, bit for bit, on cpu and wasm (Node), for each optimizer and for BN's population.
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { TrainingCheckpoint } from '../../../shared/contract/checkpoint'
import { TrainConfig } from '../../../shared/contract/train-config'
import { addingTask } from '../../../shared/engine/data/tasks/adding'
import { copyTask } from '../../../shared/engine/data/tasks/copy'
import { tf } from '../../../shared/engine/core/tf'
import { train, type TrainerHooks } from '../../../shared/engine/trainer'

const config = (over: Record<string, unknown>) =>
  TrainConfig.parse({
    task: 'adding',
    steps: 14,
    batchSize: 6,
    hidden: 8,
    lengths: { kind: 'longtail', min: 2, max: 12 },
    recordEvery: 2,
    evalEvery: 4,
    evalSamples: 12,
    evalLengths: [1, 2],
    ...over,
  })

const taskOf = (c: TrainConfig) => (c.task === 'copy' ? copyTask(c.lengths, c.seed) : addingTask(c.lengths, c.seed))

/** Everything a run reports, in order, as numbers (wall times left out). */
function recording(): { log: unknown[]; hooks: TrainerHooks; checkpoints: TrainingCheckpoint[] } {
  const log: unknown[] = []
  const checkpoints: TrainingCheckpoint[] = []
  const hooks: TrainerHooks = {
    onStep: (r) => void log.push(['step', r.step, r.loss, r.accuracy, r.gradNorm, r.counts]),
    onTimestepStats: (records) => void log.push(['stats', records]),
    onEval: (r) => void log.push(['eval', r.step, r.loss, r.accuracy]),
    onPopulation: (r) => void log.push(['population', r]),
    onLengthEval: (results) => void log.push(['lengths', results]),
    onCheckpoint: (c) => void checkpoints.push(TrainingCheckpoint.parse(JSON.parse(JSON.stringify(c)))),
  }
  return { log, hooks, checkpoints }
}

/** The reports from step `from` on. */
const after = (log: unknown[], from: number) =>
  log.slice(log.findIndex((e) => (e as [string, number])[0] === 'step' && (e as [string, number])[1] === from))

describe.each(['cpu', 'wasm'] as const)('resuming from a checkpoint on %s', (backend) => {
  const cases: [string, Record<string, unknown>, number][] = [
    ['BN-LSTM, Adam, stopped at an evaluation', { norm: 'bn_step' }, 8],
    ['BN-LSTM, Adam, stopped between evaluations', { norm: 'bn_step' }, 5],
    ['LN-GRU, RMSprop', { cell: 'gru', norm: 'ln', optimizer: 'rmsprop' }, 6],
    ['sequence-wise BN RNN, SGD, bucketed', { cell: 'rnn', norm: 'bn_seq', optimizer: 'sgd', batching: 'bucket' }, 7],
    [
      'copy task, GN-LSTM, clipped',
      { task: 'copy', norm: 'gn', groups: 2, clipNorm: 0.5, lengths: { kind: 'uniform', min: 11, max: 16 } },
      3,
    ],
  ]
  it.each(cases)('%s: identical to the run that never stopped', async (_name, over, stopAfter) => {
    await useNodeBackend(backend)
    const c = config(over)
    const whole = recording()
    await train(c, taskOf(c), whole.hooks)

    const first = recording()
    let trained = 0
    const stopped = await train(c, taskOf(c), {
      ...first.hooks,
      onStep: (r) => void (trained = r.step),
      shouldStop: () => trained >= stopAfter,
    })
    expect(stopped).toMatchObject({ status: 'interrupted', steps: stopAfter })
    const last = first.checkpoints.at(-1)!
    expect(last.step).toBe(stopAfter)

    const before = tf.memory().numTensors
    const resumed = recording()
    const result = await train(c, taskOf(c), resumed.hooks, last)
    expect(result.status).toBe('completed')
    expect(tf.memory().numTensors).toBe(before)
    expect(resumed.log).toEqual(after(whole.log, stopAfter + 1))
  })

  it('keeps the state when asked before a step (a pause), once per step', async () => {
    await useNodeBackend(backend)
    const c = config({ steps: 6, evalEvery: 0 })
    const run = recording()
    let step = 0
    await train(c, taskOf(c), {
      ...run.hooks,
      onStep: (r) => void (step = r.step),
      checkpointNow: () => step === 3 || step === 4,
    })
    expect(run.checkpoints.map((k) => k.step)).toEqual([3, 4])
  })
})

it('refuses a checkpoint of another model or past the run', async () => {
  await useNodeBackend('cpu')
  const c = config({ steps: 8 })
  const run = recording()
  await train(c, taskOf(c), run.hooks)
  const at = run.checkpoints[0]!
  expect(at.step).toBe(4)
  await expect(train(config({ steps: 8, optimizer: 'sgd' }), taskOf(c), {}, at)).rejects.toThrow(/optimizer is adam/)
  await expect(train(config({ steps: 2 }), taskOf(c), {}, at)).rejects.toThrow(/past this run's 2 steps/)
})
