// Which backend the lab trains on when the user leaves it to the lab: the fastest of those that
// pass the numerics gate, measured here — a few training steps of one model on each — not
// assumed (on a machine whose only GPU is a software one, WebAssembly beats it). A probe is
// remembered by the backend's fingerprint, like its numerics check: once per machine and version.
// The timing itself is benchmark.ts's probeActiveBackend; this file stays free of the engine.
import type { BenchCase } from './bench-cases'

/** The probed model: a BN-LSTM of the size the lab's presets train, where backends differ most. */
export const PROBE_CASE: BenchCase = { cell: 'lstm', hidden: 64, T: 30, batch: 32, norm: 'bn_step' }
/** Timed steps (after two that compile and allocate); the median is kept. */
export const PROBE_STEPS = 3

export interface BackendProbe {
  backend: string
  /** The backend's numerics fingerprint when it was probed: the probe holds while it is unchanged. */
  fingerprint: string | null
  /** Median ms per training step of PROBE_CASE; null when the backend could not be probed. */
  msPerStep: number | null
  /** Why the backend cannot be used (it did not start, or failed the numerics gate); null when it can. */
  failure: string | null
  /** Epoch ms. */
  probedAt: number
}

/**
 * The fastest usable backend: the least ms per step among those that passed, the first listed on
 * a tie; null when none can be used.
 */
export function fastestBackend(probes: readonly BackendProbe[]): string | null {
  let best: BackendProbe | null = null
  for (const p of probes) {
    if (p.failure !== null || p.msPerStep === null || !Number.isFinite(p.msPerStep)) continue
    if (best === null || p.msPerStep < best.msPerStep!) best = p
  }
  return best?.backend ?? null
}
