// A run has one writer, whatever door a request comes through (the app, the web API, the CLI all
// dispatch to these handlers): data only from the trainer holding a running run's lease, a status
// that moves only along the lifecycle, a finished run kept as it is, a lease taken only from a
// trainer that is gone, and ids never given twice. Real SQLite archives; the property test drives
// random request sequences from a trainer and an editor.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices, type Services } from '../../../electron/store'
import { SqliteDb } from '../../../electron/store/sqlite'
import { createApi, type NormLabApi } from '../../../shared/contract'
import { FINAL_STATUSES } from '../../../shared/kinds'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let services: Services
let api: NormLabApi
let path: string

beforeEach(async () => {
  tmp = tempDir()
  path = tmp.file('authority.sqlite')
  services = await openServices({ dbPath: path, host: 'web', migrationsDir: MIGRATIONS })
  api = createApi((name, payload) => services.dispatch(name, payload))
})
afterEach(async () => {
  await services.close()
  tmp.cleanup()
})

const TRAINER = 'cli-trainer-aaaa'
const OTHER = 'web-editor-bbbbb'
const point = (step: number, value: number) => ({ name: 'loss', step, value, wallMs: step })
const newRun = (name = 'r') => api.createRun({ name, config: sampleConfig() })

/** Makes the run's lease look like it belongs to a process that has ended (a crashed trainer). */
async function orphanLease(runId: number): Promise<void> {
  const raw = await SqliteDb.open(path)
  await raw.run('UPDATE runs SET lease_pid = 999999 WHERE id = ?', [runId])
  await raw.close()
}

describe('one writer per run', () => {
  it('ids are never given twice: a trainer whose run was deleted cannot write into the next one (a 100-step run held 2860 loss points)', async () => {
    const first = await newRun('long')
    await api.updateRun({ id: first.id, status: 'running', lease: { owner: TRAINER } })
    await api.appendMetrics({ runId: first.id, owner: TRAINER, points: [point(1, 1)] })
    // Deleting a run a live trainer holds is refused.
    await expect(api.deleteRun({ id: first.id })).rejects.toThrow(/is being trained .* stop it first/)
    // Its trainer is gone: now it may go.
    await orphanLease(first.id)
    expect(await api.deleteRun({ id: first.id })).toEqual({ deleted: true })
    const second = await newRun('short')
    expect(second.id).toBe(first.id + 1)
    await api.updateRun({ id: second.id, status: 'running', lease: { owner: OTHER } })
    // The first trainer's retried write names its own run, which is gone.
    await expect(api.appendMetrics({ runId: first.id, owner: TRAINER, points: [point(3000, 1)] })).rejects.toThrow(
      `run ${first.id} does not exist`,
    )
    // Writing under its old lease into the new run is refused too.
    await expect(api.appendMetrics({ runId: second.id, owner: TRAINER, points: [point(3000, 1)] })).rejects.toThrow(
      /trained by another process/,
    )
    const { series } = await api.queryMetrics({ runIds: [second.id] })
    expect(series).toEqual([])
    // Studies too.
    const a = await api.createStudy({ name: 'a' })
    await services.archive.runs.list({ filter: {} })
    const raw = await SqliteDb.open(path)
    await raw.run('DELETE FROM studies WHERE id = ?', [a.id])
    await raw.close()
    expect((await api.createStudy({ name: 'b' })).id).toBe(a.id + 1)
  })

  it('a finished run is immutable: data writes are refused and its loss stays (web appendMetrics rewrote 1.153 to 999)', async () => {
    const run = await newRun()
    await api.updateRun({ id: run.id, status: 'running', lease: { owner: TRAINER } })
    await api.appendMetrics({ runId: run.id, owner: TRAINER, points: [point(1, 1.153)] })
    await api.updateRun({ id: run.id, owner: TRAINER, status: 'completed' })
    await expect(api.appendMetrics({ runId: run.id, owner: TRAINER, points: [point(1, 999)] })).rejects.toThrow(
      /is completed: only a running run takes data/,
    )
    await expect(
      api.appendEvaluations({
        runId: run.id,
        owner: TRAINER,
        results: [{ step: 1, policy: 'last', length: 10, metric: 'loss', value: 1 }],
      }),
    ).rejects.toThrow(/is completed/)
    await expect(api.updateRun({ id: run.id, status: 'running', lease: { owner: OTHER } })).rejects.toThrow(
      /has ended \(completed\).*only its name, tags, notes and star can change/,
    )
    await expect(api.updateRun({ id: run.id, error: 'forged' })).rejects.toThrow(/has ended/)
    expect((await api.queryMetrics({ runIds: [run.id] })).series[0]!.values).toEqual([1.153])
    // Its name, tags, notes and star stay editable.
    expect(await api.updateRun({ id: run.id, name: 'renamed', notes: 'n', starred: true, tags: ['x'] })).toMatchObject({
      name: 'renamed',
      status: 'completed',
      starred: true,
    })
  })

  it('status moves only along the lifecycle, and only the lease holder ends a running run', async () => {
    const queued = await newRun()
    await expect(api.updateRun({ id: queued.id, status: 'completed' })).rejects.toThrow(
      /a queued run cannot become completed/,
    )
    await expect(api.updateRun({ id: queued.id, status: 'running' })).rejects.toThrow(/a run starts under a lease/)
    const run = await newRun()
    await api.updateRun({ id: run.id, status: 'running', lease: { owner: TRAINER } })
    await expect(api.updateRun({ id: run.id, status: 'completed' })).rejects.toThrow(
      /only the trainer that holds its lease can end it/,
    )
    await expect(api.updateRun({ id: run.id, owner: OTHER, status: 'completed' })).rejects.toThrow(
      /only the trainer that holds its lease/,
    )
    // A live trainer's lease is not taken.
    await expect(api.updateRun({ id: run.id, status: 'running', lease: { owner: OTHER } })).rejects.toThrow(
      /trained by another process .* only once that process is gone/,
    )
    expect((await api.getRun({ id: run.id })).lease?.owner).toBe(TRAINER)
    // A cancelled queued run needs no lease: nobody trains it.
    expect(
      (await api.updateRun({ id: queued.id, status: 'interrupted', error: 'stopped before it started' })).status,
    ).toBe('interrupted')
    // Once the trainer is gone, another may take the run over.
    await orphanLease(run.id)
    expect((await api.updateRun({ id: run.id, status: 'running', lease: { owner: OTHER } })).lease?.owner).toBe(OTHER)
    expect((await api.updateRun({ id: run.id, owner: OTHER, status: 'completed' })).status).toBe('completed')
  })

  it('the write side refuses what the import check refuses: an infinite float32 in a snapshot (stored, the run could never be exported again)', async () => {
    const run = await newRun()
    await api.updateRun({ id: run.id, status: 'running', lease: { owner: TRAINER } })
    const packed = (values: number[]) => ({
      rows: values.length,
      columns: 1,
      base64: Buffer.from(new Float32Array(values).buffer).toString('base64'),
    })
    const snapshot = (values: number[]) => ({
      term: 'h' as const,
      batch: 1,
      timeSteps: 2,
      totalFeatures: 1,
      groups: 1,
      lengths: [2],
      values: packed(values),
      rowMean: packed([0, 0]),
      rowVar: packed([1, 1]),
    })
    await expect(
      api.appendSnapshots({ runId: run.id, owner: TRAINER, step: 1, records: [snapshot([0.5, Infinity])] }),
    ).rejects.toThrow(/holds an infinite value/)
    // NaN stays what it means: no value.
    expect(
      await api.appendSnapshots({ runId: run.id, owner: TRAINER, step: 1, records: [snapshot([0.5, Number.NaN])] }),
    ).toEqual({ written: 1 })
    await expect(
      api.appendSnapshots({ runId: run.id, owner: TRAINER, step: 1e9, records: [snapshot([0.5, 1])] }),
    ).rejects.toThrow(/step 1000000000 is past the run's \d+ steps/)
    await api.updateRun({ id: run.id, owner: TRAINER, status: 'completed' })
    const exported = await api.exportArchive({ runIds: [run.id] })
    expect(exported.fileName).toMatch(/\.normlab$/)
  })

  it('random request sequences from a trainer and an editor: never a finished run changed, never a write without the lease, never an id reused', async () => {
    const owners = ['trainer-one-0001', 'trainer-two-0002'] as const
    const command = fc.oneof(
      fc.record({ kind: fc.constant('create' as const) }),
      fc.record({ kind: fc.constant('start' as const), run: fc.nat(5), owner: fc.constantFrom(...owners) }),
      fc.record({
        kind: fc.constant('append' as const),
        run: fc.nat(5),
        owner: fc.constantFrom(...owners),
        value: fc.double({ min: 0, max: 10, noNaN: true }),
      }),
      fc.record({
        kind: fc.constant('end' as const),
        run: fc.nat(5),
        owner: fc.option(fc.constantFrom(...owners)),
        status: fc.constantFrom(...FINAL_STATUSES, 'running' as const, 'queued' as const),
      }),
      fc.record({ kind: fc.constant('edit' as const), run: fc.nat(5) }),
      fc.record({ kind: fc.constant('delete' as const), run: fc.nat(5) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 30 }), async (commands) => {
        const ids: number[] = []
        const everIssued = new Set<number>()
        /** Per finished run: its status and metric count when it ended. */
        const frozen = new Map<number, { status: string; points: number }>()
        const points = async (id: number) =>
          (await api.queryMetrics({ runIds: [id] })).series.reduce((n, s) => n + s.values.length, 0)
        for (const c of commands) {
          const id = c.kind === 'create' ? 0 : ids[c.run % Math.max(1, ids.length)]
          if (c.kind !== 'create' && id === undefined) continue
          const before = c.kind === 'create' ? null : await services.archive.runs.get(id!).catch(() => null)
          const attempt = async () => {
            switch (c.kind) {
              case 'create': {
                const run = await newRun()
                expect(everIssued.has(run.id)).toBe(false)
                everIssued.add(run.id)
                ids.push(run.id)
                return
              }
              case 'start':
                return void (await api.updateRun({ id: id!, status: 'running', lease: { owner: c.owner } }))
              case 'append':
                return void (await api.appendMetrics({
                  runId: id!,
                  owner: c.owner,
                  points: [point(1 + (await points(id!)), c.value)],
                }))
              case 'end':
                return void (await api.updateRun({ id: id!, status: c.status, ...(c.owner ? { owner: c.owner } : {}) }))
              case 'edit':
                return void (await api.updateRun({ id: id!, notes: 'edited' }))
              case 'delete':
                return void (await api.deleteRun({ id: id! }))
            }
          }
          const ok = await attempt().then(
            () => true,
            () => false,
          )
          if (c.kind === 'append' && ok) {
            // Written only into a running run, under its lease.
            expect(before?.status).toBe('running')
            expect(before?.lease?.owner).toBe(c.owner)
          }
          if (c.kind === 'delete' && ok) ids.splice(ids.indexOf(id!), 1)
          for (const runId of ids) {
            const run = await services.archive.runs.get(runId)
            const was = frozen.get(runId)
            if (was) expect({ status: run.status, points: await points(runId) }).toEqual(was)
            else if ((FINAL_STATUSES as readonly string[]).includes(run.status))
              frozen.set(runId, { status: run.status, points: await points(runId) })
          }
        }
      }),
      { numRuns: 40 },
    )
  }, 120_000)
})
