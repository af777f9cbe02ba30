// One row of `npm run bench`'s JSON.
export interface BenchRow {
  where: 'node' | 'chromium'
  backend: string
  model: string
  norm: string
  msPerStep: number
  msPerStepRecordingEveryStep: number
  recordingOverheadPct: number
}

export const round = (x: number) => Math.round(x * 10) / 10
