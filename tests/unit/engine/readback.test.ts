// The once-a-step readback: on wasm it copies out of the backend's heap into an array kept
// between reads (tfjs's own read makes a new buffer each time); a recording step read that way
// gives the records the tensors hold.
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { tf } from '../../../shared/engine/core/tf'
import { readFloatsOnce } from '../../../shared/engine/readback'
import { TrainConfig } from '../../../shared/contract/train-config'
import { addingTask } from '../../../shared/engine/data/tasks/adding'
import { initParams } from '../../../shared/engine/init'
import { disposeStep, RecurrentNet } from '../../../shared/engine/network'
import { Rng } from '../../../shared/engine/core/rng'
import { createOptimizer, modelSpecOf, readStep, runStep } from '../../../shared/engine/trainer'
import { createBatcher } from '../../../shared/engine/batcher'
import { unpackFloat32, type PackedMatrix } from '../../../shared/contract/packed'

describe('readFloatsOnce', () => {
  it.each(['wasm', 'cpu'])('%s: the tensor’s values; on wasm in one kept array', async (backend) => {
    await useNodeBackend(backend)
    const a = tf.randomNormal([37, 11], 0, 1, 'float32', 1)
    const b = tf.randomNormal([5], 0, 1, 'float32', 2)
    const first = await readFloatsOnce(a)
    expect(Array.from(first)).toEqual(Array.from(a.dataSync()))
    const firstBuffer = first.buffer
    const second = await readFloatsOnce(b)
    expect(Array.from(second)).toEqual(Array.from(b.dataSync()))
    if (backend === 'wasm') expect(second.buffer).toBe(firstBuffer)
    tf.dispose([a, b])
  })

  it('wasm: a recording step’s records are the recorded tensors’ values', async () => {
    await useNodeBackend('wasm')
    const config = TrainConfig.parse({
      task: 'adding',
      cell: 'lstm',
      norm: 'ln',
      hidden: 8,
      batchSize: 4,
      lengths: { kind: 'fixed', length: 6 },
    })
    const task = addingTask(config.lengths, 0)
    const spec = modelSpecOf(config, task)
    const net = new RecurrentNet(spec, initParams(spec, 0, { bn: 0.1, norm: 1 }))
    const optimizer = createOptimizer(config)
    const out = runStep(net, optimizer, createBatcher(task, 4, 'mask', new Rng(0))(), config, true)
    const { scalars, stats } = await readStep(out, spec, true)
    expect(scalars[0]).toBeCloseTo(out.loss.dataSync()[0]!, 6)
    expect(stats.length).toBeGreaterThan(0)
    for (const s of stats) {
      const m = out.recorded[s.term]!
      expect(Array.from(unpackFloat32(s.featureMean as PackedMatrix))).toEqual(Array.from(m.mean.dataSync()))
      expect(Array.from(unpackFloat32(s.featureVar as PackedMatrix))).toEqual(Array.from(m.variance.dataSync()))
    }
    disposeStep(out)
    optimizer.dispose()
    net.dispose()
  })
})
