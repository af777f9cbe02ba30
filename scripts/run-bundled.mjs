// Runs a TypeScript entry point under Node by bundling it with esbuild first (cached in
// out/node/, rebuilt only when a source is newer). tfjs-core's ESM build cannot be imported by
// Node directly (directory imports), so the CLI, web server and benchmarks run bundled.
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [entry, ...args] = process.argv.slice(2)
if (!entry) {
  console.error('usage: node scripts/run-bundled.mjs <entry.ts> [args…]')
  process.exit(2)
}

const outfile = join(root, 'out', 'node', relative(root, entry).replace(/[\\/]/g, '_').replace(/\.ts$/, '.mjs'))

function newest(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs)
}

const sources = Math.max(
  ...['shared', 'electron', 'scripts', 'package.json', 'package-lock.json'].map((p) => newest(join(root, p))),
)
if (!existsSync(outfile) || statSync(outfile).mtimeMs < sources) {
  // Built under a private name and renamed: processes started together (a sweep under GNU
  // parallel) never import a half-written bundle.
  const partial = `${outfile}.${process.pid}.partial`
  // Loaded only to build: a process that finds the bundle fresh (each of sweep --jobs' children) skips it.
  const { build } = await import('esbuild')
  await build({
    entryPoints: [join(root, entry)],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native and self-locating packages stay real imports; everything else (tfjs above all) is bundled.
    external: ['sqlite3', 'electron', 'playwright-core', 'esbuild', 'assemblyscript', 'binaryen'],
    mainFields: ['module', 'main'],
    // Beside the bundle, not inside it: an inline map tripled the file every process parses at
    // start (13.6 MB; 0.73 s to `lab help`, 0.40 s with the map linked).
    sourcemap: 'linked',
    logLevel: 'error',
    // CommonJS dependencies inside the ESM bundle expect require, __filename and __dirname.
    banner: {
      js: [
        "import { createRequire as __nlRequire } from 'node:module'",
        "import { fileURLToPath as __nlPath } from 'node:url'",
        "import { dirname as __nlDirname } from 'node:path'",
        'const require = __nlRequire(import.meta.url)',
        'const __filename = __nlPath(import.meta.url)',
        'const __dirname = __nlDirname(__filename)',
      ].join(';'),
    },
  })
  // The bundle names its map by the private name it was built under: give both their own.
  const code = readFileSync(partial, 'utf8')
  writeFileSync(
    partial,
    code.replace(`sourceMappingURL=${basename(partial)}.map`, `sourceMappingURL=${basename(outfile)}.map`),
  )
  renameSync(`${partial}.map`, `${outfile}.map`)
  renameSync(partial, outfile)
}

process.argv = [process.argv[0], outfile, ...args]
process.title = `normlab ${basename(entry)}`
await import(pathToFileURL(outfile).href)
