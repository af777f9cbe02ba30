// `npm run generate`: writes the source generated from the cell definitions (shared/kinds/cells):
// the JavaScript of every cell's time step for the cpu backend, its AssemblyScript for the wasm
// backend, and the wasm kernels compiled from that. A unit test fails while a file on disk differs
// from what this writes.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateCellRows } from '../shared/engine/emit/js'
import { generateWasmCellRows } from '../shared/engine/emit/assemblyscript'
import { GENERATED_CELL_ROWS, WASM_CELL_ROWS, WASM_KERNELS } from './generated-files'
import { compileWasmKernels, wasmKernelsModule } from './wasm-kernels'

const root = process.cwd()
const write = (path: string, text: string) => {
  writeFileSync(join(root, path), text)
  console.log(`wrote ${path}`)
}
write(GENERATED_CELL_ROWS, generateCellRows())
write(WASM_CELL_ROWS, generateWasmCellRows())
write(WASM_KERNELS, wasmKernelsModule(await compileWasmKernels(root)))
