// Where the archive lives. Electron's app and the CLI share this function, so `npm run lab`
// reads the same file the app writes. It mirrors Electron's userData folder for "NormLab".
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ARCHIVE_FILE = 'normlab.sqlite'

export function userDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'NormLab')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'NormLab')
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'NormLab')
}

export function defaultArchivePath(): string {
  return process.env.NORMLAB_DB ?? join(userDataDir(), ARCHIVE_FILE)
}

/**
 * The migrations folder that ships with the code. Both this source file (electron/store/) and the
 * bundled main process (out/main/) sit two folders below the project root, and electron-builder
 * packs migrations/ beside out/ in the app archive, so one relative path serves every mode.
 */
export function shippedMigrationsDir(moduleUrl: string = import.meta.url): string {
  return fileURLToPath(new URL('../../migrations/', moduleUrl))
}

/** SQLite's names for a database that lives in memory only: nothing in it outlives the process. */
export function isInMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '' || /^file:.*([?&]mode=memory|:memory:)/.test(path)
}
