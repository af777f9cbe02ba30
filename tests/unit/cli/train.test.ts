import { existsSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli as runCapture } from '../../helpers/cli'
import { openServices, type Services } from '../../../electron/store'
import { createApi, type NormLabApi } from '../../../shared/contract'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let db: string
beforeEach(() => {
  tmp = tempDir()
  db = tmp.file('train.sqlite')
})
afterEach(() => tmp.cleanup())

const cli = runCapture

async function withApi<T>(fn: (api: NormLabApi, services: Services) => Promise<T>): Promise<T> {
  const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
  try {
    return await fn(
      createApi((name, payload) => services.dispatch(name, payload)),
      services,
    )
  } finally {
    await services.close()
  }
}

const SMALL = ['--hidden', '8', '--record-every', '4', '--eval-every', '6', '--backend', 'wasm', '--db']

describe('npm run lab -- train / sweep', () => {
  it('a refused configuration creates nothing, not even the folders of a mistyped --db', async () => {
    const typo = tmp.file('typo/deeper/train.sqlite')
    const bad = await cli(['train', '--task', 'adding', '--norm', 'batchnorm', ...SMALL, typo])
    expect(bad.code).toBe(2)
    expect(existsSync(tmp.file('typo'))).toBe(false)
  })

  it('takes over an empty file when it creates an archive, and says so', async () => {
    writeFileSync(db, '')
    const result = await cli(['train', '--task', 'adding', '--steps', '2', ...SMALL, db])
    expect(result.code).toBe(0)
    expect(result.err).toContain(`${db} was an empty file: it is now a NormLab archive`)
    expect(result.out).toMatch(/Run 1 completed after 2 steps/)
  })

  it('warns before training BN on batches of one sample', async () => {
    const result = await cli([
      'train',
      '--task',
      'adding',
      '--norm',
      'bn_step',
      '--batch',
      '1',
      '--steps',
      '2',
      ...SMALL,
      db,
    ])
    expect(result.code).toBe(0)
    expect(result.err).toMatch(
      /Warning: BN with batch size 1 \(1 run\): each statistic comes from one sample, so every normalized value becomes β/,
    )
  })

  it('ends a run whose loss explodes as "diverged" with the step and the reason, exit code 3', async () => {
    // The reproduction from the report: it ended "completed, loss 1.057e+4", exit 0.
    const result = await cli([
      'train',
      '--task',
      'adding',
      '--lr',
      '10',
      '--clip-norm',
      '0',
      '--steps',
      '30',
      '--record-every',
      '0',
      '--backend',
      'wasm',
      '--db',
      db,
    ])
    expect(result.out).toMatch(
      /Run 1 diverged after \d+ steps, loss .* \(the loss (reached .* at step \d+, more than 1000× the first step's|became (NaN|Infinity) at step \d+)/,
    )
    await withApi(async (api) => expect((await api.getRun({ id: 1 })).status).toBe('diverged'))
    expect(result.code).toBe(3)
  })

  it('refuses an invalid configuration before writing anything', async () => {
    const bad = await cli(['train', '--task', 'adding', '--norm', 'batchnorm', '--batch', '0', ...SMALL, db])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/The configuration is invalid; nothing was written/)
    expect(bad.err).toMatch(/--norm: /)
    expect(bad.err).toMatch(/--batch: /)
    const sweep = await cli(['sweep', '--task', 'adding', '--norm', 'ln,gn', '--hidden', '10', '--db', db])
    expect(sweep.code).toBe(2)
    expect(sweep.err).toMatch(/combination cell=- norm=gn .*groups: GroupNorm needs 4 groups/s)
    await withApi(async (_api, services) => {
      expect(await services.archive.countRows('runs')).toBe(0)
      expect(await services.archive.countRows('studies')).toBe(0)
    })
  })

  it('keeps snapshots where --snapshots says, and refuses what is not a point or a step', async () => {
    const bad = await cli(['train', '--task', 'adding', '--snapshots', 'first,end', '--steps', '8', ...SMALL, db])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--snapshots "first,end": each entry is first, middle, last or a step number/)
    const noRecording = await cli([
      'train',
      '--task',
      'adding',
      '--snapshots',
      'last',
      '--steps',
      '8',
      '--hidden',
      '8',
      '--record-every',
      '0',
      '--backend',
      'wasm',
      '--db',
      db,
    ])
    expect(noRecording.code).toBe(2)
    expect(noRecording.err).toMatch(/snapshots are taken at recorded steps/)
    const ok = await cli(['train', '--task', 'adding', '--snapshots', 'first,last', '--steps', '8', ...SMALL, db])
    expect(ok.code, ok.err).toBe(0)
    await withApi(async (api) => {
      const [run] = await api.listRuns({ filter: {} })
      const answer = await api.getSnapshot({ runId: run!.id })
      expect(answer.available.length).toBeGreaterThan(0)
      expect(answer.snapshot!.lengths).toHaveLength(answer.snapshot!.batch)
    })
  })

  it('refuses bad user data with its line and field, writing nothing', async () => {
    const file = tmp.file('data.jsonl')
    writeFileSync(file, '{"x": [[1]], "label": 0}\n{"x": [[1]], "label": "one"}\n')
    const result = await cli(['train', '--task', 'user', '--data', file, ...SMALL, db])
    expect(result.code).toBe(2)
    expect(result.err).toMatch(
      /line 2, label: must be a finite number within ±3\.4e38 \(float32, what training computes in\), got "one"/,
    )
    await withApi(async (_api, services) => expect(await services.archive.countRows('runs')).toBe(0))
  })

  it('sweeps norms × batch sizes into one study whose statistics, counts, population statistics and length evaluations are queryable', async () => {
    const result = await cli([
      'sweep',
      '--task',
      'adding',
      '--norm',
      'bn_step,ln',
      '--batch',
      '2,8',
      '--steps',
      '12',
      '--lengths',
      '3-12',
      ...SMALL,
      db,
    ])
    // Nothing but the archive's creation, and each process's progress line (a log's, one per 5 s): one per core by default.
    expect(result.err.split('\n').filter((line) => !/^\[job \d+\] \d+\/4 \[[#-]+\] /.test(line))).toEqual([
      `Created the archive ${db}`,
    ])
    expect(result.code).toBe(0)
    expect(result.out).toMatch(/Study 1 done: 4 completed/)
    // The backend passed the numerics gate before anything trained on it.
    expect(result.out).toMatch(/Backend wasm: 6 of 6 reference cases pass \(worst 0\.\d\d of tolerance/)
    await withApi(async (api) => {
      const [study] = await api.listStudies({})
      expect(study).toMatchObject({ runCount: 4 })
      const runs = await api.listRuns({ filter: { studyId: study!.id } })
      expect(runs.map((r) => `${r.norm}/${r.batchSize}`).sort()).toEqual(['bn_step/2', 'bn_step/8', 'ln/2', 'ln/8'])
      for (const run of runs) {
        expect(run.status).toBe('completed')
        expect(run.device?.backend).toBe('wasm')
        expect(run.device?.numerics).toMatchObject({
          backend: 'wasm',
          cases: 6,
          passed: 6,
          failure: null,
          strict: false,
        })
        const series = await api.listTimestepSeries({ runId: run.id })
        expect(series.map((s) => s.term)).toEqual(['x', 'h', 'c'])
        const profile = await api.getTimestepProfile({ runId: run.id, term: 'h' })
        expect(profile.featureMean).not.toBeNull()
        const grid = await api.getTimestepGrid({ runId: run.id, term: 'x', field: 'count' })
        expect(grid.steps).toEqual([1, 4, 8, 12])
        const metrics = await api.queryMetrics({ runIds: [run.id], names: ['loss', 'eval/loss'] })
        expect(metrics.series.map((s) => s.steps.length)).toEqual([12, 2])
        const evaluations = await api.listEvaluations({ runIds: [run.id] })
        const lengths = [...new Set(evaluations.map((e) => e.length))].sort((a, b) => a - b)
        expect(lengths).toEqual([6, 12, 18, 24, 48])
        const policies = [...new Set(evaluations.map((e) => e.policy))].sort()
        if (run.norm === 'bn_step') {
          expect(policies).toEqual(['batch', 'global', 'last'])
          const population = await api.getPopulationStats({ runId: run.id })
          expect(population!.records.map((r) => r.term)).toEqual(['x', 'h', 'c'])
          expect(population!.records[0]!.seen[0]).toBe(12)
          // Batch 2 with lengths 3–12: some recorded step has a late time step with one valid sample.
          if (run.batchSize === 2) {
            const counts = (await api.getTimestepGrid({ runId: run.id, term: 'h', field: 'normCount' })).values.flat()
            expect(counts).toContain(1)
          }
        } else {
          expect(policies).toEqual(['none'])
          const normCounts = (await api.getTimestepGrid({ runId: run.id, term: 'h', field: 'normCount' })).values
            .flat()
            .filter((v) => v !== null && v > 0)
          expect(new Set(normCounts)).toEqual(new Set([32]))
        }
      }
    })
  })

  it('Ctrl-C marks the run interrupted and keeps what was written', async () => {
    let checks = 0
    const result = await cli(
      [
        'train',
        '--task',
        'adding',
        '--steps',
        '500',
        '--record-every',
        '1',
        '--hidden',
        '8',
        '--backend',
        'wasm',
        '--db',
        db,
      ],
      () => ++checks > 5,
    ) // five steps run, the sixth check stops
    expect(result.code).toBe(0)
    expect(result.out).toMatch(/Run 1 interrupted after 5 steps/)
    await withApi(async (api) => {
      const run = await api.getRun({ id: 1 })
      expect(run.status).toBe('interrupted')
      expect(run.endedAt).not.toBeNull()
      const metrics = await api.queryMetrics({ runIds: [1], names: ['loss'] })
      expect(metrics.series[0]!.steps).toEqual([1, 2, 3, 4, 5])
      expect((await api.getTimestepGrid({ runId: 1, term: 'x', field: 'mean' })).steps).toEqual([1, 2, 3, 4, 5])
    })
  })
})
