// Builds what an exported report embeds (part of `npm run build`): the report page's script (the
// app's chart code, React, chart.js; one IIFE file), its CSS (the app's styles plus the report's),
// and build-info.json (version, commit, tfjs version) for the report's provenance.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'out', 'report')
mkdirSync(out, { recursive: true })

await build({
  entryPoints: [join(root, 'renderer/src/report/entry.tsx')],
  outfile: join(out, 'report.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'error',
})
writeFileSync(
  join(out, 'report.css'),
  readFileSync(join(root, 'renderer/src/styles.css'), 'utf8') +
    '\n' +
    readFileSync(join(root, 'renderer/src/report/report.css'), 'utf8'),
)

let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim()
} catch {
  // Not a git checkout (a packaged source tree): the version alone identifies it.
}
const require = createRequire(join(root, 'package.json'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const tfjs = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-core/package.json'), 'utf8')).version
writeFileSync(
  join(root, 'out', 'build-info.json'),
  JSON.stringify({ appVersion: pkg.version, commit, tfjsVersion: tfjs, builtAt: new Date().toISOString() }, null, 2),
)
