// How a model's norm acts on each term of its cell, read off the norm's definition: where the
// statistics come from inside the kernels, centering, groups. The one place the recurrence asks
// what a norm does (and an unknown domain is a type error, never a silent identity).
import { normalizedTerms, normDefinition, type StatisticDomain, type TermName } from '../../../kinds'
import type { ModelSpec } from '../../core/spec'
import type { NormAttrs, StatsSource } from '../kernels/names'

export interface TermNorm {
  attrs: NormAttrs
  /** batch statistics: per time step, one set over the whole sequence, or one per sample over its own steps (the last two: the input term only). */
  segments: 'step' | 'sequence' | 'sample' | null
}

// A sample's own steps are a segment of the sample-major stack (sample-order.ts): the kernels' segmented statistics.
const SOURCE: Record<StatisticDomain, StatsSource> = {
  none: 'none',
  'batch-step': 'batch',
  'batch-sequence': 'batch',
  'sample-sequence': 'batch',
  features: 'row',
}
const SEGMENTS: Record<StatisticDomain, TermNorm['segments']> = {
  none: null,
  'batch-step': 'step',
  'batch-sequence': 'sequence',
  'sample-sequence': 'sample',
  features: null,
}

export function termNorm(spec: ModelSpec, term: TermName): TermNorm {
  const def = normDefinition(spec.norm)
  const identity: TermNorm = { attrs: { stats: 'none', center: true, groups: 1, eps: spec.eps }, segments: null }
  if (!normalizedTerms(spec.norm, spec.cell).includes(term)) return identity
  if ((def.over === 'batch-sequence' || def.over === 'sample-sequence') && term !== 'x')
    throw new Error(`${spec.norm}: statistics over the whole sequence exist before the loop only for the input term`)
  const stats = SOURCE[def.over]
  return {
    attrs: { stats, center: def.center, groups: def.grouped ? spec.groups : 1, eps: spec.eps },
    segments: SEGMENTS[def.over],
  }
}
