// What the packaged app is built with: Electron's fuses, and the start command's plain answer when
// Electron's binary is missing (it cannot be downloaded here, and users meet that too).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../helpers/temp'

/** The key: value lines of one top-level block of a flat YAML file. */
function yamlBlock(text: string, key: string): Record<string, string> {
  const lines = text.split('\n')
  const start = lines.indexOf(`${key}:`)
  const out: Record<string, string> = {}
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\w+): (.+)$/.exec(line)
    if (!m) break
    out[m[1]!] = m[2]!
  }
  return out
}

describe('packaging', () => {
  it('flips the Electron fuses of the security checklist', () => {
    const fuses = yamlBlock(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'), 'electronFuses')
    expect(fuses).toEqual({
      runAsNode: 'false',
      enableCookieEncryption: 'true',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    })
  })

  it('`npm start` without Electron’s binary explains what is missing and offers the browser, without a stack trace', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(ROOT, 'no-such-electron') },
      encoding: 'utf8',
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(
      /^NormLab cannot open its window: ELECTRON_OVERRIDE_DIST_PATH names .*no-such-electron/,
    )
    expect(result.stderr).toMatch(/npm run serve/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
