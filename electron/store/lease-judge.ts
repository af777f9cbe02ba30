// Whether a running run's trainer is still there, from its lease alone (no archive): the one
// judgement the archive's write checks (archive/runs.ts) and the sweep of left-behind runs
// (run-leases.ts) share.
import { hostname } from 'node:os'
import type { Run } from '../../shared/contract'
import { HEARTBEAT_EVERY_MS } from '../../shared/lab/run-lifecycle'

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
  if (lease.host === judge.host && !judge.alive(lease.pid))
    return `its process (pid ${lease.pid}) ended without finishing it`
  const quiet = judge.now - lease.heartbeatAt
  if (quiet > LEASE_EXPIRES_MS)
    return `no heartbeat from its trainer (pid ${lease.pid} on ${lease.host}) for ${Math.round(quiet / 1000)} s`
  return null
}

/** Judged now, on this host, against the processes alive here. */
export const liveJudge = (): Judge => ({ now: Date.now(), host: hostname(), alive: processAlive })
