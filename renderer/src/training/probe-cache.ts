// The backend probe's timings (shared/engine/backend-probe.ts), remembered in this browser
// profile by the backend's numerics fingerprint, as the gate's results are (numerics-cache.ts):
// each backend is timed once per machine, browser and version, not at every start.
import { z } from 'zod'
import type { BackendProbe } from '../../../shared/engine/backend-probe'
import { fingerprintStore } from './fingerprint-store'

const Probe = z.strictObject({
  backend: z.string().max(32),
  fingerprint: z.string().max(4000).nullable(),
  msPerStep: z.number().min(0).nullable(),
  failure: z.string().max(2000).nullable(),
  probedAt: z.number().int().min(0),
}) satisfies z.ZodType<BackendProbe>

const store = fingerprintStore('normlab.probe', Probe)

export const rememberedProbes = store.all

/** Keeps a probe that measured a time (a failure is not remembered: the gate's own result is, and a start that failed may succeed later). */
export function rememberProbe(probe: BackendProbe): void {
  if (probe.msPerStep !== null) store.remember(probe)
}
