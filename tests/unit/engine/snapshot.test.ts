// The explorable's snapshots: taken at the recorded steps a run asks for, holding exactly the
// values each term's normalizer saw (the batch statistics recorded at that step come out of them
// again), with the mask and each row's moments over all features.
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { unpackFloat32 } from '../../../shared/contract/packed'
import type { SnapshotRecord, TimestepRecord } from '../../../shared/contract/schemas'
import { featureSteps, recordedSteps, snapshotSteps, TrainConfig } from '../../../shared/contract/train-config'
import { tf } from '../../../shared/engine/core/tf'
import { addingTask } from '../../../shared/engine/data/tasks/adding'
import { SNAPSHOT_VALUE_BUDGET, snapshotFeatures, snapshotRecord } from '../../../shared/engine/snapshot'
import { train, type SnapshotReport } from '../../../shared/engine/trainer'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const config = (over: Record<string, unknown>) =>
  TrainConfig.parse({
    task: 'adding',
    steps: 20,
    batchSize: 6,
    hidden: 4,
    lengths: { kind: 'longtail', min: 2, max: 12 },
    recordEvery: 5,
    evalEvery: 0,
    evalSamples: 8,
    evalLengths: [1],
    ...over,
  })

describe('snapshot steps', () => {
  it('moves each point to the nearest recorded step: first, middle, last, and numbers', () => {
    expect(snapshotSteps(config({ snapshots: ['first', 'middle', 'last'] }))).toEqual([1, 10, 20])
    expect(snapshotSteps(config({ steps: 23, snapshots: ['middle', 'last', 7, 8, 13] }))).toEqual([5, 10, 15, 20])
    expect(snapshotSteps(config({ snapshots: [] }))).toEqual([])
    expect(snapshotSteps(config({ steps: 3, snapshots: ['last', 'middle'] }))).toEqual([1])
    // A step past the end is the last recorded one.
    expect(snapshotSteps(config({ snapshots: [100] }))).toEqual([20])
  })

  it('are refused without recording: a snapshot is always a recorded step', () => {
    const r = TrainConfig.safeParse({ task: 'adding', recordEvery: 0, snapshots: ['first'] })
    expect(r.success).toBe(false)
    expect(r.error!.issues[0]!.message).toMatch(/recorded steps/)
    // Configs written before snapshots existed still validate, with none.
    expect(TrainConfig.parse({ task: 'adding' }).snapshots).toEqual([])
  })
})

describe('a snapshot record', () => {
  it('is sample-major, keeps the first features within the budget, and the moments of every valid row over all features in groups', () => {
    const N = 2
    const T = 3
    const C = 4
    // Stacked [T·N, C], row t·N + n: value = 100·t + 10·n + c.
    const stacked = new Float32Array(T * N * C).map((_, i) => {
      const c = i % C
      const row = Math.floor(i / C)
      return 100 * Math.floor(row / N) + 10 * (row % N) + c
    })
    const r = snapshotRecord('h', stacked, N, T, C, [3, 1], 2)
    const values = unpackFloat32(r.values)
    expect(r.values.columns).toBe(C)
    // (n 1, t 0, c 2) at (1·T + 0)·C + 2.
    expect(values[(1 * T + 0) * C + 2]).toBe(12)
    const mean = unpackFloat32(r.rowMean)
    const variance = unpackFloat32(r.rowVar)
    // Sample 0 at t 2, group 1 (features 2, 3): 202, 203.
    expect(mean[(0 * T + 2) * 2 + 1]).toBeCloseTo(202.5)
    expect(variance[(0 * T + 2) * 2 + 1]).toBeCloseTo(0.25)
    // Sample 1 has length 1: its later rows are padding.
    expect(Number.isNaN(mean[(1 * T + 1) * 2])).toBe(true)
    expect(snapshotFeatures(64, 100, 512)).toBe(Math.floor(SNAPSHOT_VALUE_BUDGET / 6400))
  })

  it('stores an overflowed value as no value (NaN), never an infinity an import would refuse', () => {
    const stacked = new Float32Array([1, Infinity, 3e38, 3e38])
    const r = snapshotRecord('x', stacked, 1, 2, 2, [2], 1)
    expect(Array.from(unpackFloat32(r.values))).toEqual(
      [1, Number.NaN, 3e38 as number, 3e38 as number].map((v) => Math.fround(v)),
    )
    const mean = unpackFloat32(r.rowMean)
    expect(Number.isNaN(mean[0])).toBe(true)
    // 3e38 and 3e38: finite values whose variance is 0 and whose mean fits.
    expect(mean[1]).toBe(Math.fround(3e38))
  })
})

describe('training with snapshots', () => {
  it('reports one batch per term at the snapshot steps, and its per-step batch statistics are the ones recorded at that step', async () => {
    const c = config({ norm: 'bn_step', snapshots: ['first', 'last'] })
    const snapshots: SnapshotReport[] = []
    const stats: TimestepRecord[][] = []
    const result = await train(c, addingTask(c.lengths, c.seed), {
      onSnapshots: (r) => void snapshots.push(r),
      onTimestepStats: (r) => void stats.push(r),
    })
    expect(result.status).toBe('completed')
    expect(snapshots.map((s) => s.step)).toEqual([1, 20])
    for (const snap of snapshots) {
      expect(snap.records.map((r) => r.term)).toEqual(['x', 'h', 'c'])
      const recorded = stats.find((s) => s[0]!.step === snap.step)!
      for (const r of snap.records) {
        const rec = recorded.find((x) => x.term === r.term)!
        expect(rec.count).toEqual(Array.from({ length: r.timeSteps }, (_, t) => r.lengths.filter((l) => l > t).length))
        // The recorded means, again from the snapshot's valid cells: per feature where the step
        // keeps per-feature matrices (featureSteps), else their mean over features.
        const featureMean = rec.featureMean ? unpackFloat32(rec.featureMean as never) : null
        const values = unpackFloat32(r.values)
        const F = r.values.columns
        expect(F).toBe(r.totalFeatures)
        for (let t = 0; t < r.timeSteps; t++) {
          const valid = r.lengths.map((l, n) => (l > t ? n : -1)).filter((n) => n >= 0)
          if (valid.length === 0) continue
          const means = Array.from(
            { length: F },
            (_, f) => valid.reduce((a, n) => a + values[(n * r.timeSteps + t) * F + f]!, 0) / valid.length,
          )
          if (featureMean) means.forEach((m, f) => expect(m).toBeCloseTo(featureMean[t * r.totalFeatures + f]!, 4))
          expect(means.reduce((a, m) => a + m, 0) / F).toBeCloseTo(rec.mean[t]!, 4)
        }
      }
    }
    // Per-feature matrices exactly where the findings read them: x at the first step, h late, c never.
    const kept = featureSteps(c)
    for (const records of stats)
      for (const r of records)
        expect(r.featureMean !== undefined, `${r.term} at ${r.step}`).toBe(kept[r.term].has(r.step))
    expect(kept.x).toEqual(new Set([1]))
    expect([...kept.h]).toEqual(recordedSteps(c).slice(Math.floor(recordedSteps(c).length / 2)))
    expect(tf.memory().numTensors).toBeLessThan(100)
  }, 60_000)

  it('takes none unless asked', async () => {
    const c = config({ norm: 'ln', steps: 5 })
    const snapshots: SnapshotRecord[][] = []
    await train(c, addingTask(c.lengths, c.seed), { onSnapshots: (r) => void snapshots.push(r.records) })
    expect(snapshots).toEqual([])
  })
})
