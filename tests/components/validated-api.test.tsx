// The page checks what it draws: responses that feed charts pass the contract's response schemas
// in the page too (the security review: "the page trusts responses unvalidated"). A bridge that
// answers like a broken or hostile server is refused with the request and the field named.
import { describe, expect, it } from 'vitest'
import type { NormLabBridge } from '../../shared/contract'
import { validatedBridge } from '../../renderer/src/api/validated'

/** A bridge whose queryMetrics answers with `series`, and whose other requests are not called. */
const answering = (series: unknown): NormLabBridge =>
  ({ queryMetrics: async () => ({ series }), onEvent: () => () => undefined }) as unknown as NormLabBridge

describe('responses that reach the charts', () => {
  it('pass through when they are what the contract says', async () => {
    const good = [{ runId: 1, name: 'loss', steps: [1, 2], values: [0.5, 0.25], wallMs: [10, 20] }]
    expect(await validatedBridge(answering(good)).queryMetrics({ runIds: [1] })).toEqual({ series: good })
  })
  it('are refused, naming the request and the field, when they are not (a string where a loss should be)', async () => {
    const bad = [
      { runId: 1, name: 'loss', steps: [1, 2], values: [0.5, '<img src=x onerror=alert(1)>'], wallMs: [10, 20] },
    ]
    await expect(validatedBridge(answering(bad)).queryMetrics({ runIds: [1] })).rejects.toThrow(
      /The answer to queryMetrics is not what the contract says \(series\.0\.values\.1: /,
    )
  })
  it('keeps the event subscription and every other request of the bridge', () => {
    const bridge = answering([])
    expect(validatedBridge(bridge).onEvent).toBe(bridge.onEvent)
  })
})
