// What each stage of a cell's time step reads and writes, per hidden unit, as places in named
// arrays — the same for every target language (emit/js.ts, emit/assemblyscript.ts), which only
// spell a place their own way. Derived from the cell's definition and its layout, never by hand.
import { expr, needed, refsOf, type Bindings, type Operand } from '../../kinds/formulas'
import type { CellDefinition } from '../../kinds/cells'
import { cellLayout, type CellLayout } from '../recurrence/kernels/layout'

/**
 * The arrays a row function sees: x, u the gate terms; A the activations; y the inner term
 * normalized; ph, pc the previous state; h, c the new state; dh, cc the gradients into the new
 * h and carried c; dinner the inner term's gradient through its normalizer; inner the gradient
 * into y; keep what backward keeps per unit; P the packed step gradient.
 */
export type ArrayName =
  'x' | 'u' | 'A' | 'y' | 'ph' | 'pc' | 'h' | 'c' | 'dh' | 'cc' | 'dinner' | 'inner' | 'keep' | 'P'

/** Unit k of block `block` (in units of H) of an array's row; keep's blocks are its kept values. */
export interface Place {
  array: ArrayName
  block: number
}

export interface Output {
  to: Place
  value: Operand
}

/** One row function: formulas in order, what it writes, where each name it reads comes from. */
export interface Stage {
  bindings: Bindings
  outputs: Output[]
  /** Names read, in sorted order, with their places (formulas' own bindings excluded). */
  reads: [string, Place][]
  /** Bindings needed by the outputs, in order. */
  order: string[]
}

export interface CellStages {
  layout: CellLayout
  gates: Stage
  state: Stage
  /** Null for a cell without an inner term. */
  beforeNorm: Stage | null
  afterNorm: Stage
}

type Reader = (name: string) => Place | null

const at = (array: ArrayName, block = 0): Place => ({ array, block })

function stage(bindings: Bindings, outputs: Output[], read: Reader): Stage {
  const roots = outputs.map((o) => expr(o.value))
  const order = needed(bindings, roots)
  const used = new Set([...roots, ...order.map((n) => expr(bindings[n]!))].flatMap((e) => [...refsOf(e)]))
  const reads: [string, Place][] = []
  for (const name of [...used].sort()) {
    if (name in bindings) continue
    const from = read(name)
    if (from === null) throw new Error(`a formula reads "${name}", which this stage does not have`)
    reads.push([name, from])
  }
  return { bindings, outputs, reads, order }
}

/** Reads every stage shares: activations from A, y, the previous state. */
function common(def: CellDefinition, layout: CellLayout): Reader {
  return (name) => {
    if (name.startsWith('a.')) {
      const i = layout.activations.indexOf(name.slice(2))
      return i < 0 ? null : at('A', i)
    }
    if (name === 'y') return def.inner ? at('y') : null
    if (name === 'prev.h') return at('ph')
    if (name === 'prev.c') return def.state.includes('c') ? at('pc') : null
    return null
  }
}

function backwardReader(def: CellDefinition, layout: CellLayout): Reader {
  const base = common(def, layout)
  return (name) => {
    if (name === 'dh') return at('dh')
    if (name === 'carry.c') return def.state.includes('c') ? at('cc') : null
    return base(name)
  }
}

export function cellStages(def: CellDefinition): CellStages {
  const layout = cellLayout(def)
  const activationBindings = Object.fromEntries(Object.entries(def.activations).map(([name, f]) => [`a.${name}`, f]))
  const gateIndex = (prefix: string, name: string) =>
    name.startsWith(prefix) ? def.gates.indexOf(name.slice(prefix.length)) : -1
  const gates = stage(
    activationBindings,
    layout.activations.map((name, i) => ({ to: at('A', i), value: `a.${name}` })),
    (name) => {
      const x = gateIndex('x.', name)
      if (x >= 0) return at('x', x)
      const u = gateIndex('u.', name)
      if (u >= 0) return at('u', u)
      return name.startsWith('a.') ? null : common(def, layout)(name)
    },
  )
  const state = stage(
    {},
    [{ to: at('h'), value: def.next.h }, ...(def.next.c !== undefined ? [{ to: at('c'), value: def.next.c }] : [])],
    common(def, layout),
  )
  const read = backwardReader(def, layout)
  const beforeNorm = def.inner
    ? stage(
        def.backward.beforeNorm ?? {},
        [{ to: at('inner'), value: 'inner' }, ...layout.kept.map((name, j) => ({ to: at('keep', j), value: name }))],
        read,
      )
    : null
  const afterNorm = stage(
    def.backward.afterNorm,
    [
      ...def.gates.map((g, i) => ({
        to: at('P', layout.dx.col + i),
        value: (def.backward.dx as Record<string, Operand>)[g]!,
      })),
      ...(layout.du !== layout.dx
        ? def.gates.map((g, i) => ({
            to: at('P', layout.du.col + i),
            value: (def.backward.du as Record<string, Operand>)[g]!,
          }))
        : []),
      { to: at('P', layout.carry.h!.col), value: def.backward.carry.h },
      ...(layout.carry.c ? [{ to: at('P', layout.carry.c.col), value: def.backward.carry.c ?? 0 }] : []),
    ],
    (name) => {
      if (name === 'dinner') return def.inner ? at('dinner') : null
      const j = layout.kept.indexOf(name)
      if (j >= 0) return at('keep', j)
      return read(name)
    },
  )
  return { layout, gates, state, beforeNorm, afterNorm }
}
