// A .normlab file is untrusted input: edited rows, values outside the app's schemas and schema
// objects NormLab never makes are refused, whatever the manifest says (or without one), and the
// archive it was to go into stays byte-identical. A valid file without a manifest still imports.
// Examples from the audit, then random mutations of a valid export (fast-check).
import { createHash } from 'node:crypto'
import { copyFileSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServices } from '../../../electron/store'
import { checkImportedFile } from '../../../electron/store/archive/import-check'
import { loadMigrations } from '../../../electron/store/migrations'
import { SqliteDb } from '../../../electron/store/sqlite'
import { createApi } from '../../../shared/contract'
import { cli } from '../../helpers/cli'
import { uniformFeatures, writeRuns } from '../../helpers/synthetic-runs'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let exported: string
let target: string
let n = 0
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

beforeAll(async () => {
  tmp = tempDir('normlab-untrusted-')
  const source = tmp.file('source.sqlite')
  const services = await openServices({ dbPath: source, host: 'cli', migrationsDir: MIGRATIONS })
  const api = createApi((name, payload) => services.dispatch(name, payload))
  const study = await api.createStudy({ name: 'BN vs LN' })
  const stats = [
    {
      term: 'h' as const,
      count: [4, 4, 3, 1],
      featureMean: uniformFeatures(4, 2, (t, c) => t + c / 10),
      featureVar: uniformFeatures(4, 2, () => 1),
    },
  ]
  const ids = await writeRuns(
    api,
    [
      {
        config: { norm: 'bn_step', seed: 1 },
        loss: 0.3,
        stats,
        lengths: [{ policy: 'last', length: 20, value: 0.4 }],
        population: { term: 'h', var: [1, 1, 2, 3] },
      },
      { config: { norm: 'ln', seed: 1 }, loss: 0.1, stats },
    ],
    study.id,
  )
  await api.updateRun({ id: ids[0]!, tags: ['demo'], notes: 'a note' })
  await services.close()
  exported = tmp.file('export.normlab')
  expect((await cli(['export', '--db', source, '--out', exported])).code).toBe(0)
  // The archive imports go into: one run of its own.
  target = tmp.file('target.sqlite')
  const here = await openServices({ dbPath: target, host: 'cli', migrationsDir: MIGRATIONS })
  await writeRuns(
    createApi((name, payload) => here.dispatch(name, payload)),
    [{ config: { norm: 'gn', seed: 7 }, loss: 0.2 }],
  )
  await here.close()
}, 60_000)
afterAll(() => tmp.cleanup())

/** A copy of the export with SQL applied to it (the manifest dropped unless kept). */
async function edited(statements: string[], keepManifest = false): Promise<string> {
  const path = tmp.file(`edited-${++n}.normlab`)
  copyFileSync(exported, path)
  const db = await SqliteDb.open(path, { create: false })
  try {
    if (!keepManifest) await db.exec('DROP TABLE normlab_manifest')
    for (const sql of statements) await db.exec(sql)
  } finally {
    await db.close()
  }
  return path
}

/** Imports `file` into a fresh copy of the target; what the CLI said, and whether the copy changed. */
async function importInto(
  file: string,
): Promise<{ code: number; out: string; err: string; unchanged: boolean; archive: string }> {
  const archive = tmp.file(`target-${++n}.sqlite`)
  copyFileSync(target, archive)
  const before = sha(archive)
  const result = await cli(['import', file, '--db', archive])
  return { ...result, unchanged: sha(archive) === before, archive }
}

describe('importing an untrusted .normlab file', () => {
  it('imports a valid file without its manifest (a plain archive)', async () => {
    const result = await importInto(await edited([]))
    expect(result.code, result.err).toBe(0)
    expect(result.out).toMatch(/\(archive, schema \d+, 2 runs\): 2 added/)
  })

  const refusals: [string, string[], RegExp][] = [
    ['a metric at step −5', ["UPDATE metrics SET step = -5 WHERE name = 'loss' AND step = 2"], /metrics row 1: step/],
    [
      'a loss of 9e999 (infinite)',
      ["UPDATE metrics SET value = 9e999 WHERE name = 'loss' AND step = 3"],
      /metrics row 1: value/,
    ],
    [
      'a step that is text',
      ["UPDATE metrics SET step = 'xyz' WHERE name = 'loss' AND step = 4"],
      /metrics row 1: step/,
    ],
    [
      'hidden −5 and a __proto__ key in a configuration',
      [
        `UPDATE runs SET config_json = json_set(json_set(config_json, '$.hidden', -5), '$.__proto__', json('{"x":1}')) WHERE id = 1`,
      ],
      /runs row 1: /,
    ],
    ['notes of 1 MB', ["UPDATE runs SET notes = printf('%.*c', 1000000, 'x') WHERE id = 1"], /runs row 1: notes/],
    [
      'a view named metrics that multiplies every value by 1000',
      [
        'ALTER TABLE metrics RENAME TO metrics_kept',
        'CREATE VIEW metrics AS SELECT run_id, name, step, value * 1000 AS value, wall_ms FROM metrics_kept',
      ],
      /view metrics that NormLab does not make/,
    ],
    [
      'a run whose norm column disagrees with its configuration',
      ["UPDATE runs SET norm = 'ln' WHERE id = 1"],
      /runs row 1: its norm \(ln\) is not its configuration's \(bn_step\)/,
    ],
    [
      'a trigger',
      ['CREATE TRIGGER sneaky AFTER INSERT ON runs BEGIN DELETE FROM runs; END'],
      /trigger sneaky that NormLab does not make/,
    ],
    [
      'a statistics BLOB of the wrong length',
      ["UPDATE timestep_stats SET mean = x'00' WHERE id = 1"],
      /timestep_stats row 1: mean holds 1 bytes, not 16/,
    ],
    // What the write side refuses, an import refuses (one validation, both doors).
    [
      'an infinite per-feature mean',
      [
        "UPDATE timestep_features SET feature_mean = CAST(x'0000807f' || substr(feature_mean, 5) AS BLOB) WHERE stat_id = (SELECT min(stat_id) FROM timestep_features)",
      ],
      /timestep_features row \d+: feature_mean holds an infinite value/,
    ],
    [
      'an infinite population mean',
      [
        "UPDATE population_stats SET mean = CAST(x'0000807f' || substr(mean, 5) AS BLOB) WHERE id = (SELECT min(id) FROM population_stats)",
      ],
      /population_stats row \d+: mean holds an infinite value/,
    ],
    [
      'a snapshot at step 1e9 of a 20-step run',
      [
        "INSERT INTO snapshots (run_id, term, step, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var) VALUES (1, 'h', 1000000000, 1, 1, 1, 1, 1, x'01000000', zeroblob(1*4), zeroblob(1*4), zeroblob(1*4))",
      ],
      /snapshots row \d+: its step 1000000000 is past the run's 20 steps/,
    ],
    [
      'a snapshot of 100000 time steps (the write limit is 2000)',
      [
        "INSERT INTO snapshots (run_id, term, step, batch, time_steps, features, total_features, groups, lengths, vals, row_mean, row_var) VALUES (1, 'h', 1, 1, 100000, 1, 1, 1, x'01000000', zeroblob(100000*4), zeroblob(100000*4), zeroblob(100000*4))",
      ],
      /snapshots row \d+: time_steps/,
    ],
    [
      'metrics of a run that is not there',
      ['PRAGMA foreign_keys = OFF', "UPDATE metrics SET run_id = 99 WHERE run_id = 1 AND name = 'loss' AND step = 2"],
      /metrics row \S+ refers to a runs row that is not there/,
    ],
  ]
  for (const [what, statements, message] of refusals) {
    it(`refuses ${what}, leaving the archive byte-identical`, async () => {
      const result = await importInto(await edited(statements))
      expect(result.code).toBe(1)
      expect(result.err).toMatch(/Cannot import .*: it holds what NormLab never writes: /)
      expect(result.err).toMatch(message)
      expect(result.err).toMatch(/Nothing was written\./)
      expect(result.unchanged).toBe(true)
    })
  }

  it('refuses the same edits with the manifest kept (the checksum alone no longer decides)', async () => {
    const result = await importInto(
      await edited(["UPDATE runs SET notes = printf('%.*c', 1000000, 'x') WHERE id = 1"], true),
    )
    expect(result.code).toBe(1)
    expect(result.unchanged).toBe(true)
  })

  it('reports an edited but valid run it already holds as a conflict, not as nothing new', async () => {
    const first = await importInto(exported)
    expect(first.code).toBe(0)
    const changed = await edited(["UPDATE runs SET notes = 'edited on another machine' WHERE id = 1"])
    const again = await cli(['import', changed, '--db', first.archive])
    expect(again.code, again.err).toBe(0)
    expect(again.out).toMatch(/1 already here, 0 replaced, 1 in conflict/)
  })

  it('random mutations of a valid export are refused (archive untouched) or imported valid', async () => {
    const db = await SqliteDb.open(exported, { readonly: true })
    const tables = [
      'runs',
      'studies',
      'run_tags',
      'metrics',
      'timestep_stats',
      'timestep_features',
      'population_stats',
      'evaluations',
    ]
    const columns = Object.fromEntries(
      await Promise.all(
        tables.map(
          async (t) => [t, (await db.all<{ name: string }>(`PRAGMA table_info(${t})`)).map((c) => c.name)] as const,
        ),
      ),
    )
    await db.close()
    const sqlValue = fc.oneof(
      fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map(String),
      fc.constantFrom(
        '9e999',
        '-9e999',
        '0.5',
        '1e-300',
        'NULL',
        "''",
        "'xyz'",
        "' padded '",
        "x''",
        "x'00ff'",
        'zeroblob(17)',
        "'bn_step'",
        "'{}'",
        "'[1,2]'",
        "printf('%.*c', 200001, 'y')",
      ),
      fc.string({ maxLength: 12 }).map((s) => `'${s.replace(/'/g, "''")}'`),
    )
    // The first row of each table, by its key (metrics, evaluations and run_tags have no rowid).
    const key: Record<string, string> = {
      metrics: '(run_id, name, step)',
      evaluations: '(run_id, step, policy, length, metric)',
      run_tags: '(run_id, tag)',
      timestep_features: 'stat_id',
    }
    const rowEdit = fc.constantFrom(...tables).chain((table) =>
      fc.tuple(fc.constant(table), fc.constantFrom(...columns[table]!), sqlValue).map(([t, c, v]) => {
        const k = key[t] ?? 'rowid'
        return [
          `UPDATE ${t} SET ${c} = ${v} WHERE ${k} IN (SELECT ${k.replace(/[()]/g, '')} FROM ${t} ORDER BY ${k.replace(/[()]/g, '')} LIMIT 1)`,
        ]
      }),
    )
    const schemaEdit = fc.constantFrom(
      ['DROP INDEX timestep_stats_key'],
      ['CREATE VIEW extra AS SELECT 1'],
      ['CREATE TABLE extra (x)'],
      ['DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)'],
      ["UPDATE schema_migrations SET checksum = 'x' WHERE version = 1"],
      ['DELETE FROM runs WHERE id = 2'],
    )
    // An edit SQLite itself refuses (a constraint) never makes a file: skipped.
    const outcomes = { refused: 0, imported: 0, skipped: 0 }
    await fc.assert(
      fc.asyncProperty(fc.oneof(rowEdit, schemaEdit), fc.boolean(), async (statements, keepManifest) => {
        let file: string
        try {
          file = await edited(['PRAGMA foreign_keys = OFF', ...statements], keepManifest)
        } catch {
          outcomes.skipped++
          return
        }
        const result = await importInto(file)
        if (result.code !== 0) {
          outcomes.refused++
          expect(result.unchanged).toBe(true)
          return
        }
        outcomes.imported++
        // Accepted: the archive still holds only what the app's own writes could have written.
        const db = await SqliteDb.open(result.archive, { readonly: true })
        try {
          await checkImportedFile(db, loadMigrations(MIGRATIONS))
        } finally {
          await db.close()
        }
      }),
      { numRuns: 60, seed: 20261201 },
    )
    console.log('random mutations:', JSON.stringify(outcomes))
    expect(outcomes.refused).toBeGreaterThan(20)
    expect(outcomes.imported).toBeGreaterThan(0)
  }, 120_000)
})
