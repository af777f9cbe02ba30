// Draws training batches from a task with the chosen batching strategy.
import { collate, type Batch, type Batching, type Sample } from './data/batch'
import type { Task } from './data/task'
import type { Rng } from './core/rng'

/** Bucketing draws this many batches' worth of samples, sorts them by length, then deals them out. */
const BUCKET_POOL = 16

export function createBatcher(task: Task, batchSize: number, batching: Batching, rng: Rng): () => Batch {
  let queue: Sample[][] = []
  return () => {
    if (batching !== 'bucket') {
      return collate(
        Array.from({ length: batchSize }, () => task.train(rng)),
        task.inputSize,
        task.targetKind,
        batching,
      )
    }
    if (queue.length === 0) {
      const pool = Array.from({ length: batchSize * BUCKET_POOL }, () => task.train(rng)).sort(
        (a, b) => a.length - b.length,
      )
      for (let i = 0; i < pool.length; i += batchSize) queue.push(pool.slice(i, i + batchSize))
      queue = rng.shuffle(queue)
    }
    return collate(queue.pop()!, task.inputSize, task.targetKind, 'mask')
  }
}

/** Splits samples into masked batches of at most `size`, for evaluation. */
export function evalBatches(samples: readonly Sample[], size: number, task: Task): Batch[] {
  const out: Batch[] = []
  for (let i = 0; i < samples.length; i += size)
    out.push(collate(samples.slice(i, i + size), task.inputSize, task.targetKind, 'mask'))
  return out
}
