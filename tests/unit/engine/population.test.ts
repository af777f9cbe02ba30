// Population statistics' update, in both forms a norm's statistics take: a centered variance
// (PyTorch's convention: unbiased by n/(n−1), only from two samples) and an uncentred mean square
// (no mean was estimated from the same samples: unbiased as it is, one sample enough).
import { describe, expect, it } from 'vitest'
import { useNodeBackend } from '../../../electron/cli/node-backend'
import { Population } from '../../../shared/engine/core/population'
import { tf } from '../../../shared/engine/core/tf'

async function updated(centered: boolean) {
  await useNodeBackend('cpu')
  const pop = new Population(0.1)
  // Three steps of one feature: 3, 1 and 0 valid samples; batch variance (or mean square) 2 at each.
  const moments = { mean: tf.tensor2d([[1], [1], [0]]), variance: tf.tensor2d([[2], [2], [0]]) }
  pop.update('x', moments, [3, 1, 0], centered)
  const term = pop.terms.get('x')!
  const out = {
    mean: Array.from(await term.mean.data()),
    variance: Array.from(await term.variance.data()),
    seen: term.seen,
  }
  tf.dispose([moments.mean, moments.variance])
  pop.dispose()
  return out
}

describe('population statistics', () => {
  it('centered: the variance unbiased by n/(n−1), moved only by steps with two samples or more', async () => {
    const p = await updated(true)
    expect(p.mean[0]).toBeCloseTo(0.1, 6)
    expect(p.mean[1]).toBeCloseTo(0.1, 6)
    expect(p.mean[2]).toBe(0)
    expect(p.variance[0]).toBeCloseTo(0.9 + 0.1 * 2 * (3 / 2), 6)
    expect(p.variance[1]).toBe(1) // one sample: no variance estimate
    expect(p.variance[2]).toBe(1)
    expect(p.seen).toEqual([1, 1, 0])
  })

  it('uncentred: the mean square as it is, moved by a single sample too', async () => {
    const p = await updated(false)
    expect(p.variance[0]).toBeCloseTo(0.9 + 0.1 * 2, 6)
    expect(p.variance[1]).toBeCloseTo(0.9 + 0.1 * 2, 6)
    expect(p.variance[2]).toBe(1)
  })
})
