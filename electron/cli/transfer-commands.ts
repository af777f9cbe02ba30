// `npm run lab -- export | import | export-data`: runs leave an archive as one .normlab file
// (another machine imports it), arrive from one (merged by UUID, in one transaction per file), or
// leave as tidy CSV/Parquet tables for pandas and R. The archive does the work (transfer.ts,
// tidy-export.ts); these are the terminal's words around it.
import { existsSync, statSync } from 'node:fs'
import { outputFile } from './output-file'
import type { Run } from '../../shared/contract'
import { APP_VERSION } from '../store'
import type { ExportSelection, ImportResult } from '../store/archive'
import { CheckFailed, DB_OPTION, runIdsFlag, studyIdFlag, UsageError, type Command } from './command'

function selectionOf(values: Record<string, unknown>): ExportSelection {
  if (values.runs !== undefined && values.study !== undefined)
    throw new UsageError('give --runs or --study, not both (neither: every run)')
  if (values.runs !== undefined) return { runIds: runIdsFlag(values.runs as string) }
  if (values.study !== undefined) return { studyIds: [studyIdFlag(values.study as string)] }
  return { all: true }
}

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`

export const exportCommand: Command = {
  usage: 'export --out FILE.normlab [--runs 1,2 | --study N] [--db PATH]',
  summary: 'write runs (default: all) with everything they recorded into one .normlab file for another archive',
  options: { ...DB_OPTION, out: { type: 'string' }, runs: { type: 'string' }, study: { type: 'string' } },
  async run({ services, values, positionals, io }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    if (!values.out) throw new UsageError('give --out FILE.normlab')
    const out = values.out as string
    if (existsSync(out)) throw new UsageError(`${out} exists already: choose another file name (nothing was written)`)
    outputFile(out, { flag: '--out', force: false, archivePath: services.archive.path })
    const selection = selectionOf(values)
    if (selection.runIds) {
      // A run that is not there is a usage error, as in export-data (exit 2, nothing written).
      const have = new Set((await services.archive.runs.list({ filter: {} })).map((r) => r.id))
      const missing = selection.runIds.filter((id) => !have.has(id))
      if (missing.length > 0)
        throw new UsageError(`run ${missing.join(', ')} is not in the archive (nothing was written)`)
    }
    const { manifest, unreadable, damagedTables } = await services.archive.exportTo(out, selectionOf(values), {
      appVersion: APP_VERSION,
    })
    const rows = manifest.runs.reduce((n, r) => n + Object.values(r.rows).reduce((a, b) => a + b, 0), 0)
    io.out(
      `Wrote ${out}: ${plural(manifest.runs.length, 'run')}, ${plural(manifest.studies.length, 'study', 'studies')}, ${rows.toLocaleString('en')} rows, schema ${manifest.schemaVersion}`,
    )
    if (unreadable.length > 0) {
      io.err(
        `${plural(unreadable.length, 'run')} could not be read and ${unreadable.length === 1 ? 'is' : 'are'} not in it:`,
      )
      for (const u of unreadable) io.err(`  run ${u.id}${u.name ? ` “${u.name}”` : ''}: ${u.reason}`)
    }
    if (damagedTables.length > 0)
      io.err(
        `The archive is damaged in ${damagedTables.join(', ')}: what could be read was exported, but rows on the damaged pages are not in the file.`,
      )
    // A rescue that could not take everything is not a success.
    if (unreadable.length > 0 || damagedTables.length > 0) throw new CheckFailed('incomplete export')
  },
}

function printImport(io: { out(line: string): void }, file: string, r: ImportResult): void {
  const what = r.source.manifest ? 'export' : 'archive'
  io.out(
    `${file} (${what}, schema ${r.source.schemaVersion}, ${plural(r.source.runs, 'run')}): ${r.added.length} added, ${r.skipped.length} already here, ${r.replaced.length} replaced, ${r.conflicts.length} in conflict` +
      (r.studiesAdded.length > 0
        ? `; studies added: ${r.studiesAdded.map((s) => `${s.id} “${s.name}”`).join(', ')}`
        : ''),
  )
  for (const run of r.added) io.out(`  added     run ${run.id}  ${run.name}`)
  for (const run of r.replaced) io.out(`  replaced  run ${run.id}  ${run.name}`)
  for (const run of r.conflicts) io.out(`  conflict  ${run.uuid}  ${run.name}: ${run.message}`)
  // "Nothing new" only when it is true: a run in conflict differs from the one here.
  if (r.added.length === 0 && r.replaced.length === 0 && r.conflicts.length === 0)
    io.out('  nothing new: the archive already holds every run of this file')
}

export const importCommand: Command = {
  usage: 'import FILE... [--db PATH] [--replace-newer]',
  summary: 'merge .normlab exports or other archives into the archive (by UUID: importing twice adds nothing)',
  options: { ...DB_OPTION, 'replace-newer': { type: 'boolean' } },
  archive: 'write',
  async run({ openForWriting, discardIfCreated, positionals, values, io }) {
    if (positionals.length === 0) throw new UsageError('give at least one .normlab file or archive to import')
    // Every file must be there before the archive is opened: a refused import creates nothing.
    const missing = positionals.filter((file) => !existsSync(file) || !statSync(file).isFile())
    if (missing.length > 0)
      throw new UsageError(
        `${missing.map((f) => `${f} is not a file`).join('; ')}: nothing was imported, nothing was written`,
      )
    const services = await openForWriting()
    let refused = 0
    for (const file of positionals) {
      try {
        const result = await services.archive.importFrom(file, {
          replaceNewer: values['replace-newer'] === true,
          onProgress: (done, total) => io.progress?.(`importing ${file}: ${done}/${total} runs`, done === total),
        })
        printImport(io, file, result)
      } catch (error) {
        refused++
        io.progress?.('', true)
        io.err((error as Error).message)
      }
    }
    if (refused > 0) {
      // Everything refused into an archive this command created: it would be an empty file nobody asked for.
      if (refused === positionals.length) discardIfCreated()
      io.err(
        refused === positionals.length
          ? 'Nothing was imported.'
          : `${plural(refused, 'file')} of ${positionals.length} refused; the others were imported.`,
      )
      throw new CheckFailed('refused')
    }
  },
}

export const exportDataCommand: Command = {
  usage: 'export-data --out DIR [--format csv|parquet] [--runs 1,2 | --study N] [--features] [--snapshots] [--db PATH]',
  summary: 'write every recorded number as tidy tables (one file per table, no sampling) with a data dictionary',
  options: {
    ...DB_OPTION,
    out: { type: 'string' },
    format: { type: 'string', default: 'csv' },
    runs: { type: 'string' },
    study: { type: 'string' },
    features: { type: 'boolean' },
    snapshots: { type: 'boolean' },
  },
  async run({ services, values, positionals, io }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    if (!values.out) throw new UsageError('give --out DIR (a new or empty folder)')
    const format = values.format as string
    if (format !== 'csv' && format !== 'parquet')
      throw new UsageError(`--format must be csv or parquet, got "${format}"`)
    const selection = selectionOf(values)
    const all = await services.archive.runs.list({ filter: {} })
    let runs: Run[]
    if (selection.runIds) {
      const missing = selection.runIds.filter((id) => !all.some((r) => r.id === id))
      if (missing.length > 0) throw new UsageError(`run ${missing.join(', ')} is not in the archive`)
      runs = all.filter((r) => selection.runIds!.includes(r.id))
    } else if (selection.studyIds) {
      runs = all.filter((r) => r.studyId === selection.studyIds![0])
      if (runs.length === 0) throw new UsageError(`study ${selection.studyIds[0]} has no runs (or does not exist)`)
    } else runs = all
    runs.sort((a, b) => a.id - b.id)
    const result = await services.archive.exportData(values.out as string, runs, {
      format,
      features: values.features === true,
      snapshots: values.snapshots === true,
    })
    io.out(`Wrote ${result.dir} (${format}, ${plural(runs.length, 'run')}):`)
    for (const f of result.files) io.out(`  ${f.name.padEnd(28)} ${f.rows.toLocaleString('en')} rows`)
    io.out('  DATA_DICTIONARY.md')
  },
}
