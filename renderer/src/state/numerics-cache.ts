// The numerics gate's results, remembered in this browser profile so a backend is checked once per
// fingerprint (backend, tfjs and backend versions, GPU and driver, app version, engine source,
// browser), not at every start (shared/engine/numerics.ts).
import { NumericsCheck } from '../../../shared/contract/schemas'
import { BACKENDS, type BackendName } from '../training/protocol'

const KEY = 'normlab.numerics'
/** Test hook (end-to-end tests): the named backend's gate computes with the bug it exists to catch. */
const FAULT_KEY = 'normlab.test.numericsFault'

/** A check holds while everything that can change the numbers is unchanged; older checks (no fingerprint) are checked again. */
const keyOf = (s: NumericsCheck) => s.fingerprint

export function rememberedChecks(): NumericsCheck[] {
  try {
    const parsed = NumericsCheck.array().safeParse(Object.values(JSON.parse(localStorage.getItem(KEY) ?? '{}') as object))
    return parsed.success ? parsed.data : []
  } catch {
    return []
  }
}

export function rememberCheck(summary: NumericsCheck): void {
  if (summary.fingerprint === null) return
  const all = Object.fromEntries(rememberedChecks().flatMap((s) => (keyOf(s) === null ? [] : [[keyOf(s), s]])))
  all[summary.fingerprint] = summary
  localStorage.setItem(KEY, JSON.stringify(all))
}

export function numericsFault(): BackendName | undefined {
  const value = localStorage.getItem(FAULT_KEY)
  return BACKENDS.find((b) => b === value)
}
