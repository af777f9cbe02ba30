// What the generated JavaScript of a cell does (cells.generated.ts, from the cell's formulas by
// emit/js.ts): one sample's row of a time step, for every hidden unit k. The loops over samples,
// masking, the normalizers and the buffers are the skeleton's (cell-kernels.ts), the same for
// every cell. Arrays of tensors are float32; per-unit scratch (f64) is indexed bo + k, bo = n·H.
export interface CellRows {
  /** The activations A of one sample: x = stacked N_x(x·Wx) + b at xo, u = the normalized recurrent term at uo, the previous state at so. */
  gates(
    H: number,
    x: Float32Array,
    xo: number,
    u: Float64Array,
    uo: number,
    ph: Float32Array,
    pc: Float32Array | null,
    so: number,
    A: Float32Array,
    ao: number,
  ): void
  /** The new state of one valid sample from its activations and y (the inner term normalized, or null). */
  state(
    H: number,
    A: Float32Array,
    ao: number,
    y: Float64Array | null,
    bo: number,
    ph: Float32Array,
    pc: Float32Array | null,
    so: number,
    h: Float32Array,
    c: Float32Array | null,
    oo: number,
  ): void
  /** Backward before the inner term's normalizer: the gradient into y (inner), and values the part after it reads again (keep, K per unit). */
  beforeNorm(
    H: number,
    A: Float32Array,
    ao: number,
    y: Float64Array | null,
    bo: number,
    ph: Float32Array,
    pc: Float32Array | null,
    so: number,
    dh: Float64Array,
    cc: Float64Array | null,
    inner: Float64Array,
    keep: Float64Array,
  ): void
  /** Backward after it: P's dx, du and carry blocks for one valid sample at po. dinner: the inner term's gradient through its normalizer. */
  afterNorm(
    H: number,
    A: Float32Array,
    ao: number,
    y: Float64Array | null,
    bo: number,
    ph: Float32Array,
    pc: Float32Array | null,
    so: number,
    dh: Float64Array,
    cc: Float64Array | null,
    dinner: Float64Array | null,
    keep: Float64Array,
    P: Float32Array,
    po: number,
  ): void
}
