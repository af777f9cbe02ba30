// What a CLI command is. Commands live in small files and are listed in run-cli.ts.
import type { ParseArgsConfig } from 'node:util'
import { ApiError, type NormLabApi } from '../../shared/contract'
import { createApi } from '../../shared/contract'
import type { Services } from '../store'

export interface CliIo {
  out(line: string): void
  err(line: string): void
  /** Progress output (stderr); may redraw one line when it is a terminal. */
  progress?(line: string, done: boolean): void
}

export interface CommandContext {
  /** The archive, open before `run` for commands that read one (it must exist). */
  services: Services
  /**
   * Commands that write open the archive themselves, after validating everything: a refused
   * command never creates a file. Creates the archive (or takes over an empty file) and says so.
   */
  openForWriting(): Promise<Services>
  /** The command wrote nothing after all (every import refused): an archive openForWriting created is removed again. */
  discardIfCreated(): void
  positionals: string[]
  values: Record<string, unknown>
  io: CliIo
  /** Becomes true on Ctrl-C: long commands stop at the next step and keep what they wrote. */
  interrupted: () => boolean
}

export interface Command {
  usage: string
  summary: string
  options: NonNullable<ParseArgsConfig['options']>
  /** 'read' (default): opened before run, never created; 'write': the command calls openForWriting; false: no archive. */
  archive?: 'read' | 'write' | false
  run(ctx: CommandContext): Promise<void>
}

export const DB_OPTION = { db: { type: 'string' } } as const

export class UsageError extends Error {}

/** `--runs 1,2,3`: run ids, or a usage error naming the flag. */
export function runIdsFlag(text: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()))
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new UsageError(`--runs must be run ids separated by commas, got "${text}"`)
  // A run named twice is one run (findings counted "3 runs" for 1,1,1).
  return [...new Set(values)]
}

/** `--study N`: a study id, or a usage error. */
export function studyIdFlag(text: string): number {
  const id = Number(text)
  if (!Number.isInteger(id) || id <= 0)
    throw new UsageError(`--study must be a study id (a positive whole number), got "${text}"`)
  return id
}
/** Thrown by a command to end with a non-zero exit code after it has printed its own report. */
export class CheckFailed extends Error {}

/** Thrown by a command that has said everything, to end with this exit code (a run failed: 1, diverged: 3). */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/** The typed contract API over a host's dispatch: the CLI goes through the same validation as the app. */
export function apiOf(services: Services): NormLabApi {
  return createApi((name, payload) => services.dispatch(name, payload))
}

export { ApiError }
