// exp, sigmoid and tanh on four lanes: the fast versions the recurrence op's element-wise work needs
// (Math.exp and Math.tanh cost 20–35 ns each in JavaScript). exp is Cephes' expf: x = n·ln2 + r,
// |r| ≤ ln2/2, a degree-5 polynomial for eʳ and 2ⁿ built in the exponent bits; inputs are
// clamped to [−87, 88] so 2ⁿ stays a normal float. Measured against Math.exp / Math.tanh
// (tests/unit/engine/wasm-kernels.test.ts): relative error of exp and sigmoid under 4e-7,
// absolute error of tanh under 3e-7 — below float32's own rounding of the values they feed.
import { add, mul, sp, sub } from './lanes'

@inline export function exp4(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, sp(88.0)), sp(-87.0))
  const n = f32x4.nearest(mul(x, sp(1.44269504088896341)))
  const r = sub(sub(x, mul(n, sp(0.693359375))), mul(n, sp(-2.12194440e-4)))
  let p = sp(1.9875691500e-4)
  p = add(mul(p, r), sp(1.3981999507e-3))
  p = add(mul(p, r), sp(8.3334519073e-3))
  p = add(mul(p, r), sp(4.1665795894e-2))
  p = add(mul(p, r), sp(1.6666665459e-1))
  p = add(mul(p, r), sp(5.0000001201e-1))
  p = add(add(mul(p, mul(r, r)), r), sp(1.0))
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23)
  return mul(p, scale)
}

@inline export function sigmoid4(x: v128): v128 {
  return f32x4.div(sp(1.0), add(sp(1.0), exp4(f32x4.neg(x))))
}

/**
 * tanh(x): Cephes' tanhf. Near 0 (|x| < 0.625) its odd polynomial x + x³·P(x²), exact to float32's
 * rounding relative to the value; further out sign(x)·(1 − 2/(e^{2|x|} + 1)), no overflow and exact
 * ±1 far out. (That form alone near 0 is exact only absolutely: a relative error of 1e-7/|x|, which
 * a batch norm over few samples of tanh's outputs, as an LSTM's cell norm sees, amplifies.)
 */
@inline export function tanh4(x: v128): v128 {
  const a = f32x4.abs(x)
  const t = sub(sp(1.0), f32x4.div(sp(2.0), add(exp4(mul(a, sp(2.0))), sp(1.0))))
  const far = v128.or(t, v128.and(x, i32x4.splat(0x80000000)))
  const z = mul(x, x)
  let p = sp(-5.70498872745e-3)
  p = add(mul(p, z), sp(2.06390887954e-2))
  p = add(mul(p, z), sp(-5.37397155531e-2))
  p = add(mul(p, z), sp(1.33314422036e-1))
  p = add(mul(p, z), sp(-3.33332819422e-1))
  const near = add(mul(mul(p, z), x), x)
  return v128.bitselect(near, far, f32x4.lt(a, sp(0.625)))
}

/** 1/√x, exactly rounded sqrt and division (it feeds every normalization and its backward). */
@inline export function rsqrt4(x: v128): v128 {
  return f32x4.div(sp(1.0), f32x4.sqrt(x))
}
