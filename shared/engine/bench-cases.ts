// The models the benchmarks time (no engine here: the Settings page names them without loading it).
import { NORM_DEFINITIONS, type CellKind, type NormKind } from '../kinds'

export interface BenchCase {
  cell: CellKind
  hidden: number
  T: number
  batch: number
  norm: NormKind
}

/**
 * The norms timed, read off the definitions: no norm, and the first norm of each statistic
 * domain that normalizes every term (per-step BN, LN): a recurrent term's normalization inside
 * the time loop is what costs. Norms of the input term only (sequence-wise BN, InstanceNorm) add
 * one normalization outside the loop to the no-norm step; GN and RMSNorm share LN's kernels.
 * These are also the norms the PyTorch anchors time (../shared/anchors/bench_torch.py).
 */
export const BENCH_NORMS: readonly NormKind[] = NORM_DEFINITIONS.filter(
  (d, i) =>
    d.terms === 'none' ||
    (d.terms === 'all' && NORM_DEFINITIONS.findIndex((e) => e.terms === 'all' && e.over === d.over) === i),
).map((d) => d.kind)
const NORMS = BENCH_NORMS

/** LSTM h64 T50 b32 and h128 T100 b64 (the PyTorch anchors' shapes), then RNN and GRU at h64. */
export const BENCH_CASES: BenchCase[] = [
  ...NORMS.map((norm) => ({ cell: 'lstm' as const, hidden: 64, T: 50, batch: 32, norm })),
  ...NORMS.map((norm) => ({ cell: 'lstm' as const, hidden: 128, T: 100, batch: 64, norm })),
  ...(['rnn', 'gru'] as const).flatMap((cell) => NORMS.map((norm) => ({ cell, hidden: 64, T: 50, batch: 32, norm }))),
]

export const benchLabel = (c: BenchCase) => `${c.cell.toUpperCase()} h${c.hidden} T${c.T} b${c.batch}`
