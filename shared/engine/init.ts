// Initial weights, seeded: PyTorch's recurrent default U(-1/√H, 1/√H) for every matrix and bias;
// BN gamma 0.1 (Cooijmans et al.), LN/GN gamma 1, beta 0.
import type { ParamValues } from './network'
import { isBatchNorm } from '../kinds'
import { Rng } from './core/rng'
import { paramShapes, type ModelSpec } from './core/spec'

export function initParams(spec: ModelSpec, seed: number, gammas: { bn: number; norm: number }): ParamValues {
  const rng = Rng.derive(seed, 'init')
  const bound = 1 / Math.sqrt(spec.hidden)
  const values: ParamValues = {}
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const size = shape.reduce((a, b) => a * b, 1)
    const array = new Float32Array(size)
    if (name.startsWith('gamma_')) array.fill(isBatchNorm(spec.norm) ? gammas.bn : gammas.norm)
    else if (!name.startsWith('beta_') && name !== 'by')
      for (let i = 0; i < size; i++) array[i] = rng.uniform(-bound, bound)
    values[name] = array
  }
  return values
}
