// `npm start`: builds and opens the app with Electron (electron-vite preview). Electron downloads
// its own binary when it is installed; where that could not happen (no network, a blocked
// download), say what is missing and how to get it, and offer the same lab in the browser,
// instead of a stack trace from a download that cannot work.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Where Electron's binary should be, without triggering its download (as requiring `electron` would). */
export function electronBinary(env = process.env) {
  let dir
  try {
    dir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'))
  } catch {
    return { path: null, reason: 'the electron package is not installed (run npm install)' }
  }
  const pathFile = join(dir, 'path.txt')
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const path = join(env.ELECTRON_OVERRIDE_DIST_PATH, name || 'electron')
    return existsSync(path)
      ? { path, reason: null }
      : { path: null, reason: `ELECTRON_OVERRIDE_DIST_PATH names ${path}, which does not exist` }
  }
  if (!name)
    return {
      path: null,
      reason: "Electron's binary was never downloaded (its install step could not reach the network)",
    }
  const path = join(dir, 'dist', name)
  return existsSync(path) ? { path, reason: null } : { path: null, reason: `Electron's binary is missing (${path})` }
}

export function missingElectronMessage(reason) {
  return [
    `NormLab cannot open its window: ${reason}.`,
    '',
    'To get Electron, on a machine that can reach the internet:',
    '  npm install            (Electron downloads its binary while installing)',
    '  or: rm -rf node_modules/electron && npm install electron',
    'If downloads are blocked, set ELECTRON_MIRROR to a mirror you can reach, or',
    'ELECTRON_OVERRIDE_DIST_PATH to a folder that holds an Electron binary.',
    '',
    'The same lab runs in your browser without Electron:',
    '  npm run serve          (then open the address it prints)',
  ].join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { path, reason } = electronBinary()
  if (!path) {
    console.error(missingElectronMessage(reason))
    process.exit(1)
  }
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview', ...process.argv.slice(2)],
    { stdio: 'inherit', cwd: root },
  )
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
}
