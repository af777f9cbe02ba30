// The models the benchmarks time (no engine here: the Settings page names them without loading it).
import type { CellKind } from '../kinds'

export interface BenchCase {
  cell: CellKind
  hidden: number
  T: number
  batch: number
  norm: 'none' | 'bn_step' | 'ln'
}

const NORMS = ['none', 'bn_step', 'ln'] as const

/** LSTM h64 T50 b32 and h128 T100 b64 (the PyTorch anchors' shapes), then RNN and GRU at h64. */
export const BENCH_CASES: BenchCase[] = [
  ...NORMS.map((norm) => ({ cell: 'lstm' as const, hidden: 64, T: 50, batch: 32, norm })),
  ...NORMS.map((norm) => ({ cell: 'lstm' as const, hidden: 128, T: 100, batch: 64, norm })),
  ...(['rnn', 'gru'] as const).flatMap((cell) => NORMS.map((norm) => ({ cell, hidden: 64, T: 50, batch: 32, norm }))),
]

export const benchLabel = (c: BenchCase) => `${c.cell.toUpperCase()} h${c.hidden} T${c.T} b${c.batch}`
