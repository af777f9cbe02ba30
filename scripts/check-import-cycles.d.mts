/** Every cycle (as a list of files) among the sources under `dirs` of `root`. */
export function findImportCycles(root: string, dirs?: string[]): string[][]
/** Cycles between folders under `dirs` (default shared/), with one import per tie. */
export function findFolderCycles(root: string, dirs?: string[]): { folders: string[]; ties: string[] }[]
