// The built page's main bundle carries no tensor code: the page never computes a tensor, only
// the training worker does (the lab's vocabulary and the cell and norm definitions live in shared/kinds/, free of tfjs).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/temp'

const ASSETS = join(ROOT, 'out', 'renderer', 'assets')
/** Strings only tfjs-core's own code contains (its flag parser, kernel registry and backend registry). */
const TFJS_CORE = ['tfjsflags', 'is already registered', 'Backend name']

const read = (file: string) => readFileSync(join(ASSETS, file), 'utf8')

describe('the renderer build', () => {
  it('keeps tfjs-core out of the main page bundle; the worker has it', () => {
    const html = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8')
    const main = /<script type="module"[^>]*src="\.\/assets\/([^"]+\.js)"/.exec(html)?.[1]
    expect(main, 'the page loads one module script').toBeDefined()
    const page = read(main!)
    for (const marker of TFJS_CORE) expect(page.includes(marker), `main bundle contains "${marker}"`).toBe(false)
    const worker = readdirSync(ASSETS).find((f) => /^worker-.*\.js$/.test(f))
    expect(worker, 'a worker bundle exists').toBeDefined()
    for (const marker of TFJS_CORE) expect(read(worker!).includes(marker), `worker bundle has "${marker}"`).toBe(true)
  })
})
