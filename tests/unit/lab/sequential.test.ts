// The pieces of a study settled in rounds: Student's t at any level, Pocock's levels, the rounds'
// seed counts, and when to stop. Their error rates with real findings are calibration.test.ts's.
import { describe, expect, it } from 'vitest'
import {
  nextRoundSeeds,
  pocockLevel,
  settleDecision,
  settleLooks,
  settleState,
  MAX_LOOKS,
} from '../../../shared/lab/findings/method/sequential'
import { estimate, t95, tCdf, tQuantile } from '../../../shared/lab/findings/method/stats'
import type { StudyDesign } from '../../../shared/contract'

const design = (over: Partial<StudyDesign> = {}): StudyDesign => ({
  rule: 'pocock',
  looks: [3, 5, 8, 12],
  claims: ['perStepDrift', 'lateSteps'],
  budgetMinutes: null,
  ...over,
})

describe('Student’s t at any level', () => {
  it('agrees with the 95 % table for 1 to 30 degrees of freedom, and the CDF inverts', () => {
    for (let df = 1; df <= 30; df++) expect(tQuantile(0.975, df)).toBeCloseTo(t95(df), 2)
    for (const df of [2, 5, 11])
      for (const p of [0.9, 0.99, 0.9991]) expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 9)
    // Symmetric about zero.
    expect(tCdf(-1.3, 4) + tCdf(1.3, 4)).toBeCloseTo(1, 12)
  })
  it('an estimate at a wider level has a wider interval around the same mean', () => {
    const at95 = estimate([0.1, 0.3, 0.2, 0.25])
    const wider = estimate([0.1, 0.3, 0.2, 0.25], pocockLevel(4))
    expect(wider.mean).toBe(at95.mean)
    expect(wider.high! - wider.low!).toBeGreaterThan(at95.high! - at95.low!)
    expect(wider.level).toBeCloseTo(0.98177, 4)
  })
})

describe('the rounds of a settled study', () => {
  it('Pocock’s level: 95 % for one look, wider with more looks', () => {
    expect(pocockLevel(1)).toBeCloseTo(0.95, 4)
    expect(pocockLevel(2)).toBeCloseTo(0.9706, 3)
    expect(pocockLevel(4)).toBeCloseTo(0.9818, 3)
    for (let k = 2; k <= MAX_LOOKS; k++) expect(pocockLevel(k)).toBeGreaterThan(pocockLevel(k - 1))
  })
  it('looks: 3 → 5 → 8 → 12 by default, grown by about ×1.5 and ending at the most seeds', () => {
    expect(settleLooks(3)).toEqual([3, 5, 8, 12])
    expect(settleLooks(3, 20)).toEqual([3, 5, 8, 12, 18, 20])
    expect(settleLooks(4, 6)).toEqual([4, 5, 6])
    const many = settleLooks(2, 1000)
    expect(many.length).toBeLessThanOrEqual(MAX_LOOKS)
    expect([many[0], many[many.length - 1]]).toEqual([2, 1000])
    expect(() => settleLooks(1)).toThrow(/at least 2 seeds/)
    expect(() => settleLooks(5, 4)).toThrow(/at least the first round's 5 seeds/)
  })
  it('the next round numbers its seeds on from the largest so far', () => {
    expect(nextRoundSeeds(design(), [1, 2, 3])).toEqual([4, 5])
    expect(nextRoundSeeds(design(), [1, 2, 7, 8, 9])).toEqual([10, 11, 12])
    expect(
      nextRoundSeeds(
        design(),
        Array.from({ length: 12 }, (_, i) => i + 1),
      ),
    ).toEqual([])
  })
  it('stops when settled, at the most seeds, when the next round would pass the budget, or when nothing can be answered', () => {
    const decided = new Map([
      ['perStepDrift', 'reproduced'],
      ['lateSteps', 'not_reproduced'],
      ['allNorms', 'inconclusive'],
    ] as const)
    expect(settleDecision(design(), settleState(design(), decided), 3, 0, 0)).toBe('settled')
    const open = new Map([
      ['perStepDrift', 'inconclusive'],
      ['lateSteps', 'reproduced'],
    ] as const)
    expect(settleState(design(), open).undecided).toEqual(['perStepDrift'])
    expect(settleDecision(design(), settleState(design(), open), 5, 0, 0)).toBeNull()
    expect(settleDecision(design(), settleState(design(), open), 12, 0, 0)).toBe('maxSeeds')
    expect(settleDecision(design({ budgetMinutes: 10 }), settleState(design(), open), 5, 6 * 60_000, 5 * 60_000)).toBe(
      'budget',
    )
    expect(
      settleDecision(design({ budgetMinutes: 10 }), settleState(design(), open), 5, 4 * 60_000, 5 * 60_000),
    ).toBeNull()
    const none = new Map([
      ['perStepDrift', 'not_applicable'],
      ['lateSteps', 'not_applicable'],
    ] as const)
    expect(settleDecision(design(), settleState(design(), none), 3, 0, 0)).toBe('nothingToSettle')
    // Every claim the runs can answer (claims: null): the not applicable ones are not waited for.
    const all = design({ claims: null })
    expect(settleState(all, new Map([...decided, ['padding', 'not_applicable']] as const)).undecided).toEqual([
      'allNorms',
    ])
  })
})
