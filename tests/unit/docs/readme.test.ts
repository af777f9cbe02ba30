// The README says what the app and the CLI say: preset names as the New experiment page shows them,
// every `lab` command it lists is one the CLI knows, and what Node a desktop user needs is what
// Electron's own package asks for, while engines stay advisory (these machines run Node 20).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { usage } from '../../../electron/cli/run-cli'
import { en } from '../../../shared/i18n/en'

const ROOT = join(__dirname, '..', '..', '..')
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ')
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>

describe('README', () => {
  it('names every preset as the app does', () => {
    for (const preset of Object.values(en.presets)) expect(readme).toContain(`“${preset.title}”`)
  })

  it('lists only commands the CLI has', () => {
    const known = usage()
    const listed = [...readme.matchAll(/npm run lab -- ([a-z-]+(?: (?:list|show))?)/g)].map((m) => m[1]!)
    expect(listed.length).toBeGreaterThan(8)
    for (const command of new Set(listed)) expect(known, command).toContain(command)
  })

  it('states the Node a desktop install needs, and engines are never strict', () => {
    const electron = json('node_modules/electron/package.json') as { version: string; engines?: { node?: string } }
    const needs = /(\d+\.\d+)/.exec(electron.engines?.node ?? '')?.[1]
    if (needs) expect(readme).toContain(`Node ≥ ${needs}`)
    expect(readme).toContain(`Electron ${electron.version.split('.')[0]}`)
    const engines = (json('package.json').engines ?? {}) as { node?: string }
    expect(engines.node).toMatch(/^>=\s*20\./)
    let npmrc = ''
    try {
      npmrc = readFileSync(join(ROOT, '.npmrc'), 'utf8')
    } catch {
      // No .npmrc: npm's default, engines advisory.
    }
    expect(npmrc).not.toMatch(/engine-strict\s*=\s*true/)
  })
})
