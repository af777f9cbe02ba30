// What a reference case's check found, and how to say it in words. No tensors here: the page
// shows these results without loading tfjs.

export interface Comparison {
  name: string
  /** Largest |a - b|. */
  worstAbs: number
  /** Largest |a - b| / (atol + rtol·|b|): 1 or less passes. */
  worstRatio: number
  pass: boolean
}

export interface CaseResult {
  name: string
  kind: 'norm' | 'cell' | 'train'
  pass: boolean
  worstAbs: number
  worstRatio: number
  comparisons: Comparison[]
  error?: string
}

const formatRatio = (r: number) => (r >= 1000 ? r.toExponential(1) : r.toFixed(r >= 10 ? 0 : 2))

/** "cell-lstm-none.json: grad Wy is NaN" or "…: final Wx is off by 86× its tolerance (|Δ| = 1.3e-3)". */
export function describeFailure(result: CaseResult): string {
  if (result.error) return `${result.name}: ${result.error}`
  const worst = result.comparisons.filter((c) => !c.pass).sort((a, b) => b.worstRatio - a.worstRatio)[0]
  if (!worst) return `${result.name}: failed`
  if (!Number.isFinite(worst.worstAbs)) return `${result.name}: ${worst.name} is not finite (NaN or ±∞)`
  return `${result.name}: ${worst.name} is off by ${formatRatio(worst.worstRatio)}× its tolerance (|Δ| = ${worst.worstAbs.toExponential(1)})`
}
