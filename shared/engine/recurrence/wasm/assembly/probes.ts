// The fast functions over n floats from `from` into `to`: how the test measures their error
// against Math.exp, Math.tanh and the exact sigmoid (tests/unit/engine/wasm-kernels.test.ts).
import { at, ld, st } from './lanes'
import { exp4, sigmoid4, tanh4 } from './math'

export function exp4Into(from: usize, to: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) st(at(to, i), exp4(ld(at(from, i), n - i)), n - i)
}
export function sigmoid4Into(from: usize, to: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) st(at(to, i), sigmoid4(ld(at(from, i), n - i)), n - i)
}
export function tanh4Into(from: usize, to: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) st(at(to, i), tanh4(ld(at(from, i), n - i)), n - i)
}
