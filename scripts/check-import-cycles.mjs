// Fails when the project's own TypeScript files import each other in a cycle (type imports
// count: a cycle of types is still a tangle a reader must hold in their head), or when folders of
// shared/ or renderer/src/ do (a file of one importing the other's and back: two-way ties between folders, parent
// and child folders included). Run by `npm run lint`; `node scripts/check-import-cycles.mjs
// [root] [dirs…]` prints every cycle it finds.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g
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
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${base}.mts`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ])
    if (known.has(candidate)) return candidate
  return null
}

/** Each source file under `dirs` of `root` with the project files it imports. */
function importGraph(root, dirs) {
  const files = dirs.flatMap((d) => sources(join(root, d))).map((f) => resolve(f))
  const known = new Set(files)
  return {
    files,
    edges: new Map(
      files.map((f) => [
        f,
        [...readFileSync(f, 'utf8').matchAll(IMPORT)]
          .map((m) => resolveImport(f, m[1] ?? m[2] ?? m[3], known))
          .filter(Boolean),
      ]),
    ),
  }
}

/**
 * Cycles between folders under `dirs` (default shared/ and the renderer's src/): each as the folders, and one import per
 * tie that makes it. A folder is its own files (not its subfolders'), so a parent folder whose
 * file imports a child folder, which imports a file of the parent, is a cycle.
 */
export function findFolderCycles(root, dirs = ['shared', 'renderer/src']) {
  const { files, edges } = importGraph(root, dirs)
  const folderOf = (f) => relative(root, dirname(f))
  const folders = [...new Set(files.map(folderOf))]
  const ties = new Map(folders.map((d) => [d, new Map()]))
  for (const [f, targets] of edges)
    for (const t of targets)
      if (folderOf(t) !== folderOf(f) && !ties.get(folderOf(f)).has(folderOf(t)))
        ties.get(folderOf(f)).set(folderOf(t), `${relative(root, f)} → ${relative(root, t)}`)
  const components = stronglyConnected(folders, (d) => [...ties.get(d).keys()])
  return components.map((folderList) => ({
    folders: folderList,
    ties: folderList.flatMap((a) => folderList.filter((b) => ties.get(a).has(b)).map((b) => ties.get(a).get(b))),
  }))
}

/** Tarjan's strongly connected components of more than one node. */
function stronglyConnected(nodes, next) {
  let index = 0
  const stack = []
  const state = new Map()
  const out = []
  const visit = (v) => {
    state.set(v, { index, low: index, onStack: true })
    index++
    stack.push(v)
    for (const w of next(v)) {
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
      if (component.length > 1) out.push(component.sort())
    }
  }
  for (const v of nodes) if (!state.has(v)) visit(v)
  return out
}

/** Every cycle (as a list of files) among the sources under `dirs` of `root`. */
export function findImportCycles(root, dirs = ['shared', 'electron', 'renderer', 'scripts', 'tests']) {
  const { files, edges } = importGraph(root, dirs)
  const selfImports = files.filter((f) => edges.get(f).includes(f)).map((f) => [relative(root, f)])
  return [
    ...stronglyConnected(files, (f) => edges.get(f)).map((c) => c.map((f) => relative(root, f)).sort()),
    ...selfImports,
  ]
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'))
  const cycles = findImportCycles(root, process.argv.length > 3 ? process.argv.slice(3) : undefined)
  for (const c of cycles) console.error(`import cycle: ${c.join(' ↔ ')}`)
  const folders = findFolderCycles(root)
  for (const c of folders) console.error(`folder cycle: ${c.folders.join(' ↔ ')} (${c.ties.join('; ')})`)
  if (cycles.length > 0 || folders.length > 0) process.exit(1)
  console.log('no import cycles, no folder cycles in shared/ or renderer/src/')
}
