// The CLI for a newcomer: `help` fits a terminal (one line per command, `help <command>` for its
// options), a mistyped flag gets a suggestion, a missing --task is "required", `runs list --study`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openServices } from '../../../electron/store'
import { displayWidth } from '../../../electron/cli/text-width'
import { createApi } from '../../../shared/contract'
import { cli } from '../../helpers/cli'
import { writeRuns } from '../../helpers/synthetic-runs'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => (tmp = tempDir()))
afterEach(() => tmp.cleanup())

const COMMANDS = ['train', 'sweep', 'findings', 'report', 'export', 'import', 'export-data', 'golden', 'runs list', 'runs show']

describe('the CLI for a newcomer', () => {
  it('lists every command in lines of at most 100 columns, and explains each with help <command>', async () => {
    const help = await cli(['help'])
    expect(help.code).toBe(0)
    for (const line of help.out.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(100)
    for (const name of COMMANDS) {
      expect(help.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
      const one = await cli(['help', ...name.split(' ')])
      expect(one.code, name).toBe(0)
      expect(one.out).toMatch(/^Usage: npm run lab -- /m)
      for (const line of one.out.split('\n')) expect(displayWidth(line), `${name}: ${line}`).toBeLessThanOrEqual(100)
    }
  })

  it('help <command> says what every flag means and which values it takes', async () => {
    const sweep = (await cli(['help', 'sweep'])).out
    expect(sweep).toMatch(/^ {2}--norm N +the normalizer: none, bn_step, bn_seq, ln, gn, rms, in \(sweep: a comma list\)$/m)
    expect(sweep).toMatch(/^ {2}--preset ID +one of the app's presets, its settings and grid: bnVsLn, batchSize,/m)
    expect(sweep).toMatch(/^ {2}--batching M +variable lengths in a batch: mask, pad, truncate, bucket/m)
    // Every flag of every command has its line of meaning (none left as a bare VALUE).
    for (const name of [...COMMANDS, 'resume', 'plan status', 'plan resubmit']) {
      const out = (await cli(['help', ...name.split(' ')])).out
      const options = out.slice(out.indexOf('Options:'))
      for (const line of options.split('\n').slice(1)) expect(line, `${name}: ${line}`).not.toMatch(/VALUE|^ {2}--\S+( \S+)?$/)
    }
  })

  it('names a mistyped flag in one line and suggests the flag meant', async () => {
    const result = await cli(['train', '--nrom', 'ln', '--db', tmp.file('a.sqlite')])
    expect(result.code).toBe(2)
    expect(result.err).toBe('unknown flag --nrom (did you mean --norm?). Its flags: npm run lab -- help train')
    expect((await cli(['sweep', '--seeds', '1,2'])).err).toMatch(/^unknown flag --seeds \(did you mean --seed\?\)/)
    expect((await cli(['train', '--zzzzzz', '1'])).err).toMatch(/^unknown flag --zzzzzz\. Its flags/)
  })

  it('names an unknown command by itself, never its flags, and suggests the nearest one', async () => {
    const typo = await cli(['swep', '--norm', 'ln'])
    expect(typo.code).toBe(2)
    expect(typo.err).toMatch(/^Unknown command "swep"\. Did you mean "sweep"\? npm run lab -- sweep --norm ln$/m)
    expect((await cli(['runs', 'lsit'])).err).toMatch(/^Unknown command "runs lsit"\. Did you mean "runs list"\?/m)
    expect((await cli(['explode'])).err).toMatch(/^Unknown command "explode"\.$/m)
  })

  it('says a missing --task is required, and lists the tasks', async () => {
    const result = await cli(['train', '--norm', 'ln', '--db', tmp.file('a.sqlite')])
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/^ {2}--task: required: one of adding, copy, mnist, words, user$/m)
    // A sweep names the presets too: the app's studies need no --task.
    expect((await cli(['sweep', '--norm', 'ln', '--db', tmp.file('b.sqlite')])).err).toMatch(/--task: required: one of adding, copy, mnist, words, user \(or --preset ID: bnVsLn, .*, the app's studies\)/)
  })

  it('lists the runs of one study with runs list --study N, with their study and batching', async () => {
    const db = tmp.file('a.sqlite')
    const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
    const api = createApi((name, payload) => services.dispatch(name, payload))
    const one = await api.createStudy({ name: 'pad vs mask' })
    await writeRuns(api, [{ config: { batching: 'mask' } }, { config: { batching: 'pad' } }], one.id)
    await writeRuns(api, [{ config: { norm: 'ln' } }])
    await services.close()
    const listed = await cli(['runs', 'list', '--study', String(one.id), '--db', db])
    expect(listed.code).toBe(0)
    const rows = listed.out.split('\n').slice(2)
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => r.split(/\s{2,}/)[1])).toEqual(['1', '1'])
    expect(listed.out).toMatch(/ pad /)
    expect(listed.out).toMatch(/ mask /)
    expect((await cli(['runs', 'list', '--study', 'x', '--db', db])).code).toBe(2)
  })
})
