// Files the user names as outputs (a report, a PDF, an export) are made safe in one place: the open
// archive is never an output, whatever path leads to it (a symlink, "./", its -wal and -shm files);
// a file that exists is replaced only with --force; a folder that does not exist is named in the
// error (never a bare ENOENT), so a typo makes nothing. A report once written over its own archive
// ("Wrote A.sqlite", exit 0) and destroyed it.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { UsageError } from './command'

/** The real path of a file that may not exist yet: its folder's real path, then its name. */
function realTarget(path: string): string {
  const absolute = resolve(path)
  if (existsSync(absolute)) return realpathSync(absolute)
  const folder = dirname(absolute)
  return existsSync(folder) ? join(realpathSync(folder), basename(absolute)) : absolute
}

/** `path` as a place to write the output `flag` names; a usage error saying why it is not. Nothing is written here. */
export function outputFile(
  path: string,
  options: { flag: string; force: boolean; archivePath: string | null },
): string {
  const absolute = resolve(path)
  const target = realTarget(absolute)
  if (options.archivePath !== null) {
    const archive = realTarget(options.archivePath)
    if ([archive, `${archive}-wal`, `${archive}-shm`, `${archive}-journal`].includes(target))
      throw new UsageError(
        `${options.flag} ${path} is the archive this command reads${target === archive ? '' : ` (its ${target.slice(archive.length + 1)} file)`}: it is never written over, --force or not (nothing was written)`,
      )
  }
  const folder = dirname(absolute)
  if (!existsSync(folder))
    throw new UsageError(
      `${options.flag} ${path}: the folder ${folder} does not exist (make it first; nothing was written)`,
    )
  if (!statSync(folder).isDirectory())
    throw new UsageError(`${options.flag} ${path}: ${folder} is not a folder (nothing was written)`)
  if (existsSync(absolute)) {
    if (statSync(absolute).isDirectory())
      throw new UsageError(`${options.flag} ${path} is a folder: give a file name (nothing was written)`)
    if (!options.force)
      throw new UsageError(
        `${options.flag} ${path} exists already: choose another name, or add --force to replace it (nothing was written)`,
      )
  }
  return absolute
}
