// The numerics gate's results, remembered in this browser profile so a backend is checked once per
// GPU renderer and app version, not at every start (shared/engine/numerics.ts).
import { NumericsCheck } from '../../../shared/contract/schemas'
import { BACKENDS, type BackendName } from '../training/protocol'

const KEY = 'normlab.numerics'
/** Test hook (end-to-end tests): the named backend's gate computes with the bug it exists to catch. */
const FAULT_KEY = 'normlab.test.numericsFault'

/** A check holds until the GPU (its renderer string) or the app changes. */
const keyOf = (s: NumericsCheck) => `${s.backend}|${s.gpuRenderer ?? '-'}|${s.appVersion}`

export function rememberedChecks(): NumericsCheck[] {
  try {
    const parsed = NumericsCheck.array().safeParse(Object.values(JSON.parse(localStorage.getItem(KEY) ?? '{}') as object))
    return parsed.success ? parsed.data : []
  } catch {
    return []
  }
}

export function rememberCheck(summary: NumericsCheck): void {
  const all = Object.fromEntries(rememberedChecks().map((s) => [keyOf(s), s]))
  all[keyOf(summary)] = summary
  localStorage.setItem(KEY, JSON.stringify(all))
}

export function numericsFault(): BackendName | undefined {
  const value = localStorage.getItem(FAULT_KEY)
  return BACKENDS.find((b) => b === value)
}
