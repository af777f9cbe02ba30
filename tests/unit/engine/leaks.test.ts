// Tensor-count leak tests: for every step function, the count after N calls equals the count after one.
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { createBatcher, evalBatches } from '../../../shared/engine/batcher'
import { TrainConfig } from '../../../shared/contract/train-config'
import { addingTask } from '../../../shared/engine/data/tasks/adding'
import { copyTask } from '../../../shared/engine/data/tasks/copy'
import { initParams } from '../../../shared/engine/init'
import { RecurrentNet, disposeStep } from '../../../shared/engine/network'
import { Rng } from '../../../shared/engine/core/rng'
import { CELLS, NORMS } from '../../../shared/kinds'
import { tf } from '../../../shared/engine/core/tf'
import {
  createOptimizer,
  evaluate,
  lengthEvaluation,
  modelSpecOf,
  runStep,
  train,
} from '../../../shared/engine/trainer'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const config = (over: Record<string, unknown>) =>
  TrainConfig.parse({
    task: 'adding',
    steps: 4,
    batchSize: 6,
    hidden: 8,
    groups: 2,
    lengths: { kind: 'uniform', min: 2, max: 9 },
    evalSamples: 12,
    evalLengths: [1, 2],
    ...over,
  })

async function countAfter(calls: number, fn: () => Promise<void> | void): Promise<number[]> {
  const counts: number[] = []
  for (let i = 0; i < calls; i++) {
    await fn()
    counts.push(tf.memory().numTensors)
  }
  return counts
}

describe('no tensor leaks', () => {
  for (const cell of CELLS) {
    for (const norm of NORMS) {
      it(`trainStep, recording or not, ${cell} + ${norm}`, async () => {
        const c = config({ cell, norm })
        const task = addingTask(c.lengths, 1)
        const spec = modelSpecOf(c, task)
        const net = new RecurrentNet(spec, initParams(spec, 1, { bn: 0.1, norm: 1 }))
        const optimizer = createOptimizer(c)
        const next = createBatcher(task, c.batchSize, 'mask', new Rng(2))
        let i = 0
        const counts = await countAfter(6, () => disposeStep(runStep(net, optimizer, next(), c, i++ % 2 === 0)))
        expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(', ')}`).toBe(1)
        const held = evalBatches(task.heldOut(12), 6, task)
        const evalCounts = await countAfter(3, async () => {
          await evaluate(net, held, 'last')
          await lengthEvaluation(net, task, c, 1)
        })
        expect(new Set(evalCounts).size).toBe(1)
        optimizer.dispose()
        net.dispose()
      })
    }
  }

  it('a sequence task (copy) with per-step outputs', async () => {
    const c = config({ task: 'copy', lengths: { kind: 'uniform', min: 11, max: 16 } })
    const task = copyTask(c.lengths, 1)
    const spec = modelSpecOf(c, task)
    const net = new RecurrentNet(spec, initParams(spec, 1, { bn: 0.1, norm: 1 }))
    const optimizer = createOptimizer(c)
    const next = createBatcher(task, c.batchSize, 'bucket', new Rng(2))
    const counts = await countAfter(5, () => disposeStep(runStep(net, optimizer, next(), c, true)))
    expect(new Set(counts.slice(1)).size).toBe(1)
    optimizer.dispose()
    net.dispose()
  })

  it('a whole training run leaves nothing behind', async () => {
    const before = tf.memory().numTensors
    await train(
      config({ norm: 'bn_step', recordEvery: 1, evalEvery: 2 }),
      addingTask({ kind: 'uniform', min: 2, max: 9 }, 1),
    )
    expect(tf.memory().numTensors).toBe(before)
  })
})
