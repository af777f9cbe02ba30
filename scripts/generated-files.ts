/** Files written by `npm run generate` (relative to the repository root). */
export const GENERATED_CELL_ROWS = 'shared/engine/recurrence/js/cells.generated.ts'
/** The normalization's formulas as JavaScript functions (cpu backend). */
export const GENERATED_NORM_FUNCTIONS = 'shared/engine/recurrence/js/normalization.generated.ts'
/** The AssemblyScript skeleton of the wasm kernels, and the cells' rows generated into it. */
export const WASM_ASSEMBLY_DIR = 'shared/engine/recurrence/wasm/assembly'
export const WASM_CELL_ROWS = `${WASM_ASSEMBLY_DIR}/cells.generated.ts`
/** The normalization's formulas as AssemblyScript lane functions. */
export const WASM_NORM_FUNCTIONS = `${WASM_ASSEMBLY_DIR}/normalization.generated.ts`
/** The compiled wasm kernels as base64. */
export const WASM_KERNELS = 'shared/engine/recurrence/wasm/kernels.generated.ts'
