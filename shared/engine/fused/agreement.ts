// The fused recurrent op against the step-by-step model on the active backend: one training
// forward and backward of a small LSTM, GRU or RNN with variable lengths (a sample of length 1, a last step with no
// valid sample), recording on, per-step outputs or not. Returns the worst relative difference of
// everything training uses: loss, every gradient, recorded statistics, BN's population update.
// Run by the unit tests (cpu, wasm) and by the bench page's self-check in Chromium (webgl).
import { CELLS, NORMS, type CellKind, type NormKind } from '../../kinds'
import { initParams } from '../init'
import { crossEntropy } from '../losses'
import { stepInputs } from '../model'
import { RecurrentNet } from '../network'
import { Rng } from '../rng'
import type { ModelSpec } from '../spec'
import { tf } from '../tf'
import { fusedRecurrenceEnabled, setFusedRecurrence, usesFusedTraining } from './index'

const N = 5
const T = 7
const D = 3
const H = 4
const LENGTHS = [6, 1, 4, 6, 3]

type Values = Record<string, number[]>

async function trainForward(fused: boolean, cell: CellKind, norm: NormKind, sequence: boolean): Promise<{ values: Values; usedFused: boolean }> {
  const was = fusedRecurrenceEnabled()
  setFusedRecurrence(fused)
  try {
    const spec: ModelSpec = { cell, norm, inputSize: D, hidden: H, outputs: 3, groups: 2, eps: 1e-5 }
    const usedFused = usesFusedTraining(spec)
    const net = new RecurrentNet(spec, initParams(spec, 3, { bn: 0.5, norm: 1.2 }))
    const rng = new Rng(11)
    const x = stepInputs(Float32Array.from({ length: N * T * D }, () => rng.uniform(-1, 1)), N, T, D)
    const named: Record<string, tf.Tensor> = {}
    const { value, grads } = tf.variableGrads(() => {
      const out = net.forward(x, LENGTHS, { mode: 'train', record: true, sequenceOutput: sequence })
      for (const [term, m] of Object.entries(out.recorded)) Object.assign(named, { [`recorded ${term} mean`]: tf.keep(m.mean), [`recorded ${term} var`]: tf.keep(m.variance) })
      for (const u of out.populationUpdates) Object.assign(named, { [`population ${u.term} mean`]: tf.keep(u.moments.mean), [`population ${u.term} var`]: tf.keep(u.moments.variance) })
      if (out.hidden) named.hidden = tf.keep(out.hidden)
      // Every step's output in the loss when asked (as the copy task does), else the last.
      const logits = sequence ? tf.add(tf.matMul(tf.reshape(out.hidden!, [N * T, H]), net.vars.Wy!), net.vars.by!) : out.logits
      return crossEntropy(logits as tf.Tensor2D, Array.from({ length: sequence ? N * T : N }, (_, i) => i % 3)) as tf.Scalar
    }, Object.values(net.vars))
    for (const [name, v] of Object.entries(net.vars)) named[`grad ${name}`] = grads[v.name]!
    named.loss = value
    const values: Values = {}
    for (const [name, t] of Object.entries(named)) values[name] = Array.from(await t.data())
    tf.dispose([...Object.values(named), ...Object.values(grads), ...x])
    net.dispose()
    return { values, usedFused }
  } finally {
    setFusedRecurrence(was)
  }
}

export interface Agreement {
  cell: CellKind
  norm: NormKind
  sequence: boolean
  /** Whether the first run went through the fused op (false: the backend has no fused kernels). */
  fused: boolean
  /** Worst |fused − step by step| / max(1, max |step by step|) per quantity; Infinity where one is missing or not finite. */
  worst: Record<string, number>
}

export async function fusedAgreement(cell: CellKind, norm: NormKind, sequence: boolean): Promise<Agreement> {
  const fused = await trainForward(true, cell, norm, sequence)
  const plain = await trainForward(false, cell, norm, sequence)
  const worst: Record<string, number> = {}
  for (const name of new Set([...Object.keys(fused.values), ...Object.keys(plain.values)])) {
    const a = fused.values[name]
    const b = plain.values[name]
    if (!a || !b || a.length !== b.length || !a.every(Number.isFinite)) {
      worst[name] = Infinity
      continue
    }
    const scale = Math.max(1, ...b.map(Math.abs))
    worst[name] = Math.max(0, ...a.map((v, i) => Math.abs(v - b[i]!))) / scale
  }
  return { cell, norm, sequence, fused: fused.usedFused, worst }
}

/** Every cell and norm, with and without per-step outputs. */
export async function fusedAgreementAll(): Promise<Agreement[]> {
  const out: Agreement[] = []
  for (const cell of CELLS) for (const norm of NORMS) for (const sequence of [false, true]) out.push(await fusedAgreement(cell, norm, sequence))
  return out
}

/** The largest difference the agreement allows (float32 arithmetic in another order). */
export const AGREEMENT_TOLERANCE = 2e-5
