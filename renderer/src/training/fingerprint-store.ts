// Results remembered in this browser profile by the fingerprint of what produced them (the
// numerics gate's checks, the backend probe's timings): one entry per fingerprint, read back
// through its schema, so a damaged or older entry is simply not remembered.
import type { z } from 'zod'

export function fingerprintStore<T extends { fingerprint: string | null }>(key: string, schema: z.ZodType<T>) {
  const all = (): T[] => {
    try {
      const parsed = schema.array().safeParse(Object.values(JSON.parse(localStorage.getItem(key) ?? '{}') as object))
      return parsed.success ? parsed.data : []
    } catch {
      return []
    }
  }
  return {
    all,
    /** Keeps `item` under its fingerprint (replacing the one before); an item without one is not kept. */
    remember(item: T): void {
      if (item.fingerprint === null) return
      const byFingerprint = Object.fromEntries(
        all().flatMap((x) => (x.fingerprint === null ? [] : [[x.fingerprint, x]])),
      )
      byFingerprint[item.fingerprint] = item
      localStorage.setItem(key, JSON.stringify(byFingerprint))
    },
  }
}
