// Benchmark of the archive's size (prints a table and JSON; not a test): each preset trained with
// one seed through the CLI, exactly as the app trains it (sweep --preset), then bytes per run —
// the file, and what each kind of record takes (BLOB and text bytes per table; SQLite's pages
// add a little). `npm run bench:archive-size [-- PRESET…]`.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../electron/cli/run-cli'
import { SqliteDb } from '../electron/store/sqlite'
import { PRESET_IDS } from '../shared/lab/study-plan'

const PARTS: Record<string, string> = {
  metrics: 'SELECT SUM(length(name) + 24) AS n FROM metrics',
  summaries:
    'SELECT SUM(length(count) + coalesce(length(norm_count), 0) + length(mean) + length(var)) AS n FROM timestep_stats',
  features: 'SELECT SUM(length(feature_mean) + length(feature_var)) AS n FROM timestep_features',
  population: 'SELECT SUM(length(mean) + length(var) + length(seen)) AS n FROM population_stats',
  snapshots: 'SELECT SUM(length(vals) + length(row_mean) + length(row_var) + length(lengths)) AS n FROM snapshots',
  evaluations: 'SELECT COUNT(*) * 40 AS n FROM evaluations',
  checkpoints: 'SELECT coalesce(SUM(bytes), 0) AS n FROM run_checkpoints',
}

async function main() {
  const presets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [...PRESET_IDS]
  const dir = mkdtempSync(join(tmpdir(), 'normlab-size-'))
  const rows: Record<string, number | string>[] = []
  try {
    for (const preset of presets) {
      const db = join(dir, `${preset}.sqlite`)
      const code = await runCli(['sweep', '--preset', preset, '--seed', '1', '--db', db], {
        out: () => undefined,
        err: (l) => process.stderr.write(`${l}\n`),
      })
      if (code !== 0) throw new Error(`sweep --preset ${preset} exited ${code}`)
      const conn = await SqliteDb.open(db, { readonly: true })
      const runs = (await conn.get<{ n: number }>('SELECT COUNT(*) AS n FROM runs'))!.n
      const row: Record<string, number | string> = { preset, runs, file: Math.round(statSync(db).size / runs) }
      for (const [part, sql] of Object.entries(PARTS))
        row[part] = Math.round(((await conn.get<{ n: number | null }>(sql))!.n ?? 0) / runs)
      await conn.close()
      rows.push(row)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const kb = (n: number | string) => (typeof n === 'number' ? `${(n / 1024).toFixed(0)} KB` : n)
  const columns = Object.keys(rows[0]!)
  console.log(['bytes per run', ...columns.slice(1)].join('\t'))
  for (const r of rows) console.log(columns.map((c) => (c === 'runs' ? r[c] : kb(r[c]!))).join('\t'))
  console.log(JSON.stringify(rows))
}

void main()
