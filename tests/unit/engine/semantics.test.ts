import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { TrainConfig } from '../../../shared/contract/train-config'
import { addingTask } from '../../../shared/engine/data/tasks/adding'
import { initParams } from '../../../shared/engine/init'
import { RecurrentNet } from '../../../shared/engine/network'
import { stepInputs } from '../../../shared/engine/model'
import { countsPerStep } from '../../../shared/engine/core/moments'
import { normalizeSequence } from '../../../shared/engine/recurrence/norm-op'
import { PopulationError } from '../../../shared/engine/core/population'
import type { ModelSpec } from '../../../shared/engine/core/spec'
import { tf } from '../../../shared/engine/core/tf'
import { train, type StepReport } from '../../../shared/engine/trainer'
import type { TimestepRecord } from '../../../shared/contract'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const spec = (norm: ModelSpec['norm'], cell: ModelSpec['cell'] = 'lstm'): ModelSpec => ({
  cell,
  norm,
  inputSize: 2,
  hidden: 4,
  outputs: 1,
  groups: 2,
  eps: 1e-5,
})

describe('InstanceNorm over time', () => {
  const run = (X: number[][], lengths: number[], T: number) => {
    const N = lengths.length
    const counts = countsPerStep(lengths, T)
    const r = normalizeSequence(
      'in',
      1,
      1e-5,
      tf.tensor2d(X),
      { N, T, lengths, counts },
      tf.tensor1d([1, 1]),
      tf.tensor1d([0, 0]),
    )
    return r.y.arraySync() as number[][]
  }
  it("a sample's output depends on its own valid steps only: not on another sample, nor on the batch", () => {
    // Two samples, three steps (rows t·N + n); sample 1 is two steps long.
    const X = [
      [1, 2],
      [5, 0],
      [3, 6],
      [7, 2],
      [8, 1],
      [99, -99],
    ]
    const both = run(X, [3, 2], 3)
    const alone = run(
      [
        [1, 2],
        [3, 6],
        [8, 1],
      ],
      [3],
      3,
    )
    for (let t = 0; t < 3; t++) both[t * 2]!.forEach((v, c) => expect(v).toBeCloseTo(alone[t]![c]!, 5))
    // Sample 1 over its two steps: ±1 (two values, centered and scaled), whatever its padding holds.
    expect(both[1]![0]).toBeCloseTo(-1, 3)
    expect(both[3]![0]).toBeCloseTo(1, 3)
    const otherPadding = run(
      X.map((row, i) => (i === 5 ? [0, 0] : row)),
      [3, 2],
      3,
    )
    for (const i of [0, 1, 2, 3, 4]) otherPadding[i]!.forEach((v, c) => expect(v).toBeCloseTo(both[i]![c]!, 6))
  })
})

describe('masking', () => {
  it('a step with one valid sample has variance 0 and outputs beta, with finite gradients', () => {
    // Three samples, one step; only the second is valid (lengths 0 are never trained, so step 1 of [1, 2, 1] instead).
    const batch = { N: 3, T: 2, lengths: [1, 2, 1], counts: [3, 1] }
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [3, -1],
      [5, 7],
      [9, 9],
    ]) // rows t·N + n
    const gamma = tf.tensor1d([0.1, 0.1])
    const beta = tf.tensor1d([0.25, -0.5])
    const r = normalizeSequence('bn_step', 1, 1e-5, x, batch, gamma, beta)
    expect(Array.from(r.stats!.variance.dataSync()).slice(2)).toEqual([0, 0])
    expect(Array.from(r.stats!.mean.dataSync()).slice(2)).toEqual([5, 7])
    expect(Array.from(r.y.dataSync()).slice(8, 10)).toEqual([0.25, -0.5])
    const mask = tf.tensor2d([[1], [1], [1], [0], [1], [0]])
    const g = tf.grad((xv: tf.Tensor) =>
      tf.sum(tf.mul(normalizeSequence('bn_step', 1, 1e-5, xv as tf.Tensor2D, batch, gamma, beta).y, mask)),
    )(x)
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true)
  })

  it('padding does not change a sample: h_last of a short sample is the same alone or padded in a batch (no norm, LN)', () => {
    for (const norm of ['none', 'ln'] as const) {
      const s = spec(norm)
      const net = new RecurrentNet(s, initParams(s, 3, { bn: 0.1, norm: 1 }))
      const long = Array.from({ length: 7 * 2 }, (_, i) => Math.sin(i))
      const short = Array.from({ length: 3 * 2 }, (_, i) => Math.cos(i))
      const padded = stepInputs([...long, ...short, ...new Array(8).fill(42)], 2, 7, 2)
      const alone = stepInputs(short, 1, 3, 2)
      const batched = net.forward(padded, [7, 3], { mode: 'train' }).hLast.arraySync()[1]!
      const single = net.forward(alone, [3], { mode: 'train' }).hLast.arraySync()[0]!
      batched.forEach((v, i) => expect(v).toBeCloseTo(single[i]!, 6))
      net.dispose()
    }
  })

  it('counts valid samples per step and skips steps with none', () => {
    expect(countsPerStep([7, 5, 3, 2, 1], 7)).toEqual([5, 4, 3, 2, 2, 1, 1])
    expect(countsPerStep([2, 2], 4)).toEqual([2, 2, 0, 0])
  })
})

describe('population statistics policies', () => {
  it('"error" refuses sequences longer than training with a clear message; "last", "global" and "batch" evaluate them', async () => {
    const s = spec('bn_step')
    const net = new RecurrentNet(s, initParams(s, 3, { bn: 0.1, norm: 1 }))
    const optimizer = tf.train.sgd(0.1)
    const x = stepInputs(tf.randomUniform([4, 5, 2], 0, 1, 'float32', 1).dataSync(), 4, 5, 2)
    tf.dispose(
      Object.values(net.trainStep(x, [5, 4, 3, 2], { kind: 'regression', values: [1, 1, 1, 1] }, optimizer)).filter(
        (v) => v instanceof tf.Tensor,
      ),
    )
    const longer = stepInputs(tf.randomUniform([2, 9, 2], 0, 1, 'float32', 2).dataSync(), 2, 9, 2)
    expect(() => net.forward(longer, [9, 9], { mode: 'eval', policy: 'error' })).toThrow(PopulationError)
    expect(() => net.forward(longer, [9, 9], { mode: 'eval', policy: 'error' })).toThrow(
      /time steps 0–4 only, but this sequence has 9 steps/,
    )
    const outputs = (['last', 'global', 'batch'] as const).map((policy) =>
      net.forward(longer, [9, 9], { mode: 'eval', policy }).hLast.arraySync().flat(),
    )
    for (const o of outputs) expect(o.every(Number.isFinite)).toBe(true)
    expect(outputs[0]).not.toEqual(outputs[2]) // the policies really differ past the trained length
    expect(net.population.lastSeen('x')).toBe(4)
    expect(net.population.terms.get('x')!.seen).toEqual([1, 1, 1, 1, 1])
    optimizer.dispose()
    net.dispose()
  })
})

const quick = (over: Record<string, unknown>) =>
  TrainConfig.parse({
    task: 'adding',
    steps: 6,
    batchSize: 8,
    hidden: 8,
    lengths: { kind: 'uniform', min: 3, max: 16 },
    recordEvery: 1,
    evalEvery: 0,
    evalSamples: 16,
    evalLengths: [1, 2],
    ...over,
  })

async function collect(c: TrainConfig) {
  const steps: StepReport[] = []
  const stats: TimestepRecord[][] = []
  const result = await train(c, addingTask(c.lengths, c.seed), {
    onStep: (s) => void steps.push(s),
    onTimestepStats: (r) => void stats.push(r),
  })
  return { result, steps, stats }
}

describe('training', () => {
  it('is deterministic: the same seed gives the same losses, another seed others', async () => {
    const a = await collect(quick({ seed: 5 }))
    const b = await collect(quick({ seed: 5 }))
    const c = await collect(quick({ seed: 6 }))
    expect(a.steps.map((s) => s.loss)).toEqual(b.steps.map((s) => s.loss))
    expect(a.steps.map((s) => s.loss)).not.toEqual(c.steps.map((s) => s.loss))
  })

  it('with variable lengths, BN statistics at late steps come from ever fewer samples, down to one', async () => {
    const { stats } = await collect(
      quick({ norm: 'bn_step', batchSize: 16, lengths: { kind: 'longtail', min: 2, max: 30 } }),
    )
    const withOne = stats.flat().filter((r) => r.count.includes(1))
    expect(withOne.length).toBeGreaterThan(0)
    for (const r of withOne) {
      const t = r.count.lastIndexOf(1)
      expect(r.normCount![t]).toBe(1)
      expect(r.var[t]).toBe(0) // one sample: no spread at all
      expect(r.count[0]).toBe(16)
    }
  })

  it("LN's statistics average the same number of values at every step, whatever the batch", async () => {
    const { stats } = await collect(
      quick({ norm: 'ln', batchSize: 16, lengths: { kind: 'longtail', min: 2, max: 30 } }),
    )
    for (const r of stats.flat()) {
      const features = r.term === 'c' ? 8 : 32
      r.count.forEach((n, t) => expect(r.normCount![t]).toBe(n > 0 ? features : 0))
    }
  })

  it("InstanceNorm's input-term statistic at each step comes from the shortest valid sample's own steps", async () => {
    const { stats } = await collect(
      quick({ norm: 'in', batchSize: 16, lengths: { kind: 'longtail', min: 2, max: 30 } }),
    )
    for (const r of stats.flat().filter((x) => x.term === 'x')) {
      r.count.forEach((n, t) => {
        if (n === 0) return expect(r.normCount![t]).toBe(0)
        // The samples valid at t have lengths > t; the shortest of them is valid up to the last step with the same count.
        const shortest = r.count.findLastIndex((k) => k === n) + 1
        expect(r.normCount![t]).toBe(shortest)
        expect(r.normCount![t]).toBeGreaterThan(t)
      })
    }
    // The recurrent term is not normalized by it.
    expect(
      stats
        .flat()
        .filter((x) => x.term === 'h')
        .every((r) => r.normCount === undefined || r.normCount === null),
    ).toBe(true)
  })

  it('pads without a mask on request (zeros enter the statistics), or truncates to the shortest', async () => {
    const pad = await collect(quick({ batching: 'pad' }))
    expect(pad.stats.flat().every((r) => r.count.every((n) => n === 8))).toBe(true)
    const truncate = await collect(quick({ batching: 'truncate' }))
    expect(truncate.stats.flat().every((r) => r.count.every((n) => n === 8))).toBe(true)
    expect(Math.max(...truncate.stats.flat().map((r) => r.count.length))).toBeLessThan(
      Math.max(...pad.stats.flat().map((r) => r.count.length)),
    )
  })

  it('stops as "diverged" when the loss stops being finite or explodes, keeping what it reported', async () => {
    const c = quick({ norm: 'none', cell: 'rnn', optimizer: 'sgd', lr: 10, clipNorm: 0, steps: 200, recordEvery: 0 })
    const { result, steps } = await collect(c)
    expect(result.status).toBe('diverged')
    expect(result.error).toMatch(/the loss (became (NaN|Infinity)|reached [\d.e+]+) at step \d+/)
    expect(steps.length).toBe(result.steps)
  })

  it('stops when asked, as "interrupted"', async () => {
    let n = 0
    const c = quick({ steps: 50, recordEvery: 0 })
    const result = await train(c, addingTask(c.lengths, 0), { onStep: () => void n++, shouldStop: () => n >= 3 })
    expect(result).toMatchObject({ status: 'interrupted', steps: 3 })
  })
})
