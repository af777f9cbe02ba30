// A run's training state, read out of the engine and put back (contract/checkpoint.ts says what
// it holds). Restoring it and drawing the same batches again makes the run go on bit for bit as
// if it had never stopped, on the same backend: the parameters, the optimizer's slots and step
// count, Adam's running β powers and BN's population statistics are the whole of what a step
// reads besides its batch (tests/unit/engine/checkpoint.test.ts trains both ways and compares).
import type { TrainingCheckpoint } from '../contract/checkpoint'
import { packFloat32, unpackFloat32 } from '../contract/packed'
import type { OptimizerKind } from '../kinds'
import { restorePopulation } from './core/population'
import { tf } from './core/tf'
import type { RecurrentNet } from './network'

type Named = { name: string; tensor: tf.Tensor }

/** tfjs's Adam keeps β1^t and β2^t as variables multiplied each step (adam_optimizer.ts). */
interface AdamPowers {
  accBeta1: tf.Variable
  accBeta2: tf.Variable
}
const adamPowers = (optimizer: tf.Optimizer): AdamPowers | null => {
  const o = optimizer as unknown as Partial<AdamPowers>
  return o.accBeta1 && o.accBeta2 ? (o as AdamPowers) : null
}

const pack = async (t: tf.Tensor) => packFloat32((await t.data()) as Float32Array, 1, t.size)

export interface RunPosition {
  step: number
  wallMs: number
  firstLoss: number | null
  lastLoss: number | null
}

/** Everything training reads, at the end of `position.step`. */
export async function captureCheckpoint(
  net: RecurrentNet,
  optimizer: tf.Optimizer,
  kind: OptimizerKind,
  position: RunPosition,
): Promise<TrainingCheckpoint> {
  const names = Object.keys(net.vars)
  const params: TrainingCheckpoint['params'] = {}
  for (const name of names) params[name] = await pack(net.vars[name]!)
  // [iterations, then each slot kind for every variable in update order] (every tfjs optimizer's getWeights).
  const [iterations, ...slots] = await optimizer.getWeights()
  const perKind = slots.length / names.length
  if (!Number.isInteger(perKind))
    throw new Error(`the optimizer holds ${slots.length} slots for ${names.length} parameters`)
  const slotValues = await Promise.all(slots.map((s) => pack(s.tensor)))
  const steps = (await iterations!.tensor.data())[0]!
  iterations!.tensor.dispose() // a fresh scalar (saveIterations); the slots are the optimizer's own
  const powers = adamPowers(optimizer)
  const population = await net.population.snapshot()
  return {
    version: 1,
    ...position,
    params,
    optimizer: {
      kind,
      iterations: steps,
      slots:
        perKind === 0
          ? []
          : names.map((param, i) => ({
              param,
              values: Array.from({ length: perKind }, (_, k) => slotValues[k * names.length + i]!),
            })),
      betaPowers: powers ? [(await powers.accBeta1.data())[0]!, (await powers.accBeta2.data())[0]!] : null,
    },
    population: population.map((p) => ({
      term: p.term,
      mean: packFloat32(p.mean, p.seen.length, p.features),
      variance: packFloat32(p.variance, p.seen.length, p.features),
      seen: p.seen,
    })),
  }
}

/** The parameters a resumed run starts from (RecurrentNet's constructor takes them). */
export function checkpointParams(checkpoint: TrainingCheckpoint): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(checkpoint.params).map(([name, m]) => [name, unpackFloat32(m)]))
}

/** Puts the optimizer's state and BN's population statistics back into a net made from checkpointParams. */
export async function restoreCheckpoint(
  net: RecurrentNet,
  optimizer: tf.Optimizer,
  kind: OptimizerKind,
  checkpoint: TrainingCheckpoint,
): Promise<void> {
  const saved = checkpoint.optimizer
  if (saved.kind !== kind) throw new Error(`the checkpoint's optimizer is ${saved.kind}, the run's ${kind}`)
  const names = Object.keys(net.vars)
  const perKind = saved.slots[0]?.values.length ?? 0
  if (saved.slots.length > 0 && saved.slots.map((s) => s.param).join() !== names.join())
    throw new Error('the checkpoint holds optimizer slots for other parameters than this model has')
  const weights: Named[] = [{ name: 'iter', tensor: tf.scalar(saved.iterations, 'int32') }]
  const suffix = ['m', 'v', 'g', 'x']
  for (let k = 0; k < perKind; k++)
    for (const [i, name] of names.entries())
      weights.push({
        name: `${net.vars[name]!.name}/${suffix[k]}`,
        tensor: tf.tensor(unpackFloat32(saved.slots[i]!.values[k]!), net.vars[name]!.shape),
      })
  await optimizer.setWeights(weights)
  // The optimizer made variables of them (which hold their own reference).
  tf.dispose(weights.map((w) => w.tensor))
  const powers = adamPowers(optimizer)
  if (powers && saved.betaPowers) {
    const [b1, b2] = saved.betaPowers
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(b1))
      powers.accBeta2.assign(tf.scalar(b2))
    })
  }
  restorePopulation(
    net.population,
    checkpoint.population.map((p) => ({
      term: p.term,
      features: p.mean.columns,
      mean: unpackFloat32(p.mean),
      variance: unpackFloat32(p.variance),
      seen: p.seen,
    })),
  )
}
