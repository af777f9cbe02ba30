// One row of `npm run bench`'s JSON.
export interface BenchRow {
  where: 'node' | 'chromium'
  backend: string
  model: string
  norm: string
  msPerStep: number
  msPerStepRecordingEveryStep: number
  /** The median over adjacent step pairs of (recording − not), over msPerStep (benchmark.ts timeRecordingPair). */
  recordingOverheadPct: number
  kernelsPerTimeStep: number
  /** WebGL: shader programs per time step (kernels plus the programs inside them, packing and unpacking). */
  programsPerTimeStep?: number
  /** Chromium: the recurrence op's own kernels per time step (the rest run once a step: loss, gradient norm, optimizer). */
  recurrenceKernelsPerTimeStep?: number
  /** Node: ms per step over PyTorch's on the same machine, run right after (the eager loop with the same norm; nn.LSTM). */
  vsTorchEager?: number | null
  vsTorchNnLstm?: number | null
  /** The same case through the step-by-step model (before the fused op), same machine and run. */
  stepByStep?: { msPerStep: number; kernelsPerTimeStep: number; programsPerTimeStep?: number }
}

export const round = (x: number) => Math.round(x * 10) / 10
