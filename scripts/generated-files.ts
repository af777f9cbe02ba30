/** Files written by `npm run generate` (relative to the repository root). */
export const GENERATED_CELL_ROWS = 'shared/engine/recurrence/js/cells.generated.ts'
