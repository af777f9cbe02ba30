// `lab sweep --settle`: a study that adds seeds in rounds until its claims are settled, in a real
// archive with real (tiny) training. The rounds are what shared/lab/settle.ts decides; the study
// keeps its design, so `lab findings` judges it later exactly as the rounds did.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli'
import { openServices } from '../../../electron/store'
import { createApi } from '../../../shared/contract'
import { pocockLevel } from '../../../shared/lab/findings/method/sequential'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let db: string
beforeEach(() => {
  tmp = tempDir()
  db = tmp.file('settle.sqlite')
})
afterEach(() => tmp.cleanup())

const TINY = [
  '--task',
  'adding',
  '--norm',
  'bn_step,ln',
  '--hidden',
  '8',
  '--steps',
  '24',
  '--lengths',
  '5-10',
  '--record-every',
  '4',
  '--eval-every',
  '12',
  '--snapshots',
  'none',
  '--backend',
  'wasm',
]

describe('npm run lab -- sweep --settle', () => {
  it('trains rounds of seeds (2 → 3), prints each round and why it stopped, and stores the design with the study', async () => {
    const result = await cli(['sweep', ...TINY, '--seed', '1,2', '--settle', '--max-seeds', '3', '--db', db])
    expect(result.code, result.err).toBe(0)
    expect(result.out).toMatch(/settling every claim its runs can answer in rounds of 2 → 3 seeds/)
    expect(result.out).toMatch(/Every round’s verdicts use 97\.1 % intervals \(Pocock’s boundary for 2 looks\)/)
    expect(result.out).toMatch(/^Round 1 \(2 seeds, [\d.]+ min\): /m)
    const rounds = result.out.split('\n').filter((l) => l.startsWith('Round '))
    const last = rounds[rounds.length - 1]!
    expect(last).toMatch(/settled: every claim is reproduced or not reproduced|stopped at the most seeds planned \(3\)/)
    if (rounds.length === 2) expect(rounds[0]).toMatch(/adding seeds 3\./)
    const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
    try {
      const api = createApi((name, payload) => services.dispatch(name, payload))
      const [study] = await api.listStudies({})
      expect(study!.design).toEqual({ rule: 'pocock', looks: [2, 3], claims: null, budgetMinutes: null })
      const runs = await api.listRuns({ filter: { studyId: study!.id } })
      // Two norms per seed; the second round's seed is numbered on from the first round's.
      expect(runs.map((r) => r.seed).sort()).toEqual((rounds.length === 2 ? [1, 1, 2, 2, 3, 3] : [1, 1, 2, 2]).sort())
      expect(runs.every((r) => r.status === 'completed')).toBe(true)
    } finally {
      await services.close()
    }
    // Read later, the study is judged as the rounds judged it: at the design's level, not at 95 %.
    const findings = JSON.parse((await cli(['findings', '--study', '1', '--json', '--db', db])).out) as {
      findings: { effect: { level: number } | null }[]
    }
    const levels = findings.findings.flatMap((f) => (f.effect ? [f.effect.level] : []))
    expect(levels.length).toBeGreaterThan(0)
    for (const level of levels) expect(level).toBeCloseTo(pocockLevel(2), 10)
  }, 120_000)

  it('refuses what cannot be settled before writing anything', async () => {
    const one = await cli(['sweep', ...TINY, '--seed', '1', '--settle', '--db', db])
    expect(one.code).toBe(2)
    expect(one.err).toMatch(/--settle needs at least 2 seeds in the first round/)
    const loose = await cli(['sweep', ...TINY, '--max-seeds', '5', '--db', db])
    expect(loose.code).toBe(2)
    expect(loose.err).toMatch(/--max-seeds and --budget go with --settle/)
    const few = await cli(['sweep', ...TINY, '--seed', '1,2,3', '--settle', '--max-seeds', '2', '--db', db])
    expect(few.code).toBe(2)
    expect(few.err).toMatch(/--max-seeds must be at least the first round's 3 seeds/)
    const budget = await cli(['sweep', ...TINY, '--settle', '--budget', 'soon', '--db', db])
    expect(budget.code).toBe(2)
    expect(budget.err).toMatch(/--budget must be a positive number, got "soon"/)
    const preset = await cli(['sweep', '--preset', 'bnVsBn', '--settle', '--db', db])
    expect(preset.code).toBe(2)
    expect(preset.err).toMatch(/--preset must be one of bnVsLn, batchSize, longerTest, padMaskTruncate, allNorms/)
    const { existsSync } = await import('node:fs')
    expect(existsSync(db)).toBe(false)
  })

  it('a preset from the CLI is the app’s study: its settings and grid, and the claims it settles', async () => {
    const { planInputFromFlags } = await import('../../../electron/cli/study-flags')
    const { planInputOf, PRESETS } = await import('../../../shared/lab/study-plan')
    expect(planInputFromFlags({ preset: 'bnVsLn' }, true)).toEqual(planInputOf(PRESETS.bnVsLn))
    // A flag changes what it names, the rest stays the preset's.
    const changed = planInputFromFlags({ preset: 'batchSize', steps: '40', seed: '1,2' }, true)
    expect(changed.shared.steps).toBe(40)
    expect(changed.grid.seeds).toEqual([1, 2])
    expect(changed.grid.batchSizes).toEqual([4, 16, 64])
    expect(changed.equalSamples).toBe(true)
    const { presetClaims } = await import('../../../shared/lab/settle/settle-study')
    expect(presetClaims('bnVsLn')).toEqual(['perStepDrift', 'lateSteps'])
    expect(presetClaims('batchSize')).toEqual(['smallBatch'])
  })
})
