// The write path of a training run: every report becomes a write, and writes reach the archive
// one after another in the order they were reported. A write that fails is never dropped: a
// transient failure (the archive is locked by another program) is retried with backoff; one that
// still fails blocks the queue and asks the host what to do: retry (the user freed the disk, the
// lock went away) or stop. Whatever could not be written is counted, so the run ends "failed"
// with the reason instead of "completed" with holes.
import { isTransient } from '../contract/errors'
import { sleep as defaultSleep } from '../timers'

export interface WriteFailure {
  /** What was being written ("loss at step 12", "statistics at step 40"). */
  what: string
  error: Error
  /** Writes waiting behind this one. */
  waiting: number
  /** When this write first failed (the queue's clock, ms): how long the archive has refused it. */
  since: number
}

export type FailureDecision = 'retry' | 'stop'

export interface WriteQueueOptions {
  /** Asked once automatic retries are exhausted; the queue waits for the answer. */
  onBlocked(failure: WriteFailure): Promise<FailureDecision>
  /** Called when a blocked queue moves again: a write succeeded after failing (not when a retry is merely decided). */
  onUnblocked?(): void
  /** Backoff before each automatic retry of a transient failure (ms); its length is the number of retries. */
  backoffMs?: readonly number[]
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/** About half a minute of automatic retries: rides out a backup tool or a second app briefly holding a lock. */
export const DEFAULT_BACKOFF_MS = [100, 250, 500, 1000, 2000, 4000, 8000, 8000, 8000]

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve()
  private pending = 0
  private stopped: Error | null = null
  /** Writes that never reached the archive, and the first reason. */
  lost = 0
  lostReason: Error | null = null

  constructor(private readonly options: WriteQueueOptions) {}

  /** Queues a write; resolves when it is written or given up (see `lost`), never rejects. */
  push(what: string, write: () => Promise<void>): Promise<void> {
    this.pending++
    this.tail = this.tail.then(() => this.attempt(what, write)).finally(() => this.pending--)
    return this.tail
  }

  /** Resolves when every queued write is written or given up. */
  drain(): Promise<void> {
    return this.tail
  }

  get waiting(): number {
    return this.pending
  }

  private async attempt(what: string, write: () => Promise<void>): Promise<void> {
    const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF_MS
    const sleep = this.options.sleep ?? defaultSleep
    const now = this.options.now ?? Date.now
    let retries = 0
    let since: number | null = null
    let blocked = false
    for (;;) {
      if (this.stopped) return this.giveUp(this.stopped)
      try {
        await write()
        if (blocked) this.options.onUnblocked?.()
        return
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e))
        since ??= now()
        if (isTransient(error) && retries < backoff.length) {
          await sleep(backoff[retries++]!)
          continue
        }
        blocked = true
        const decision = await this.options.onBlocked({ what, error, waiting: this.pending - 1, since })
        if (decision === 'stop') {
          this.stopped = error
          return this.giveUp(error)
        }
        retries = 0
      }
    }
  }

  private giveUp(error: Error): void {
    this.lost++
    this.lostReason ??= error
  }
}
