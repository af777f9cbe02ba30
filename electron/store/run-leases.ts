// Which "running" runs are really training, decided from their leases (migration 0002). A run is
// left behind when no process holds it, when the process that wrote its lease is gone (same
// host: its pid no longer exists), or when no heartbeat came for LEASE_EXPIRES_MS. Such a run
// ends "interrupted" with the reason; runs of live processes (the app, `npm run serve`, the CLI
// sharing one archive) are left alone.
import { leftBehind, liveJudge, type Judge } from './lease-judge'
import type { Archive } from './archive'

export { LEASE_EXPIRES_MS, leftBehind, processAlive, type Judge } from './lease-judge'

/** Ends every left-behind run as interrupted; returns their ids. */
export async function interruptLeftBehindRuns(archive: Archive, judge: Judge = liveJudge()): Promise<number[]> {
  if (archive.report.readOnly) return []
  const ended: number[] = []
  for (const run of await archive.runs.running()) {
    const reason = leftBehind(run, judge)
    if (reason) ended.push(...(await archive.runs.markInterrupted([run.id], `interrupted: ${reason}`)))
  }
  return ended
}
