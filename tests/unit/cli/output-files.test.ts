// Files the user names are safe, and the CLI's answers are the same everywhere: the archive is
// never an output (a report once wrote its HTML over it, exit 0), an existing file is replaced
// only with --force, a missing folder is named, no path makes the CLI loop, a refused import
// leaves no archive behind, a run named twice is one run, and a run that is not there is a usage
// error (exit 2) in every command.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli'
import { tempDir } from '../../helpers/temp'

const tmp = tempDir('normlab-outputs-')
const db = tmp.file('A.sqlite')
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

beforeAll(async () => {
  const made = await cli(['sweep', '--task', 'adding', '--norm', 'bn_step,ln', '--hidden', '8', '--steps', '8', '--lengths', '4-8', '--seed', '1,2', '--snapshots', 'none', '--backend', 'wasm', '--db', db])
  expect(made.code, made.err).toBe(0)
}, 120_000)

describe('outputs the user names', () => {
  it('never writes a report over the archive it reads: by name, through a symlink, by another path, as --pdf, with --force', async () => {
    const before = digest(db)
    symlinkSync(db, tmp.file('link.html'))
    for (const args of [
      ['--out', db],
      ['--out', tmp.file('link.html'), '--force'],
      ['--out', `${tmp.file('')}/../${tmp.file('A.sqlite').split('/').slice(-2).join('/')}`],
      ['--pdf', db],
      ['--out', `${db}-wal`, '--force'],
    ]) {
      const result = await cli(['report', '--study', '1', ...args, '--db', db])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.err).toMatch(/is the archive this command reads.*never written over, --force or not \(nothing was written\)/)
    }
    expect(digest(db)).toBe(before)
    expect((await cli(['runs', 'list', '--db', db])).code).toBe(0)
  })

  it('replaces an existing file only with --force, and names a folder that does not exist', async () => {
    const out = tmp.file('report.html')
    writeFileSync(out, 'mine')
    const refused = await cli(['report', '--study', '1', '--out', out, '--db', db])
    expect(refused.code).toBe(2)
    expect(refused.err).toMatch(/exists already: choose another name, or add --force to replace it/)
    expect(readFileSync(out, 'utf8')).toBe('mine')
    const forced = await cli(['report', '--study', '1', '--out', out, '--force', '--db', db])
    expect(forced.code, forced.err).toBe(0)
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/i)
    const nowhere = await cli(['report', '--study', '1', '--out', tmp.file('no/such/folder/r.html'), '--db', db])
    expect(nowhere.code).toBe(2)
    expect(nowhere.err).toMatch(/the folder .*no\/such\/folder does not exist/)
    expect(nowhere.err).not.toMatch(/ENOENT/)
  }, 60_000)

  it('a plan folder that cannot be made is an error at once, never a loop (/proc/self/x took 100 % CPU)', async () => {
    const started = Date.now()
    const result = await cli(['sweep', '--task', 'adding', '--norm', 'ln', '--seed', '1', '--plan', '/proc/self/x'])
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/--plan \/proc\/self\/x cannot be made here/)
    expect(Date.now() - started).toBeLessThan(10_000)
    const missing = await cli(['sweep', '--task', 'adding', '--norm', 'ln', '--seed', '1', '--plan', tmp.file('not/there/plan')])
    expect(missing.code).toBe(2)
    expect(missing.err).toMatch(/the folder .*not\/there does not exist/)
  })

  it('an import refused into an archive that did not exist leaves no archive behind', async () => {
    const bad = tmp.file('bad.normlab')
    writeFileSync(bad, 'not an archive at all')
    const target = tmp.file('new.sqlite')
    const result = await cli(['import', bad, '--db', target])
    expect(result.code).toBe(1)
    expect(result.err).toMatch(/Nothing was imported/)
    expect(result.err).toMatch(/Removed .*new\.sqlite again: nothing was written into it/)
    for (const suffix of ['', '-wal', '-shm']) expect(existsSync(`${target}${suffix}`)).toBe(false)
  })

  it('a run named twice is one run; a run that is not there is a usage error in every command', async () => {
    const json = JSON.parse((await cli(['findings', '--runs', '1,1,1', '--json', '--db', db])).out) as { findings: { runIds: number[] }[] }
    expect(json.findings.every((f) => f.runIds.every((id) => id === 1))).toBe(true)
    const text = await cli(['findings', '--runs', '1,1,1', '--db', db])
    expect(text.out).toMatch(/^Findings of runs \(1 runs?\):/m)
    mkdirSync(tmp.file('empty-dir'))
    for (const args of [
      ['export', '--out', tmp.file('x.normlab'), '--runs', '999'],
      ['export-data', '--out', tmp.file('tidy-999'), '--runs', '999'],
    ]) {
      const result = await cli([...args, '--db', db])
      expect(result.code, args[0]).toBe(2)
      expect(result.err).toMatch(/run 999 is not in the archive/)
    }
    expect(existsSync(tmp.file('x.normlab'))).toBe(false)
  })
})
