// `npm run generate`: writes the source generated from the cell definitions (shared/kinds/cells):
// the JavaScript of every cell's time step for the cpu and wasm backends. A unit test fails while
// the file on disk differs from what this writes.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateCellRows } from '../shared/engine/emit/js'
import { GENERATED_CELL_ROWS } from './generated-files'

const path = join(process.cwd(), GENERATED_CELL_ROWS)
writeFileSync(path, generateCellRows())
console.log(`wrote ${GENERATED_CELL_ROWS}`)
