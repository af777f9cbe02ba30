// The trivial loss: the held-out loss of the best constant prediction, what a model that learned
// nothing reaches. Findings that compare how a loss changes (with length, with batch size) need the
// runs to have beaten it, or there is no learned behaviour to change. Computed from the held-out
// samples themselves: the entropy of the labels for a classification (the prior, predicted at
// every sample), their variance for a regression (the mean, under MSE), the entropy of the scored
// steps' labels for a sequence task.
import type { Sample, TargetKind } from './batch'

function entropy(weights: ReadonlyMap<number, number>): number {
  let total = 0
  for (const w of weights.values()) total += w
  let h = 0
  for (const w of weights.values()) if (w > 0) h -= (w / total) * Math.log(w / total)
  return h
}

export function trivialLoss(samples: readonly Sample[], kind: TargetKind): number | null {
  if (samples.length === 0) return null
  if (kind === 'regression') {
    const mean = samples.reduce((a, s) => a + s.label, 0) / samples.length
    return samples.reduce((a, s) => a + (s.label - mean) ** 2, 0) / samples.length
  }
  const counts = new Map<number, number>()
  const add = (label: number, w: number) => counts.set(label, (counts.get(label) ?? 0) + w)
  for (const s of samples) {
    if (kind === 'class') add(s.label, 1)
    else s.steps?.labels.forEach((label, t) => add(label, s.steps!.weights[t]!))
  }
  return counts.size > 0 ? entropy(counts) : null
}
