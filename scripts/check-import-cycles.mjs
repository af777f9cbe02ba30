// Fails when the project's own TypeScript files import each other in a cycle (type imports
// count: a cycle of types is still a tangle a reader must hold in their head). Run by `npm run
// lint`; `node scripts/check-import-cycles.mjs [root] [dirs…]` prints every cycle it finds.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g
const SKIP = new Set(['node_modules', 'out', 'dist', '.gpu', 'test-results'])

function sources(dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) sources(path, out)
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(normalize(path))
  }
  return out
}

function resolveImport(from, spec, known) {
  const base = resolve(dirname(from), spec)
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}.mts`, join(base, 'index.ts'), join(base, 'index.tsx')]) if (known.has(candidate)) return candidate
  return null
}

/** Every cycle (as a list of files) among the sources under `dirs` of `root`. */
export function findImportCycles(root, dirs = ['shared', 'electron', 'renderer', 'scripts', 'tests']) {
  const files = dirs.flatMap((d) => sources(join(root, d))).map((f) => resolve(f))
  const known = new Set(files)
  const edges = new Map(files.map((f) => [f, [...readFileSync(f, 'utf8').matchAll(IMPORT)].map((m) => resolveImport(f, m[1] ?? m[2] ?? m[3], known)).filter(Boolean)]))
  // Tarjan's strongly connected components: each component of more than one file is a cycle.
  let index = 0
  const stack = []
  const state = new Map()
  const cycles = []
  const visit = (v) => {
    state.set(v, { index, low: index, onStack: true })
    index++
    stack.push(v)
    for (const w of edges.get(v)) {
      if (!state.has(w)) {
        visit(w)
        state.get(v).low = Math.min(state.get(v).low, state.get(w).low)
      } else if (state.get(w).onStack) state.get(v).low = Math.min(state.get(v).low, state.get(w).index)
    }
    if (state.get(v).low === state.get(v).index) {
      const component = []
      let w
      do {
        w = stack.pop()
        state.get(w).onStack = false
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || edges.get(v).includes(v)) cycles.push(component.map((f) => relative(root, f)).sort())
    }
  }
  for (const f of files) if (!state.has(f)) visit(f)
  return cycles
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'))
  const cycles = findImportCycles(root, process.argv.length > 3 ? process.argv.slice(3) : undefined)
  for (const c of cycles) console.error(`import cycle: ${c.join(' ↔ ')}`)
  if (cycles.length > 0) process.exit(1)
  console.log('no import cycles')
}
