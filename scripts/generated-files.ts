/** Files written by `npm run generate` (relative to the repository root). */
export const GENERATED_CELL_ROWS = 'shared/engine/recurrence/js/cells.generated.ts'
/** The AssemblyScript skeleton of the wasm kernels, and the cells' rows generated into it. */
export const WASM_ASSEMBLY_DIR = 'shared/engine/recurrence/wasm/assembly'
export const WASM_CELL_ROWS = `${WASM_ASSEMBLY_DIR}/cells.generated.ts`
/** The compiled wasm kernels as base64. */
export const WASM_KERNELS = 'shared/engine/recurrence/wasm/kernels.generated.ts'
