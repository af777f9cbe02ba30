// The renderer's one way to load data from the archive: loading and error states, a stale-response
// guard (only the newest request's answer is shown, whatever order answers arrive in), and
// refreshing when the archive says the runs it shows have changed.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { EventOf } from '../../../shared/contract'
import { api } from '../api'

export type QueryState<T> =
  | { status: 'loading'; data: T | undefined; error: null }
  | { status: 'ready'; data: T; error: null }
  | { status: 'error'; data: T | undefined; error: string }

export interface QueryOptions {
  /** Reload when a runsChanged event matches (the archive changed under the view). */
  refreshOn?: (event: EventOf<'runsChanged'>) => boolean
  /** Skip loading (the inputs are not ready). */
  enabled?: boolean
}

/**
 * Loads `load()` whenever `key` changes (a string of everything the load depends on). Keeps the
 * previous data while a reload is under way, so views do not flash empty. An answer is shown only
 * if it belongs to the newest request: a slow answer to an older one is dropped.
 */
export function useQuery<T>(
  key: string,
  load: () => Promise<T>,
  options: QueryOptions = {},
): QueryState<T> & { reload(): void } {
  const enabled = options.enabled ?? true
  const [version, setVersion] = useState(0)
  const [answer, setAnswer] = useState<{ request: string; data?: T; error?: string } | null>(null)
  const [kept, setKept] = useState<T | undefined>(undefined)
  const loader = useRef(load)
  const refreshOn = useRef(options.refreshOn)
  useEffect(() => {
    loader.current = load
    refreshOn.current = options.refreshOn
  })
  const request = `${version}|${key}`

  useEffect(() => {
    if (!enabled) return
    let stale = false
    // A loader that throws before returning its promise is an error state too, not a crashed page.
    new Promise<T>((resolve) => resolve(loader.current())).then(
      (data) => {
        if (stale) return
        setAnswer({ request, data })
        setKept(data)
      },
      (error: unknown) => {
        if (!stale) setAnswer({ request, error: (error as Error).message || String(error) })
      },
    )
    return () => {
      stale = true
    }
  }, [request, enabled])

  useEffect(() => {
    if (!enabled) return
    return api.onEvent('runsChanged', (event) => {
      if (refreshOn.current?.(event)) setVersion((v) => v + 1)
    })
  }, [enabled])

  const reload = useCallback(() => setVersion((v) => v + 1), [])
  if (answer?.request !== request) return { status: 'loading', data: kept, error: null, reload }
  if (answer.error !== undefined) return { status: 'error', data: kept, error: answer.error, reload }
  return { status: 'ready', data: answer.data as T, error: null, reload }
}

/** Runs a write and reports its failure instead of dropping it (star, delete, rename…). */
export function useAction(): {
  error: string | null
  run(action: () => Promise<unknown>): Promise<void>
  clear(): void
} {
  const [error, setError] = useState<string | null>(null)
  return {
    error,
    clear: () => setError(null),
    run: async (action) => {
      setError(null)
      try {
        await action()
      } catch (e) {
        setError((e as Error).message || String(e))
      }
    },
  }
}
