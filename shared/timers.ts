// Timers exist in every host shared/ runs in (browsers, workers, Node) but in no TypeScript lib it
// compiles against (it may not see DOM or Node types), so they are reached through globalThis.
interface TimerGlobals {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
  setInterval(callback: () => void, ms: number): unknown
  clearInterval(id: unknown): void
}

const timers = globalThis as unknown as TimerGlobals

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms))
}

/** Calls `callback` every `ms` until the returned function is called; never keeps Node alive by itself. */
export function every(ms: number, callback: () => void): () => void {
  const id = timers.setInterval(callback, ms)
  ;(id as { unref?: () => void } | null)?.unref?.()
  return () => timers.clearInterval(id)
}

/** The promise's value, or `late()`'s once `ms` have passed without one (a backend that never starts). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  let id: unknown
  const timeout = new Promise<T>((resolve) => (id = timers.setTimeout(() => resolve(late()), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    timers.clearTimeout(id)
  }
}
