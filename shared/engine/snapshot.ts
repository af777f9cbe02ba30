// The explorable's snapshot of one training batch: each term's pre-normalization values read
// back at a snapshot step and put in the archive's record shape (shared/contract SnapshotRecord):
// sample-major rows (n·T + t), the first features within a size budget, the mask as lengths, and
// each (sample, time step)'s moments over all of the term's features in the norm's groups.
import { packFloat32 } from '../contract/packed'
import type { SnapshotRecord } from '../contract/schemas'
import { normDefinition } from '../kinds'
import type { ModelSpec, TermName } from './core/spec'
import type { Tensor2D } from './core/tf'
import * as norm from './recurrence/js/normalization.generated'

/** Values kept per snapshot (one term at one step): 256 KB, so a run's 3 steps × 3 terms stay under ~3 MB. */
export const SNAPSHOT_VALUE_BUDGET = 1 << 16

/** How many of C features a [N, T] batch keeps within the budget (at least one). */
export const snapshotFeatures = (N: number, T: number, C: number): number =>
  Math.max(1, Math.min(C, Math.floor(SNAPSHOT_VALUE_BUDGET / (N * T))))

/**
 * One term's values [T·N, C] (row t·N + n) as a record. Padded cells (t ≥ lengths[n]) keep the
 * value the engine computed there (the mask says they are padding); their moments are NaN.
 */
export function snapshotRecord(
  term: TermName,
  stacked: Float32Array,
  N: number,
  T: number,
  C: number,
  lengths: readonly number[],
  groups: number,
): SnapshotRecord {
  const F = snapshotFeatures(N, T, C)
  const values = new Float32Array(N * T * F)
  const rowMean = new Float32Array(N * T * groups)
  const rowVar = new Float32Array(N * T * groups)
  const size = C / groups
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++) {
      const from = (t * N + n) * C
      const row = n * T + t
      values.set(stacked.subarray(from, from + F), row * F)
      // A value that overflowed is no value (NaN), as everywhere in the archive: an infinity would make the run's export refused on import.
      for (let f = row * F; f < (row + 1) * F; f++)
        if (values[f] === Infinity || values[f] === -Infinity) values[f] = Number.NaN
      for (let g = 0; g < groups; g++) {
        if (t >= lengths[n]!) {
          rowMean[row * groups + g] = Number.NaN
          rowVar[row * groups + g] = Number.NaN
          continue
        }
        // The normalization's own statistics (every feature of the group counts: m = 1, n = size).
        let sx = 0
        for (let c = g * size; c < (g + 1) * size; c++) sx += norm.sxTerm(1, stacked[from + c]!)
        const mean = norm.mean(sx, size)
        let sq = 0
        for (let c = g * size; c < (g + 1) * size; c++) sq += norm.sqTerm(1, stacked[from + c]!, mean)
        rowMean[row * groups + g] = mean
        rowVar[row * groups + g] = norm.variance(sq, size)
        // Overflow (in the sum, or past float32's range) is no value, not an infinity.
        if (!Number.isFinite(rowMean[row * groups + g]!) || !Number.isFinite(rowVar[row * groups + g]!))
          rowMean[row * groups + g] = rowVar[row * groups + g] = Number.NaN
      }
    }
  return {
    term,
    batch: N,
    timeSteps: T,
    totalFeatures: C,
    groups,
    lengths: [...lengths],
    values: packFloat32(values, N * T, F),
    rowMean: packFloat32(rowMean, N * T, groups),
    rowVar: packFloat32(rowVar, N * T, groups),
  }
}

/** The groups a snapshot's row moments use: the norm's groups where it is grouped (GN), else one (LN, RMSNorm). */
export const snapshotGroups = (spec: Pick<ModelSpec, 'norm' | 'groups'>, C: number): number =>
  normDefinition(spec.norm).grouped && C % spec.groups === 0 ? spec.groups : 1

/** Reads a step's snapshot tensors back as records (one readback per term). */
export async function readSnapshot(
  snapshot: Partial<Record<TermName, Tensor2D>>,
  spec: Pick<ModelSpec, 'norm' | 'groups'>,
  N: number,
  T: number,
  lengths: readonly number[],
): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = []
  for (const [term, values] of Object.entries(snapshot) as [TermName, Tensor2D][]) {
    const C = values.shape[1]
    out.push(snapshotRecord(term, (await values.data()) as Float32Array, N, T, C, lengths, snapshotGroups(spec, C)))
  }
  return out
}
