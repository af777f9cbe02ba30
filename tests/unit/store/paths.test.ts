import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { shippedMigrationsDir, userDataDir } from '../../../electron/store'

describe('archive location', () => {
  it("follows Electron's userData folder for NormLab on each platform", () => {
    expect(userDataDir('linux', {}, '/home/ada')).toBe('/home/ada/.config/NormLab')
    expect(userDataDir('linux', { XDG_CONFIG_HOME: '/cfg' }, '/home/ada')).toBe('/cfg/NormLab')
    expect(userDataDir('darwin', {}, '/Users/ada')).toBe('/Users/ada/Library/Application Support/NormLab')
    expect(userDataDir('win32', { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'C:\\Users\\ada')).toBe(
      join('C:\\Users\\ada\\AppData\\Roaming', 'NormLab'),
    )
  })

  it('finds the shipped migrations from the source tree', () => {
    expect(existsSync(join(shippedMigrationsDir(), '0001_init.sql'))).toBe(true)
  })
})
