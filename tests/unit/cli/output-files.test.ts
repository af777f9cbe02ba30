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
  const made = await cli([
    'sweep',
    '--task',
    'adding',
    '--norm',
    'bn_step,ln',
    '--hidden',
    '8',
    '--steps',
    '8',
    '--lengths',
    '4-8',
    '--seed',
    '1,2',
    '--snapshots',
    'none',
    '--backend',
    'wasm',
    '--db',
    db,
  ])
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
      expect(result.err).toMatch(
        /is the archive this command reads.*never written over, --force or not \(nothing was written\)/,
      )
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
    const missing = await cli([
      'sweep',
      '--task',
      'adding',
      '--norm',
      'ln',
      '--seed',
      '1',
      '--plan',
      tmp.file('not/there/plan'),
    ])
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
    const json = JSON.parse((await cli(['findings', '--runs', '1,1,1', '--json', '--db', db])).out) as {
      findings: { runIds: number[] }[]
    }
    expect(json.findings.every((f) => f.runIds.every((id) => id === 1))).toBe(true)
    const text = await cli(['findings', '--runs', '1,1,1', '--db', db])
    expect(text.out).toMatch(/^Findings of the runs given \(1\):/m)
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
    // A value the contract refuses is a usage error too (it was exit 1).
    const status = await cli(['runs', 'list', '--status', 'bogus', '--db', db])
    expect(status.code).toBe(2)
    expect(status.err).toMatch(/filter\.status: Invalid option/)
  })
})

describe('shared files are data, not instructions', () => {
  const report = (plan: unknown) => {
    const path = tmp.file(`shared-${Math.random().toString(36).slice(2)}.html`)
    writeFileSync(
      path,
      `<!doctype html><script type="application/json" id="normlab-report">${JSON.stringify({ plan })}</script>`,
    )
    return path
  }
  const config = (over: Record<string, unknown> = {}) => ({
    task: 'adding',
    cell: 'lstm',
    norm: 'ln',
    batchSize: 4,
    seed: 1,
    hidden: 8,
    steps: 4,
    ...over,
  })

  it('a report whose plan names a local data file never makes the CLI read it; the recipient gives their own copy', async () => {
    const secret = tmp.file('secret.txt')
    writeFileSync(secret, 'TOP-SECRET-LINE-1\nTOP-SECRET-LINE-2\n')
    const crafted = report({
      format: 'normlab-report-plan',
      version: 1,
      study: 's',
      runs: [{ name: 'r', config: config({ task: 'user', dataFile: secret }) }],
    })
    const refused = await cli(['sweep', '--from-report', crafted, '--db', tmp.file('never.sqlite')])
    expect(refused.code).toBe(2)
    expect(refused.err).toMatch(
      /trained on a data file \(secret\.txt\); a shared file never makes NormLab read a path it names: give your own copy with --data FILE/,
    )
    expect(refused.err + refused.out).not.toMatch(/TOP-SECRET/)
    expect(existsSync(tmp.file('never.sqlite'))).toBe(false)
    // With the recipient's own copy, the plan is theirs to run (planned here, not trained).
    const mine = tmp.file('mine.csv')
    writeFileSync(mine, 'sequence,step,label,a\ns1,0,0,0.1\ns1,1,0,0.2\ns2,0,1,0.3\ns2,1,1,0.4\n')
    const planDir = tmp.file('from-report-plan')
    const planned = await cli(['sweep', '--from-report', crafted, '--data', mine, '--plan', planDir])
    expect(planned.code, planned.err).toBe(0)
    expect(readFileSync(`${planDir}/runs/001.json`, 'utf8')).toContain(JSON.stringify(mine))
  })

  it('errors name the field and its problem, never the file’s content', async () => {
    const bad = report({
      format: 'normlab-report-plan',
      version: 1,
      study: 's',
      runs: [{ name: 'r', config: config({ hidden: -5 }) }],
    })
    const result = await cli(['sweep', '--from-report', bad, '--db', tmp.file('never2.sqlite')])
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/its study plan is not valid; nothing was written:\n\s+plan\.runs\.0\.config\.hidden: /)
    const passwd = tmp.file('passwd')
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n')
    const notPlan = await cli(['train', '--from-plan', passwd, '--db', tmp.file('never3.sqlite')])
    expect(notPlan.code).toBe(2)
    expect(notPlan.err).toMatch(
      /is not a run of a NormLab sweep plan; nothing was written:\n\s+\(file\): it is not JSON/,
    )
    expect(notPlan.err).not.toMatch(/root:x/)
  })
})

describe('a reader that stops reading', () => {
  it('a closed pipe (`runs list | head -1`) is no error: exit 0, and a damaged archive is left as it was found (no -wal/-shm)', async () => {
    const { copyFileSync, openSync, writeSync, closeSync, statSync: stat } = await import('node:fs')
    const { spawn } = await import('node:child_process')
    const { join } = await import('node:path')
    const { ROOT } = await import('../../helpers/temp')
    const damaged = tmp.file('damaged.sqlite')
    copyFileSync(db, damaged)
    const pages = Math.floor(stat(damaged).size / 4096)
    const fd = openSync(damaged, 'r+')
    for (const page of [Math.floor(pages / 2), Math.floor(pages / 2) + 1])
      writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, page * 4096)
    closeSync(fd)
    const child = spawn(
      process.execPath,
      [join(ROOT, 'scripts/run-bundled.mjs'), 'electron/cli/main.ts', 'runs', 'list', '--db', damaged],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    // The reader goes away before the command writes a line.
    child.stdout.destroy()
    child.stderr.destroy()
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
    for (const suffix of ['-wal', '-shm']) expect(existsSync(`${damaged}${suffix}`), suffix).toBe(false)
  }, 60_000)
})
