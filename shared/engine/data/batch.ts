// Samples, batches and the batching strategies a user picks between.
import type { Batching } from '../../kinds'
import type { Target } from '../core/losses'

export interface Sample {
  /** length × features values, time-major. */
  x: Float32Array
  length: number
  /** class, regression value, or (sequence tasks) per-step classes with weights. */
  label: number
  steps?: { labels: number[]; weights: number[] }
}

export interface Batch {
  x: Float32Array
  N: number
  T: number
  D: number
  /** The lengths the model sees (all T under "pad": the naive way, zeros and all). */
  lengths: number[]
  target: Target
}

export type { Batching } from '../../kinds'

export type TargetKind = Target['kind']

/**
 * Lays samples out as a padded [N, T, D] batch.
 * - mask / bucket: pad with zeros, the lengths mark what is valid.
 * - pad: pad with zeros and pretend everything is valid (zeros enter BN's statistics).
 * - truncate: cut every sample to the batch's shortest length.
 */
export function collate(samples: readonly Sample[], D: number, kind: TargetKind, batching: Batching): Batch {
  const N = samples.length
  const shortest = Math.min(...samples.map((s) => s.length))
  const longest = Math.max(...samples.map((s) => s.length))
  const T = batching === 'truncate' ? shortest : longest
  const x = new Float32Array(N * T * D)
  samples.forEach((s, n) => x.set(s.x.subarray(0, Math.min(s.length, T) * D), n * T * D))
  const lengths = samples.map((s) => (batching === 'pad' ? T : Math.min(s.length, T)))
  let target: Target
  if (kind === 'class') target = { kind, labels: samples.map((s) => s.label) }
  else if (kind === 'regression') target = { kind, values: samples.map((s) => s.label) }
  else {
    const pad = (values: number[]) => Array.from({ length: T }, (_, t) => values[t] ?? 0)
    target = {
      kind,
      labels: samples.map((s) => pad(s.steps!.labels)),
      weights: samples.map((s) => pad(s.steps!.weights)),
    }
  }
  return { x, N, T, D, lengths, target }
}
