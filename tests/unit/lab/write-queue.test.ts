import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../shared/contract'
import { WriteQueue, type FailureDecision, type WriteFailure } from '../../../shared/lab/write-queue'

const busy = () => new ApiError('busy', 'The archive is locked by another program (SQLITE_BUSY)')
const noSleep = () => Promise.resolve()

describe('the write queue', () => {
  it('writes in order and retries a transient failure (a lock) until it goes away, losing nothing', async () => {
    const written: number[] = []
    let lockedFor = 3
    const queue = new WriteQueue({
      onBlocked: () => Promise.reject(new Error('never asked')),
      backoffMs: [1, 1, 1, 1],
      sleep: noSleep,
    })
    for (let i = 1; i <= 4; i++)
      void queue.push(`write ${i}`, async () => {
        if (i === 2 && lockedFor-- > 0) throw busy()
        written.push(i)
      })
    await queue.drain()
    expect(written).toEqual([1, 2, 3, 4])
    expect(queue.lost).toBe(0)
  })

  it('blocks on a failure that persists, asks, and on "retry" writes it after all', async () => {
    const asked: WriteFailure[] = []
    let diskFull = true
    const queue = new WriteQueue({
      onBlocked: async (failure) => {
        asked.push(failure)
        diskFull = false // the user freed some space
        return 'retry'
      },
      sleep: noSleep,
    })
    const written: string[] = []
    void queue.push('metrics of steps 1–5', async () => {
      if (diskFull) throw new ApiError('storage', 'The disk holding the archive is full')
      written.push('metrics')
    })
    void queue.push('statistics at step 5', async () => void written.push('stats'))
    await queue.drain()
    expect(asked).toHaveLength(1)
    expect(asked[0]).toMatchObject({ what: 'metrics of steps 1–5', waiting: 1 })
    expect(asked[0]!.error.message).toMatch(/disk .* is full/)
    expect(written).toEqual(['metrics', 'stats'])
    expect(queue.lost).toBe(0)
  })

  it('on "stop" gives up that write and every later one, and counts them as lost', async () => {
    const decisions: FailureDecision[] = ['stop']
    const queue = new WriteQueue({ onBlocked: async () => decisions.shift() ?? 'stop', backoffMs: [], sleep: noSleep })
    let tried = 0
    void queue.push('a', async () => {
      tried++
      throw new ApiError('archive_gone', 'The archive file was deleted')
    })
    void queue.push('b', async () => void tried++)
    await queue.drain()
    expect(tried).toBe(1)
    expect(queue.lost).toBe(2)
    expect(queue.lostReason?.message).toMatch(/deleted/)
  })

  it('says "unblocked" only when a write succeeds after failing, and keeps when the failure began across retries', async () => {
    let clock = 1000
    const events: string[] = []
    const failures: WriteFailure[] = []
    let fullFor = 3
    const queue = new WriteQueue({
      onBlocked: async (failure) => {
        failures.push(failure)
        events.push('blocked')
        clock += 10_000
        return 'retry'
      },
      onUnblocked: () => events.push('unblocked'),
      sleep: noSleep,
      now: () => clock,
    })
    void queue.push('statistics at step 50', async () => {
      if (fullFor-- > 0) throw new ApiError('storage', 'The disk holding the archive is full')
    })
    await queue.drain()
    // Three refusals, then the write goes through: one "unblocked", after the success.
    expect(events).toEqual(['blocked', 'blocked', 'blocked', 'unblocked'])
    expect(failures.map((f) => f.since)).toEqual([1000, 1000, 1000])
  })
})
