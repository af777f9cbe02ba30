// Errors that cross the boundary. Electron's IPC keeps only an Error's message, so errors travel
// as data inside a result envelope and become an ApiError again on the calling side.
import type { z } from 'zod'

export const ERROR_CODES = [
  'invalid_request',
  'unknown_request',
  'not_found',
  'conflict',
  'unauthorized',
  /** Another program holds a lock on the archive: worth trying again. */
  'busy',
  /** The disk is full or the file cannot be written. */
  'storage',
  /** The archive file was deleted, moved or replaced while it was open. */
  'archive_gone',
  /** The archive is open read-only (it is damaged): nothing can be written. */
  'read_only',
  /** A file offered to import is refused (not an archive, damaged, newer, or holding what NormLab never writes). */
  'refused_file',
  'internal',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorIssue {
  path: string
  message: string
}

export interface ErrorBody {
  code: ErrorCode
  message: string
  issues?: ErrorIssue[]
}

export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorBody }

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly issues: ErrorIssue[]

  constructor(code: ErrorCode, message: string, issues: ErrorIssue[] = []) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.issues = issues
  }

  toBody(): ErrorBody {
    return this.issues.length > 0
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message }
  }

  static fromBody(body: ErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.issues ?? [])
  }
}

export function notFound(what: string): ApiError {
  return new ApiError('not_found', `${what} does not exist`)
}

/** Turns zod's issues into one readable sentence per field ("points.3.step: must be ≥ 0"). */
export function invalidRequest(name: string, error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(request)',
    message: issue.message,
  }))
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ')
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
  return new ApiError('invalid_request', `Invalid ${name} request: ${summary}${more}`, issues)
}

/** Errors that may go away by themselves (a lock held by another program, a dropped connection). */
export function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.code === 'busy'
  // fetch's network failures (web mode: the server restarting) are TypeErrors.
  return error instanceof TypeError
}
