// Which "running" runs are really training, decided from their leases (migration 0002). A run is
// left behind when no process holds it, when the process that wrote its lease is gone (same
// host: its pid no longer exists), or when no heartbeat came for LEASE_EXPIRES_MS. Such a run
// ends "interrupted" with the reason; runs of live processes (the app, `npm run serve`, the CLI
// sharing one archive) are left alone.
import { hostname } from 'node:os'
import type { Run } from '../../shared/contract'
import { HEARTBEAT_EVERY_MS } from '../../shared/lab/run-lifecycle'
import type { Archive } from './archive'

/** Six missed heartbeats: a trainer this quiet is gone. */
export const LEASE_EXPIRES_MS = 6 * HEARTBEAT_EVERY_MS

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface Judge {
  now: number
  host: string
  alive(pid: number): boolean
}

/** Why a running run is not training any more, or null while its trainer lives. */
export function leftBehind(run: Pick<Run, 'lease'>, judge: Judge): string | null {
  const lease = run.lease
  if (!lease) return 'no process was training it (it was left running by a crash or an older NormLab)'
  if (lease.host === judge.host && !judge.alive(lease.pid)) return `its process (pid ${lease.pid}) ended without finishing it`
  const quiet = judge.now - lease.heartbeatAt
  if (quiet > LEASE_EXPIRES_MS) return `no heartbeat from its trainer (pid ${lease.pid} on ${lease.host}) for ${Math.round(quiet / 1000)} s`
  return null
}

/** Ends every left-behind run as interrupted; returns their ids. */
export async function interruptLeftBehindRuns(archive: Archive, judge: Judge = { now: Date.now(), host: hostname(), alive: processAlive }): Promise<number[]> {
  if (archive.report.readOnly) return []
  const ended: number[] = []
  for (const run of await archive.runs.running()) {
    const reason = leftBehind(run, judge)
    if (reason) ended.push(...(await archive.runs.markInterrupted([run.id], `interrupted: ${reason}`)))
  }
  return ended
}
