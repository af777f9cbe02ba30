// How a model's norm acts on each term of its cell, read off the norm's definition: where the
// statistics come from inside the kernels, centering, groups. The one place the recurrence asks
// what a norm does (and an unknown domain is a type error, never a silent identity).
import { normalizedTerms, normDefinition, type StatisticDomain, type TermName } from '../../kinds'
import type { ModelSpec } from '../core/spec'
import type { NormAttrs, StatsSource } from './kernels/names'

export interface TermNorm {
  attrs: NormAttrs
  /** batch statistics: per time step, or one set over the whole sequence (the input term only). */
  segments: 'step' | 'sequence' | null
}

const SOURCE: Record<StatisticDomain, StatsSource> = { none: 'none', 'batch-step': 'batch', 'batch-sequence': 'batch', features: 'row' }

export function termNorm(spec: ModelSpec, term: TermName): TermNorm {
  const def = normDefinition(spec.norm)
  const identity: TermNorm = { attrs: { stats: 'none', center: true, groups: 1, eps: spec.eps }, segments: null }
  if (!normalizedTerms(spec.norm, spec.cell).includes(term)) return identity
  if (def.over === 'batch-sequence' && term !== 'x') throw new Error(`${spec.norm}: statistics over the whole sequence exist before the loop only for the input term`)
  const stats = SOURCE[def.over]
  return {
    attrs: { stats, center: def.center, groups: def.grouped ? spec.groups : 1, eps: spec.eps },
    segments: stats !== 'batch' ? null : def.over === 'batch-sequence' ? 'sequence' : 'step',
  }
}
