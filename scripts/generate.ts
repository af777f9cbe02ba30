// `npm run generate`: writes the source generated from the cell definitions (shared/kinds/cells)
// and the normalization's formulas (shared/kinds/norms/normalization.ts): the JavaScript of every
// cell's time step and of the normalization for the cpu backend, their AssemblyScript for the wasm
// backend, and the wasm kernels compiled from that. A unit test fails while a file on disk differs
// from what this writes.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateCellRows } from '../shared/engine/emit/js'
import { generateWasmCellRows } from '../shared/engine/emit/assemblyscript'
import { generateNormFunctionsJs, generateNormFunctionsWasm } from '../shared/engine/emit/normalization'
import {
  GENERATED_CELL_ROWS,
  GENERATED_NORM_FUNCTIONS,
  WASM_CELL_ROWS,
  WASM_KERNELS,
  WASM_NORM_FUNCTIONS,
} from './generated-files'
import { compileWasmKernels, wasmKernelsModule } from './wasm-kernels'

const root = process.cwd()
const write = (path: string, text: string) => {
  writeFileSync(join(root, path), text)
  console.log(`wrote ${path}`)
}
write(GENERATED_CELL_ROWS, generateCellRows())
write(GENERATED_NORM_FUNCTIONS, generateNormFunctionsJs())
write(WASM_CELL_ROWS, generateWasmCellRows())
write(WASM_NORM_FUNCTIONS, generateNormFunctionsWasm())
write(WASM_KERNELS, wasmKernelsModule(await compileWasmKernels(root)))
