// One time step of a cell in the step-by-step reference model: its formulas evaluated as tfjs
// ops on the whole batch (core/formula-ops.ts). Masking is the model's (step-model.ts).
import type { CellDefinition } from '../../kinds'
import { expr } from '../../kinds/formulas'
import { bindTf, evaluateTf } from '../core/formula-ops'
import { tf, type Tensor, type Tensor2D } from '../core/tf'

export interface CellState {
  h: Tensor2D
  /** The LSTM's cell state (un-normalized: the recurrence carries c, N_c only feeds h). */
  c: Tensor2D | null
}

export interface CellStepInputs {
  /** N_x(x_t·Wx) + b [N, G·H] */
  xb: Tensor2D
  /** N_h(h_{t-1}·Wh) [N, G·H] */
  hn: Tensor2D
  state: CellState
  /** The cell's own normalizer (N_c), for a cell with an inner term. */
  normalizeInner(v: Tensor2D): Tensor
}

export function cellStep(def: CellDefinition, s: CellStepInputs): CellState {
  const G = def.gates.length
  const xs = G === 1 ? [s.xb] : tf.split(s.xb, G, 1)
  const us = G === 1 ? [s.hn] : tf.split(s.hn, G, 1)
  const inputs = new Map<string, Tensor>()
  def.gates.forEach((g, i) => {
    inputs.set(`x.${g}`, xs[i]!)
    inputs.set(`u.${g}`, us[i]!)
  })
  inputs.set('prev.h', s.state.h)
  if (s.state.c) inputs.set('prev.c', s.state.c)
  const read = (name: string) => {
    const t = inputs.get(name)
    if (!t) throw new Error(`${def.kind}: a formula reads "${name}", which the step does not have`)
    return t
  }
  const env = new Map<string, Tensor>()
  bindTf(Object.fromEntries(Object.entries(def.activations).map(([name, f]) => [`a.${name}`, f])), env, read)
  if (def.inner) env.set('y', s.normalizeInner(env.get(`a.${def.inner.activation}`) as Tensor2D))
  const lookup = (name: string) => env.get(name) ?? read(name)
  const h = evaluateTf(expr(def.next.h), lookup) as Tensor2D
  const c = def.next.c !== undefined ? (evaluateTf(expr(def.next.c), lookup) as Tensor2D) : null
  return { h, c }
}
