// Four float32 lanes at a time. A row's last 1–3 values travel as a partial vector: zero-filled
// on load, only the valid lanes stored, so one code path serves every width and nothing reads or
// writes past a row. Pointers are byte offsets into the tfjs wasm backend's memory; `m` is how
// many values are left in the row from that pointer (4 or more: a whole vector).

@inline export function ld(p: usize, m: i32): v128 {
  if (m >= 4) return v128.load(p)
  let v = f32x4.splat(0)
  v = f32x4.replace_lane(v, 0, load<f32>(p))
  if (m > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4))
  if (m > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8))
  return v
}

@inline export function st(p: usize, v: v128, m: i32): void {
  if (m >= 4) {
    v128.store(p, v)
    return
  }
  store<f32>(p, f32x4.extract_lane(v, 0))
  if (m > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4)
  if (m > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8)
}

/** All ones in the first min(m, 4) lanes: keeps a partial vector's empty lanes out of a sum. */
@inline export function lanes(m: i32): v128 {
  if (m >= 4) return i32x4.splat(-1)
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(m))
}

@inline export function sp(x: f32): v128 {
  return f32x4.splat(x)
}

@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)
}

/** Byte offset of element i. */
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2)
}

@inline export function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b)
}
@inline export function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b)
}
@inline export function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b)
}
@inline export function neg(a: v128): v128 {
  return f32x4.neg(a)
}
@inline export function square(a: v128): v128 {
  return f32x4.mul(a, a)
}

/** Copies n floats. */
@inline export function copy(to: usize, from: usize, n: i32): void {
  memory.copy(to, from, <usize>n << 2)
}

/** Zeroes n floats. */
@inline export function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2)
}
