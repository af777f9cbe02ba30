// The normalization written once (shared/kinds/norms/normalization.ts): its formulas say what
// every backend's normalization computes, so they are checked against what they claim to be —
// the statistics a masked mean and variance, the backward the forward's gradient (finite
// differences, centered or not, padding of weight 0 included), the population PyTorch's update.
import { describe, expect, it } from 'vitest'
import { evaluateOverValues, normFormulas, termOf } from '../../../shared/kinds/norms/normalization'
import { emit, evaluate, refsOf } from '../../../shared/kinds/formulas'

function draw(seed: number, K: number, padded: number) {
  let s = seed
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
  const x = Array.from({ length: K }, () => 2 * rand() + 0.5)
  return {
    x,
    m: x.map((_, i): number => (i < K - padded ? 1 : 0)),
    gamma: x.map(() => 1 + 0.5 * rand()),
    beta: x.map(() => 0.3 * rand()),
    dy: x.map((_, i) => (i < K - padded ? rand() : 0)),
    eps: 1e-5,
  }
}

const loss = (center: boolean, v: ReturnType<typeof draw>) => {
  const y = evaluateOverValues(center, v).y as number[]
  return y.reduce((a, yi, i) => a + yi * v.dy[i]!, 0)
}

describe('the normalization formulas', () => {
  for (const center of [true, false])
    it(`${center ? 'centered' : 'uncentered (RMSNorm)'}: the statistics are the masked mean and ${center ? 'variance' : 'mean square'}, y = γ·x̂ + β`, () => {
      const v = draw(7, 6, 2)
      const r = evaluateOverValues(center, v)
      const valid = v.x.slice(0, 4)
      const mean = center ? valid.reduce((a, b) => a + b, 0) / 4 : 0
      const variance = valid.reduce((a, b) => a + (b - mean) ** 2, 0) / 4
      expect(r.mean).toBeCloseTo(mean, 12)
      expect(r.variance).toBeCloseTo(variance, 12)
      const y = r.y as number[]
      v.x.forEach((x, i) =>
        expect(y[i]).toBeCloseTo((v.gamma[i]! * (x - mean)) / Math.sqrt(variance + v.eps) + v.beta[i]!, 12),
      )
    })

  for (const [center, K, padded] of [
    [true, 5, 0],
    [true, 6, 3],
    [true, 2, 0],
    [false, 5, 0],
    [false, 7, 2],
  ] as const)
    it(`the backward is the forward's gradient (${center ? 'centered' : 'uncentered'}, ${K} values, ${padded} padded)`, () => {
      const v = draw(11 + K + padded, K, padded)
      const r = evaluateOverValues(center, v)
      const du = r.du as number[]
      const h = 1e-6
      for (let i = 0; i < K; i++) {
        const up = { ...v, x: v.x.map((x, j) => (j === i ? x + h : x)) }
        const down = { ...v, x: v.x.map((x, j) => (j === i ? x - h : x)) }
        const numeric = (loss(center, up) - loss(center, down)) / (2 * h)
        expect(du[i]).toBeCloseTo(numeric, 6)
      }
      // dγ: Σ dy·x̂ per feature; here every value has its own γ.
      const dgamma = r.dgamma as number[]
      for (let i = 0; i < K; i++) {
        const up = { ...v, gamma: v.gamma.map((g, j) => (j === i ? g + h : g)) }
        const down = { ...v, gamma: v.gamma.map((g, j) => (j === i ? g - h : g)) }
        expect(dgamma[i]).toBeCloseTo((loss(center, up) - loss(center, down)) / (2 * h), 6)
      }
    })

  it('a wrong backward fails the same check (the test can fail)', () => {
    const v = draw(3, 5, 0)
    const r = evaluateOverValues(true, v)
    // Dropping the variance's path (the x̂·Σg·x̂ term), as a hand-written kernel might:
    const f = normFormulas(true)
    const env = (i: number) => (name: string) =>
      name === 's2'
        ? 0
        : name in r
          ? ((x) => (typeof x === 'number' ? x : x[i]!))(r[name as keyof typeof r])
          : (v as never)[name][i]
    const wrong = v.x.map((_, i) => evaluate(f.du, env(i)))
    const h = 1e-6
    const numeric = (i: number) =>
      (loss(true, { ...v, x: v.x.map((x, j) => (j === i ? x + h : x)) }) -
        loss(true, { ...v, x: v.x.map((x, j) => (j === i ? x - h : x)) })) /
      (2 * h)
    expect(Math.max(...wrong.map((d, i) => Math.abs(d - numeric(i))))).toBeGreaterThan(1e-3)
  })

  it('the population: momentum toward the batch, unbiased n/(n−1) only when centering', () => {
    const env = (center: boolean) => (name: string) =>
      ({ 'pop.mean': 0, 'pop.variance': 1, rate: 0.1, mean: 2, variance: 3, n: 4 })[name] ??
      evaluate(normFormulas(center).unbias, () => 4)
    expect(evaluate(normFormulas(true).popMean, env(true))).toBeCloseTo(0.2, 12)
    expect(evaluate(normFormulas(true).popVariance, env(true))).toBeCloseTo(0.9 + 0.1 * 3 * (4 / 3), 12)
    expect(evaluate(normFormulas(false).popVariance, env(false))).toBeCloseTo(0.9 + 0.1 * 3, 12)
  })

  it('without centering the mean and m₁ vanish from what is emitted', () => {
    const f = normFormulas(false)
    for (const name of ['xhat', 'du', 'popMean'] as const) expect(refsOf(f[name]).has('s1')).toBe(false)
    expect(refsOf(f.xhat).has('mean')).toBe(false)
    expect(refsOf(termOf(f.sq)).has('mean')).toBe(false)
    const js = { ref: (n: string) => n, num: String, call: (fn: string, a: string) => `${fn}(${a})` }
    expect(emit(f.xhat, js)).toBe('(x * inv)')
    expect(emit(normFormulas(true).xhat, js)).toBe('((x - mean) * inv)')
  })
})
