// The normalization is written once (shared/kinds/norms/normalization.ts) and every backend's is
// emitted from it: the engine's own sources — generated files aside — hold none of its arithmetic.
// What "its arithmetic" is, as patterns a hand-written normalization cannot avoid: a square root
// (1/√(σ² + ε)), ε added to a variance, a product with γ, a mean subtracted, a division by a count.
// Where the formula language's own operators are spelled (the rsqrt of each dialect) or another
// algorithm needs a square root (Adam), the file is named below with its reason.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../helpers/temp'

const ENGINE = join(ROOT, 'shared', 'engine')

/** Files allowed to spell a square root, and why. */
const SPELLS_RSQRT: Record<string, string> = {
  'core/formula-ops.ts': "the formulas' rsqrt as a tfjs op",
  'emit/assemblyscript.ts': "the formulas' rsqrt in AssemblyScript",
  'emit/normalization.ts': "the formulas' rsqrt in JavaScript and float64 lanes",
  'recurrence/gpu/lang.ts': "the formulas' rsqrt in GLSL and WGSL",
  'recurrence/wasm/assembly/math.ts': 'rsqrt4, the float32-lane operator the generated code calls',
  'webgpu/fused-adam-kernel.ts': "Adam's update (√v̂), not a normalization",
}

/** Engine files that compute something other than a normalization with the same operations, and what. */
const NOT_NORMALIZATION: Record<string, string> = {
  'data/trivial-loss.ts': "a task's trivial loss (the labels' entropy and variance)",
  'init.ts': 'the initialization bound 1/√H',
  'network.ts': 'the gradient norm',
}

const PATTERNS: [string, RegExp][] = [
  ['a square root', /sqrt/i],
  ['ε added to a variance', /\+\s*(?:n\.|a\.)?eps\b|\beps\s*\+/],
  ['a product with γ', /\b(?:gamma|gbH|gbC)\[[^\]]*\]!?\s*\*|\*\s*(?:gamma|gbH|gbC)\[|getGammaBeta\(0,[^)]*\)\s*\*/],
  ['a mean subtracted', /-\s*(?:this\.)?(?:mean|m[vV]|groupMean|cols\.mean)\b(?!\w)|\bsub\(.*,\s*(?:mean|mv)\)/],
  ['a division by a count', /\/=?\s*(?:count|total|size|lengths?\[|counts\[)/],
]

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** Code only: comments say what the formulas are and may name them. */
const code = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, ''))

export function handWritten(text: string, file: string): string[] {
  const hits: string[] = []
  code(text).forEach((line, i) => {
    for (const [what, re] of PATTERNS) {
      if (what === 'a square root' && file in SPELLS_RSQRT) continue
      if (re.test(line)) hits.push(`${file}:${i + 1} ${what}: ${line.trim()}`)
    }
  })
  return hits
}

describe('the normalization, written once', () => {
  it('no engine source outside the generated files holds normalization arithmetic', () => {
    const files = sources(ENGINE).filter(
      (f) => !f.endsWith('.generated.ts') && !(relative(ENGINE, f).replace(/\\/g, '/') in NOT_NORMALIZATION),
    )
    expect(files.length).toBeGreaterThan(60)
    const hits = files.flatMap((f) => handWritten(readFileSync(f, 'utf8'), relative(ENGINE, f).replace(/\\/g, '/')))
    expect(hits).toEqual([])
  })

  it('the check finds the hand-written normalization the engine had (it can fail)', () => {
    const before = [
      'this.inv[c] = 1 / Math.sqrt(stats[base + this.C + c]! + n.eps)',
      'out[base + c] = gamma[c]! * (u[base + c]! - cols.mean[c]!) * cols.inv[c]! + beta[c]!',
      'fn HInv(t: i32, n: i32, c: i32) -> f32 { return inverseSqrt(HStat(t, C + c) + eps); }',
      'mean /= count;',
      'const d = sub(ld(at(p, c), size - c), mv)',
      'm1 = n.center ? m1 / size : 0',
      'let d = gbC[k] * innerAt(t, n, k); s1 += d;',
    ]
    for (const line of before) expect(handWritten(line, 'x.ts'), line).not.toEqual([])
  })
})
