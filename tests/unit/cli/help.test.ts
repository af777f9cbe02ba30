// The CLI for a newcomer: `help` fits a terminal (one line per command, `help <command>` for its
// options), a mistyped flag gets a suggestion, a missing --task is "required", `runs list --study`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_DRAFT } from '../../../shared/lab/study-plan'
import { NORMS, OPTIMIZERS } from '../../../shared/kinds'
import { TrainConfig } from '../../../shared/contract/train-config'
import { allowedValues, appDefault } from '../../../electron/cli/flag-help'
import { FIELD_OF_FLAG } from '../../../electron/cli/study-flags'
import { openServices } from '../../../electron/store'
import { displayWidth } from '../../../electron/cli/text-width'
import { createApi } from '../../../shared/contract'
import { cli } from '../../helpers/cli'
import { writeRuns } from '../../helpers/synthetic-runs'
import { MIGRATIONS, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => (tmp = tempDir()))
afterEach(() => tmp.cleanup())

const COMMANDS = [
  'train',
  'sweep',
  'findings',
  'report',
  'export',
  'import',
  'export-data',
  'golden',
  'runs list',
  'runs show',
]

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
    const flat = sweep.replace(/\n {24}/g, ' ')
    expect(flat).toMatch(
      new RegExp(
        `^ {2}--norm N +the normalizer \\(sweep: a comma list\\); one of ${NORMS.join(', ')}; default bn_step$`,
        'm',
      ),
    )
    expect(flat).toMatch(/^ {2}--preset ID +one of the app's presets, its settings and grid: bnVsLn, batchSize,/m)
    expect(flat).toMatch(
      /^ {2}--batching M +variable lengths in a batch \(sweep: a comma list\); one of mask, pad, truncate, bucket; default mask$/m,
    )
    // Types, bounds and defaults come from where they are decided: the schema the validation uses
    // and the app's defaults (the New experiment form's), not from words typed beside them.
    expect(flat).toMatch(
      new RegExp(`^ {2}--hidden H +hidden units; a whole number from 1 to 1024; default ${DEFAULT_DRAFT.hidden}$`, 'm'),
    )
    expect(flat).toMatch(
      new RegExp(
        `^ {2}--steps S +training steps; a whole number from 1 to 1000000; default ${DEFAULT_DRAFT.steps}$`,
        'm',
      ),
    )
    expect(flat).toMatch(/^ {2}--lr R +learning rate; a number above 0, at most 10; default 0.005$/m)
    expect(flat).toMatch(/^ {2}--lengths L +.*; default 10-40$/m)
    expect(flat).toMatch(
      /^ {2}--batch B +batch size \(sweep: a comma list\); a whole number from 1 to 4096; default 32$/m,
    )
    for (const field of [
      'hidden',
      'batchSize',
      'lr',
      'steps',
      'clipNorm',
      'recordEvery',
      'evalEvery',
      'groups',
      'seed',
    ])
      expect(allowedValues(field), field).toMatch(/^a (whole )?number/)
    expect(allowedValues('optimizer')).toBe(`one of ${OPTIMIZERS.join(', ')}`)
    // And they are what happens: a run left to the defaults trains with exactly these.
    for (const flag of ['hidden', 'steps', 'lr', 'clip-norm', 'record-every', 'eval-every', 'groups', 'optimizer'])
      expect(appDefault(flag), flag).toBe(String(DEFAULT_DRAFT[FIELD_OF_FLAG[flag] as keyof typeof DEFAULT_DRAFT]))
    expect(appDefault('norm')).toBe(TrainConfig.parse({ task: 'adding' }).norm)
    expect(appDefault('batch')).toBe(String(TrainConfig.parse({ task: 'adding' }).batchSize))
    // Every flag of every command has its line of meaning (none left as a bare VALUE).
    for (const name of [...COMMANDS, 'resume', 'plan status', 'plan resubmit']) {
      const out = (await cli(['help', ...name.split(' ')])).out
      const options = out.slice(out.indexOf('Options:'))
      for (const line of options.split('\n').slice(1))
        expect(line, `${name}: ${line}`).not.toMatch(/VALUE|^ {2}--\S+( \S+)?$/)
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
    expect((await cli(['sweep', '--norm', 'ln', '--db', tmp.file('b.sqlite')])).err).toMatch(
      /--task: required: one of adding, copy, mnist, words, user \(or --preset ID: bnVsLn, .*, the app's studies\)/,
    )
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
