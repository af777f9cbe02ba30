import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { planFromFlags } from '../../../electron/cli/train-commands'
import { formFromDraft, validateForm } from '../../../renderer/src/components/experiment-form-state'
import { MAX_RUNS, planStudy, PRESETS, type ExperimentDraft } from '../../../shared/lab/study-plan'
import { tempDir } from '../../helpers/temp'

const DRAFT: ExperimentDraft = {
  ...PRESETS.bnVsLn,
  task: 'adding',
  lengths: { kind: 'uniform', min: 5, max: 20 },
  cells: ['lstm', 'gru'],
  norms: ['bn_step', 'ln'],
  batchSizes: [2, 8],
  batchings: ['mask', 'pad'],
  seeds: [1, 2],
  hidden: 16,
  groups: 4,
  steps: 50,
  lr: 0.01,
  optimizer: 'adam',
  clipNorm: 1,
  recordEvery: 5,
  evalEvery: 25,
  evalLengths: [1, 2],
  evalPolicies: ['last', 'batch'],
}

describe('one study planner for the app and the CLI', () => {
  it('plans the same study from the app’s form and from `lab sweep` flags: same runs, same order, same names', () => {
    const fromForm = validateForm(formFromDraft(DRAFT))
    expect(fromForm.errors).toEqual({})

    const tmp = tempDir()
    const configFile = tmp.file('shared.json')
    writeFileSync(configFile, JSON.stringify({ clipNorm: 1, evalLengths: [1, 2], evalPolicies: ['last', 'batch'] }))
    const fromCli = planFromFlags(
      {
        config: configFile,
        task: 'adding',
        lengths: '5-20',
        cell: 'lstm,gru',
        norm: 'bn_step,ln',
        batch: '2,8',
        batching: 'mask,pad',
        seed: '1,2',
        hidden: '16',
        groups: '4',
        steps: '50',
        lr: '0.01',
        optimizer: 'adam',
        'record-every': '5',
        'eval-every': '25',
        snapshots: 'first,middle,last',
      },
      true,
    )
    tmp.cleanup()

    expect(fromCli).toHaveLength(2 * 2 * 2 * 2 * 2)
    expect(fromCli).toEqual(fromForm.runs)
    // Every dimension the form offers is a grid axis on both sides, cell outermost, seed innermost.
    expect(
      fromCli
        .slice(0, 3)
        .map((r) => [r.config.cell, r.config.norm, r.config.batchSize, r.config.batching, r.config.seed]),
    ).toEqual([
      ['lstm', 'bn_step', 2, 'mask', 1],
      ['lstm', 'bn_step', 2, 'mask', 2],
      ['lstm', 'bn_step', 2, 'pad', 1],
    ])
    expect(new Set(fromCli.map((r) => r.name)).size).toBe(32)
  })

  it('validates every combination before anything is written, naming the combination and field', () => {
    const { runs, errors } = planStudy({
      shared: { task: 'adding', hidden: 10, groups: 4 },
      grid: { cells: ['lstm', 'gru'], norms: ['ln', 'gn'], batchSizes: [8], batchings: ['mask'], seeds: [1] },
    })
    expect(runs).toEqual([])
    // GN with 4 groups cannot split hidden 10: both cells' GN combinations are refused, LN's are fine.
    expect(errors.map((e) => [e.field, e.combination])).toEqual([
      ['groups', 'cell=lstm norm=gn batch=8 batching=mask seed=1'],
      ['groups', 'cell=gru norm=gn batch=8 batching=mask seed=1'],
    ])
    expect(errors[0]!.key).toBe('groupsDivide')
  })

  it('refuses an empty axis and more than MAX_RUNS runs', () => {
    const empty = planStudy({
      shared: { task: 'adding' },
      grid: { cells: [], norms: ['ln'], batchSizes: [8], batchings: ['mask'], seeds: [1] },
    })
    expect(empty.errors).toMatchObject([{ field: 'cells', key: 'pickOne' }])
    const seeds = Array.from({ length: MAX_RUNS + 1 }, (_, i) => i)
    const many = planStudy({
      shared: { task: 'adding' },
      grid: { cells: ['lstm'], norms: ['ln'], batchSizes: [8], batchings: ['mask'], seeds },
    })
    expect(many.errors).toMatchObject([{ key: 'tooManyRuns', values: { total: MAX_RUNS + 1, max: MAX_RUNS } }])
  })
})
