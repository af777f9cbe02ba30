// A test that writes a run's data does it as a trainer would: under the run's lease (the archive
// refuses data from anyone else, and for any run that is not running).
import type { NormLabApi } from '../../shared/contract'

export const TEST_OWNER = 'test-trainer-0001'

/** Starts a queued run under TEST_OWNER's lease, as a trainer does before it writes. */
export async function leaseRun(api: NormLabApi, runId: number, owner = TEST_OWNER): Promise<void> {
  await api.updateRun({ id: runId, status: 'running', lease: { owner } })
}
