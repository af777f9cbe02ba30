// The numerics gate's results, remembered in this browser profile so a backend is checked once per
// fingerprint (backend, tfjs and backend versions, GPU and driver, app version, engine source,
// browser), not at every start (shared/engine/numerics.ts).
import { NumericsCheck } from '../../../shared/contract/schemas'
import { BACKENDS, type BackendName } from './protocol'
import { fingerprintStore } from './fingerprint-store'

/** Test hook (end-to-end tests): the named backend's gate computes with the bug it exists to catch. */
const FAULT_KEY = 'normlab.test.numericsFault'

/** A check holds while everything that can change the numbers is unchanged; older checks (no fingerprint) are checked again. */
const store = fingerprintStore('normlab.numerics', NumericsCheck)

export const rememberedChecks = store.all
export const rememberCheck = store.remember

export function numericsFault(): BackendName | undefined {
  const value = localStorage.getItem(FAULT_KEY)
  return BACKENDS.find((b) => b === value)
}
