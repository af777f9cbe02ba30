// The page's Import streams a file in pieces (beginImport → importChunk… → finishImport): a file of
// any size the disk holds arrives and merges exactly as `lab import` merges it; a piece out of
// place, more bytes than announced, or a file cut short is refused, and nothing is left behind.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServices, type Services } from '../../../electron/store'
import { createApi, IMPORT_CHUNK_BYTES, type NormLabApi } from '../../../shared/contract'
import { cli } from '../../helpers/cli'
import { leaseRun, TEST_OWNER } from '../../helpers/writer'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-streamed-')
let target: Services
let api: NormLabApi
/** An export of one run with enough metric rows to span two pieces (over 8 MiB). */
let file: Buffer

beforeAll(async () => {
  const source = tmp.file('source.sqlite')
  const services = await openServices({ dbPath: source, host: 'cli', migrationsDir: MIGRATIONS })
  const sourceApi = createApi((name, payload) => services.dispatch(name, payload))
  const run = await sourceApi.createRun({ name: 'long', config: sampleConfig({ steps: 400_000 }) })
  await leaseRun(sourceApi, run.id)
  for (let start = 1; start < 400_000; start += 20_000)
    await sourceApi.appendMetrics({
      runId: run.id,
      owner: TEST_OWNER,
      points: Array.from({ length: 20_000 }, (_, i) => ({
        name: 'loss',
        step: start + i,
        value: 1 / (start + i),
        wallMs: start + i,
      })),
    })
  await sourceApi.updateRun({ id: run.id, owner: TEST_OWNER, status: 'completed' })
  await services.close()
  const exported = await cli(['export', '--db', source, '--out', tmp.file('long.normlab')])
  expect(exported.code, exported.err).toBe(0)
  file = readFileSync(tmp.file('long.normlab'))
  target = await openServices({ dbPath: tmp.file('target.sqlite'), host: 'web', migrationsDir: MIGRATIONS })
  api = createApi((name, payload) => target.dispatch(name, payload))
}, 120_000)

afterAll(async () => {
  await target.close()
  tmp.cleanup()
})

const piece = (offset: number) => file.subarray(offset, offset + IMPORT_CHUNK_BYTES).toString('base64')

describe('a streamed import', () => {
  it('arrives in pieces and merges the run whole', async () => {
    expect(file.length).toBeGreaterThan(IMPORT_CHUNK_BYTES)
    const { uploadId, chunkBytes } = await api.beginImport({ fileName: 'long.normlab', bytes: file.length })
    expect(chunkBytes).toBe(IMPORT_CHUNK_BYTES)
    for (let offset = 0; offset < file.length; offset += chunkBytes)
      await api.importChunk({ uploadId, offset, base64: piece(offset) })
    const summary = await api.finishImport({ uploadId })
    expect(summary.added).toHaveLength(1)
    const [run] = await api.listRuns({})
    const loss = await api.queryMetrics({ runIds: [run!.id], names: ['loss'] })
    expect(loss.series[0]!.steps).toHaveLength(400_000)
    // Finished uploads are gone: their id answers no more.
    await expect(api.finishImport({ uploadId })).rejects.toThrow(/not under way/)
  })

  it('refuses a piece out of place, more than announced, and a file cut short, importing nothing', async () => {
    const { uploadId } = await api.beginImport({ fileName: 'long.normlab', bytes: file.length })
    await expect(
      api.importChunk({ uploadId, offset: IMPORT_CHUNK_BYTES, base64: piece(IMPORT_CHUNK_BYTES) }),
    ).rejects.toThrow(/expected the piece at byte 0/)
    await api.importChunk({ uploadId, offset: 0, base64: piece(0) })
    await expect(api.finishImport({ uploadId })).rejects.toThrow(
      new RegExp(`long.normlab: ${IMPORT_CHUNK_BYTES} of ${file.length} bytes arrived; nothing was imported`),
    )
    const small = await api.beginImport({ fileName: 'small.normlab', bytes: 10 })
    await expect(api.importChunk({ uploadId: small.uploadId, offset: 0, base64: piece(0) })).rejects.toThrow(
      /more than the 10 bytes announced/,
    )
    expect(await api.listRuns({})).toHaveLength(1)
  })
})
