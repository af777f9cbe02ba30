// The recurrence op against the step-by-step reference model on the active backend: one training
// forward and backward, and evaluation with population statistics (per-step BN's policies past
// the trained length), of a cell and norm at a given shape and lengths. Returns the worst
// relative difference of everything training and evaluation use: the loss, every gradient, the
// recorded statistics, the population update, the outputs. The unit tests draw random shapes
// (cpu, wasm); the e2e runs a sample in Chromium through the bench page (WebGL).
import { CELLS, NORMS, normDefinition, type CellKind, type NormKind, type Policy } from '../../shared/kinds'
import { crossEntropy } from '../../shared/engine/core/losses'
import { Rng } from '../../shared/engine/core/rng'
import type { ModelSpec } from '../../shared/engine/core/spec'
import { tf } from '../../shared/engine/core/tf'
import { initParams } from '../../shared/engine/init'
import { stepInputs } from '../../shared/engine/model'
import { RecurrentNet } from '../../shared/engine/network'
import { recurrenceOpEnabled, setRecurrenceOp, usesRecurrenceOp } from '../../shared/engine/recurrence'

export interface AgreementCase {
  cell: CellKind
  norm: NormKind
  N: number
  T: number
  D: number
  H: number
  groups: number
  lengths: number[]
  /** Every step's output in the loss (as the copy task does), else the last. */
  sequence: boolean
  seed: number
}

export interface Agreement {
  case: AgreementCase
  /** Whether the op ran (false: the backend has no kernels for it). */
  op: boolean
  /** Worst |op − reference| / max(1, max |reference|) per quantity; Infinity where one is missing or not finite. */
  worst: Record<string, number>
  /**
   * The same for the reference against itself on inputs moved by float32 rounding: how much this
   * case amplifies rounding (a BN over two or three samples through 40 steps can amplify it past
   * any fixed tolerance, as the PyTorch cases' README notes for its own draws).
   */
  sensitivity: Record<string, number>
}

/** float32 on a GPU, whose exp and tanh are approximations of their own: a little more room. */
export const GPU_AGREEMENT_TOLERANCE = 1e-4

/** What a quantity may differ by: the float32 tolerance, or ten times the case's own sensitivity to rounding where that is larger. */
export const allowed = (a: Agreement, name: string, tolerance = AGREEMENT_TOLERANCE): number =>
  Math.max(tolerance, 10 * (a.sensitivity[name] ?? 0))

/** The quantities off by more than they may be. */
export const disagreements = (a: Agreement, tolerance = AGREEMENT_TOLERANCE): [string, number][] =>
  Object.entries(a.worst).filter(([name, w]) => !(w <= allowed(a, name, tolerance)))

/** float32 in both paths, summed in other orders. */
export const AGREEMENT_TOLERANCE = 5e-5

type Values = Record<string, number[]>

function specOf(c: AgreementCase): ModelSpec {
  return { cell: c.cell, norm: c.norm, inputSize: c.D, hidden: c.H, outputs: 3, groups: c.groups, eps: 1e-5 }
}

/** Inputs moved by a few units in the last place (float32 has 24 bits): how a case reacts to rounding. */
const ROUNDING = 2 ** -21

async function run(op: boolean, c: AgreementCase, perturb = 0): Promise<{ values: Values; usedOp: boolean }> {
  const was = recurrenceOpEnabled()
  setRecurrenceOp(op)
  try {
    const spec = specOf(c)
    const usedOp = usesRecurrenceOp()
    const net = new RecurrentNet(spec, initParams(spec, c.seed, { bn: 0.5, norm: 1.2 }))
    const rng = new Rng(c.seed + 1)
    const { N, T, D, H } = c
    const jitter = new Rng(c.seed + 7)
    const x = stepInputs(
      Float32Array.from(
        { length: N * T * D },
        () => rng.uniform(-1, 1) * (1 + perturb * (jitter.next() < 0.5 ? -1 : 1)),
      ),
      N,
      T,
      D,
    )
    const named: Record<string, tf.Tensor> = {}
    const { value, grads } = tf.variableGrads(() => {
      const out = net.forward(x, c.lengths, { mode: 'train', record: true, sequenceOutput: c.sequence })
      for (const [term, m] of Object.entries(out.recorded))
        Object.assign(named, {
          [`recorded ${term} mean`]: tf.keep(m.mean),
          [`recorded ${term} var`]: tf.keep(m.variance),
        })
      for (const u of out.populationUpdates)
        Object.assign(named, {
          [`population ${u.term} mean`]: tf.keep(u.moments.mean),
          [`population ${u.term} var`]: tf.keep(u.moments.variance),
        })
      if (out.hidden) named.hidden = tf.keep(out.hidden)
      const logits = c.sequence
        ? tf.add(tf.matMul(tf.reshape(out.hidden!, [N * T, H]), net.vars.Wy!), net.vars.by!)
        : out.logits
      return crossEntropy(
        logits as tf.Tensor2D,
        Array.from({ length: c.sequence ? N * T : N }, (_, i) => i % 3),
      ) as tf.Scalar
    }, Object.values(net.vars))
    for (const [name, v] of Object.entries(net.vars)) named[`grad ${name}`] = grads[v.name]!
    named.loss = value
    const values: Values = {}
    for (const [name, t] of Object.entries(named)) values[name] = Array.from(await t.data())
    tf.dispose([...Object.values(named), ...Object.values(grads), ...x])
    net.dispose()
    return { values, usedOp }
  } finally {
    setRecurrenceOp(was)
  }
}

/** Evaluation of the same trained state by both paths: logits per policy on a longer batch (and the reference's on inputs moved by rounding). */
async function evaluation(
  c: AgreementCase,
): Promise<Record<string, { op: number[]; reference: number[]; moved: number[] }>> {
  const spec = specOf(c)
  const net = new RecurrentNet(spec, initParams(spec, c.seed, { bn: 0.5, norm: 1.2 }))
  const rng = new Rng(c.seed + 2)
  const { N, T, D } = c
  const was = recurrenceOpEnabled()
  const out: Record<string, { op: number[]; reference: number[]; moved: number[] }> = {}
  try {
    // One training step moves the population statistics (through the op; the statistics agree: see run()).
    setRecurrenceOp(true)
    const train = stepInputs(
      Float32Array.from({ length: N * T * D }, () => rng.uniform(-1, 1)),
      N,
      T,
      D,
    )
    const optimizer = tf.train.sgd(0.05)
    const step = net.trainStep(
      train,
      c.lengths,
      { kind: 'class', labels: Array.from({ length: N }, (_, i) => i % 3) },
      optimizer,
    )
    tf.dispose([
      step.loss,
      step.accuracy,
      step.gradNorm,
      ...Object.values(step.recorded).flatMap((m) => [m.mean, m.variance]),
      ...train,
    ])
    optimizer.dispose()
    const longer = T + 3
    const values = Float32Array.from({ length: N * longer * D }, () => rng.uniform(-1, 1))
    const jitter = new Rng(c.seed + 8)
    const test = stepInputs(values, N, longer, D)
    const moved = stepInputs(
      values.map((v) => v * (1 + ROUNDING * (jitter.next() < 0.5 ? -1 : 1))),
      N,
      longer,
      D,
    )
    const lengths = Array.from({ length: N }, (_, n) => (n === 0 ? longer : Math.max(1, longer - 1 - (n % longer))))
    const policies: Policy[] = normDefinition(c.norm).over === 'batch-step' ? ['last', 'global', 'batch'] : ['last']
    for (const policy of policies) {
      const logits = async (on: boolean, xs = test) => {
        setRecurrenceOp(on)
        const t = tf.tidy(() => net.forward(xs, lengths, { mode: 'eval', policy }).logits)
        const v = Array.from(await t.data())
        t.dispose()
        return v
      }
      out[`eval logits (${policy})`] = {
        op: await logits(true),
        reference: await logits(false),
        moved: await logits(false, moved),
      }
    }
    tf.dispose([...test, ...moved])
  } finally {
    setRecurrenceOp(was)
    net.dispose()
  }
  return out
}

function worstOf(a: number[] | undefined, b: number[] | undefined): number {
  if (!a || !b || a.length !== b.length || !a.every(Number.isFinite)) return Infinity
  const scale = Math.max(1, ...b.map(Math.abs))
  return Math.max(0, ...a.map((v, i) => Math.abs(v - b[i]!))) / scale
}

export async function agreement(c: AgreementCase): Promise<Agreement> {
  const op = await run(true, c)
  const reference = await run(false, c)
  const moved = await run(false, c, ROUNDING)
  const worst: Record<string, number> = {}
  const sensitivity: Record<string, number> = {}
  for (const name of new Set([...Object.keys(op.values), ...Object.keys(reference.values)])) {
    worst[name] = worstOf(op.values[name], reference.values[name])
    sensitivity[name] = worstOf(moved.values[name], reference.values[name])
  }
  for (const [name, e] of Object.entries(await evaluation(c))) {
    worst[name] = worstOf(e.op, e.reference)
    sensitivity[name] = worstOf(e.moved, e.reference)
  }
  return { case: c, op: op.usedOp, worst, sensitivity }
}

/** A random case: N 1–12 with a one-sample tail, T 1–40, H 1–48, D 1–8, groups dividing H, sometimes empty last steps. */
export function randomCase(seed: number, cell: CellKind, norm: NormKind): AgreementCase {
  const rng = new Rng(seed)
  const N = rng.int(1, 12)
  const T = rng.int(1, 40)
  const H = rng.int(1, 48)
  const D = rng.int(1, 8)
  const divisors = Array.from({ length: H }, (_, i) => i + 1).filter((g) => H % g === 0)
  const groups = divisors[rng.int(0, divisors.length - 1)]!
  // One sample runs longest (a tail where it is alone); the others end anywhere; a quarter of the
  // cases end before T (steps with no valid sample).
  const longest = rng.uniform(0, 1) < 0.25 && T > 1 ? rng.int(1, T - 1) : T
  const lengths = Array.from({ length: N }, (_, n) => (n === 0 ? longest : rng.int(1, Math.max(1, longest - 1))))
  return { cell, norm, N, T, D, H, groups, lengths, sequence: rng.uniform(0, 1) < 0.3, seed }
}

/** A sample of cases: every cell × norm, `perPair` random shapes each (seeds from `seed`). */
export function sampleCases(seed: number, perPair: number): AgreementCase[] {
  const out: AgreementCase[] = []
  let s = seed
  for (const cell of CELLS)
    for (const norm of NORMS) for (let i = 0; i < perPair; i++) out.push(randomCase(s++, cell, norm))
  return out
}
