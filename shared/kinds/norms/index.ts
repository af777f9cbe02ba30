// Every normalizer the lab has, one definition each. To add one: a file here (see norm.ts), one
// entry below, its name and hint in shared/i18n, and PyTorch reference cases in shared/goldens.
// The kernels, the reference model, the form, the CLI, the findings and reports follow from it.
import type { CellKind } from '../cells'
import { cellDefinition } from '../cells'
import type { TermName } from '../cells/terms'
import { bnStep } from './batch-norm-step'
import { bnSeq } from './batch-norm-sequence'
import { gn } from './group-norm'
import { instanceNorm } from './instance-norm'
import { ln } from './layer-norm'
import type { NormDefinition } from './norm'
import { none } from './none'
import { rms } from './rms-norm'

export const NORM_DEFINITIONS = [none, bnStep, bnSeq, ln, gn, rms, instanceNorm] as const

export type NormKind = (typeof NORM_DEFINITIONS)[number]['kind']
export const NORMS = NORM_DEFINITIONS.map((d) => d.kind) as unknown as readonly [NormKind, ...NormKind[]]

const BY_KIND = Object.fromEntries(NORM_DEFINITIONS.map((d) => [d.kind, d])) as unknown as Record<
  NormKind,
  NormDefinition<NormKind>
>

export function normDefinition(kind: NormKind): NormDefinition<NormKind> {
  return BY_KIND[kind]
}

/** The terms a norm normalizes in a cell (and has γ, β for). */
export function normalizedTerms(norm: NormKind, cell: CellKind): readonly TermName[] {
  const { terms } = normDefinition(norm)
  return terms === 'none' ? [] : terms === 'input' ? ['x'] : cellDefinition(cell).terms
}

/** Norms whose statistics come from the batch: they keep population statistics for evaluation. */
export function isBatchNorm(norm: NormKind): boolean {
  const { over } = normDefinition(norm)
  return over === 'batch-step' || over === 'batch-sequence'
}

/**
 * How many values each of the norm's statistics of a term averages at each step (the lab's point
 * in one number): per-step BN the valid samples, down to 1; sequence-wise BN every valid (sample,
 * step) pair; LN the features; GN the features of a group; InstanceNorm a sample's own valid
 * steps — at step t, the shortest of the samples still valid there (every count is non-increasing
 * in t, so that sample's length is one past the last step with the same count). null: the term is
 * not normalized.
 */
export function normCount(
  norm: NormKind,
  cell: CellKind,
  term: TermName,
  features: number,
  counts: readonly number[],
  groups: number,
): number[] | null {
  if (!normalizedTerms(norm, cell).includes(term)) return null
  const def = normDefinition(norm)
  const perValidStep = (value: number) => counts.map((n) => (n > 0 ? value : 0))
  switch (def.over) {
    case 'batch-step':
      return [...counts]
    case 'batch-sequence':
      return perValidStep(counts.reduce((a, b) => a + b, 0))
    case 'features':
      return perValidStep(features / (def.grouped ? groups : 1))
    case 'sample-sequence':
      return counts.map((n, t) => {
        if (n === 0) return 0
        let last = t
        while (last + 1 < counts.length && counts[last + 1] === n) last++
        return last + 1
      })
    case 'none':
      return null
  }
}

export type { NormDefinition, StatisticDomain } from './norm'
export { defineNorm } from './norm'
