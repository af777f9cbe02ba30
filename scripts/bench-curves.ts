// `npm run bench:curves`: cost curves — milliseconds per training step and effective GFLOP/s of
// an LSTM on Node's wasm backend for H ∈ {32, 64, 128, 256} × T ∈ {25, 50, 100, 200} × batch ∈
// {8, 32, 128}, with no norm, per-step BN and LN, and PyTorch on the same CPU right after (the
// anchors' eager per-step loop with the same norm, and nn.LSTM), printed as JSON lines and drawn
// as a log–log picture (ms per step against the step's multiply-add work) into docs/cost-curves.svg.
// `--quick`: H ∈ {32, 64}, T ∈ {25, 50}, batch 32 only. `--no-torch`: NormLab alone; `--torch-only`:
// PyTorch alone. `--max-gflop G`: only the shapes of at most G GFLOP a step (PyTorch's eager loop
// takes minutes a shape at the largest); `--min-gflop G`: only those over G (the rest of a grid measured
// in two sittings). `--from FILE`: draw the picture again from printed lines
// (no timing; PyTorch's lines appended to NormLab's draw both). Not a test.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { useNodeBackend } from '../electron/cli/node-backend'
import { timeTrainingStep, type BenchCase } from '../shared/engine/benchmark'
import { BENCH_NORMS } from '../shared/engine/bench-cases'
import { superscript } from '../renderer/src/charts/ticks'

const ROOT = process.cwd()
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const HS = quick ? [32, 64] : [32, 64, 128, 256]
const TS = quick ? [25, 50] : [25, 50, 100, 200]
const BATCHES = quick ? [32] : [8, 32, 128]
const D = 2 // the adding problem's inputs
const MAX_GFLOP = args.includes('--max-gflop') ? Number(args[args.indexOf('--max-gflop') + 1]) : Infinity
const MIN_GFLOP = args.includes('--min-gflop') ? Number(args[args.indexOf('--min-gflop') + 1]) : 0

/** FLOPs of one LSTM training step: the gate matMuls forward (2·T·B·(D + H)·4H) and twice that backward. */
const flopsOf = (H: number, T: number, B: number) => 3 * 2 * T * B * (D + H) * 4 * H

/** Steps to time: enough for a median, few where a step takes seconds. */
const stepsFor = (flops: number) => (flops > 5e9 ? 3 : flops > 5e8 ? 5 : 9)

interface Point {
  who: string
  norm: string
  H: number
  T: number
  batch: number
  gflop: number
  ms: number
}

/** The grid's shapes [H, T, batch], those over --max-gflop or not over --min-gflop left out. */
const shapes = (): [number, number, number][] =>
  HS.flatMap((H) => TS.flatMap((T) => BATCHES.map((b): [number, number, number] => [H, T, b]))).filter(
    ([H, T, b]) => flopsOf(H, T, b) / 1e9 <= MAX_GFLOP && flopsOf(H, T, b) / 1e9 > MIN_GFLOP,
  )

async function normlab(): Promise<Point[]> {
  await useNodeBackend('wasm')
  const out: Point[] = []
  for (const [H, T, batch] of shapes())
    for (const norm of BENCH_NORMS) {
      const c: BenchCase = { cell: 'lstm', hidden: H, T, batch, norm }
      const flops = flopsOf(H, T, batch)
      const ms = await timeTrainingStep(c, false, stepsFor(flops), () => performance.now())
      const p = { who: 'normlab-wasm', norm, H, T, batch, gflop: flops / 1e9, ms }
      out.push(p)
      console.log(JSON.stringify({ ...p, gflopPerS: Math.round((flops / 1e6 / ms) * 10) / 10 }))
    }
  return out
}

function pytorch(): Point[] {
  const anchor = join(ROOT, '..', 'shared', 'anchors', 'bench_torch.py')
  if (!existsSync(anchor)) return (process.stderr.write(`pytorch skipped: no ${anchor}\n`), [])
  // One process a shape, its lines printed as it ends: at the largest shapes PyTorch's eager loop
  // takes minutes each, and a run cut short keeps every shape it finished.
  return shapes().flatMap((shape) => {
    const run = spawnSync(
      '/usr/bin/python3',
      [join(ROOT, 'scripts', 'bench_torch_shapes.py'), anchor, '2', '3', `${shape.join(',')},${D}`],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    )
    if (run.status !== 0) return (process.stderr.write(`pytorch skipped ${shape}: ${run.stderr.slice(-400)}\n`), [])
    return run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { norm: string; H: number; T: number; N: number; ms_per_step_median: number })
      .map((r) => {
        const p = {
          who: r.norm === 'cudnn' ? 'torch-nn.LSTM' : 'torch-eager',
          norm: r.norm === 'cudnn' ? 'none' : r.norm,
          H: r.H,
          T: r.T,
          batch: r.N,
          gflop: flopsOf(r.H, r.T, r.N) / 1e9,
          ms: r.ms_per_step_median,
        }
        console.log(JSON.stringify({ ...p, gflopPerS: Math.round((flopsOf(r.H, r.T, r.N) / 1e6 / p.ms) * 10) / 10 }))
        return p
      })
  })
}

/** ms per step against GFLOP per step, log–log: one colour per engine, one mark per norm. */
function svg(points: Point[]): string {
  const W = 720
  const Hh = 460
  const m = { l: 64, r: 180, t: 24, b: 48 }
  const xs = points.map((p) => Math.log10(p.gflop))
  const ys = points.map((p) => Math.log10(p.ms))
  const [x0, x1] = [Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs))]
  const [y0, y1] = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys))]
  const X = (v: number) => m.l + ((Math.log10(v) - x0) / (x1 - x0)) * (W - m.l - m.r)
  const Y = (v: number) => Hh - m.b - ((Math.log10(v) - y0) / (y1 - y0)) * (Hh - m.t - m.b)
  const colour: Record<string, string> = {
    'normlab-wasm': '#1f77b4',
    'torch-eager': '#d62728',
    'torch-nn.LSTM': '#2ca02c',
  }
  const mark = (p: Point) => {
    const x = X(p.gflop).toFixed(1)
    const y = Y(p.ms).toFixed(1)
    const c = colour[p.who] ?? '#555'
    if (p.norm === 'bn_step')
      return `<rect x="${+x - 3}" y="${+y - 3}" width="6" height="6" fill="none" stroke="${c}"/>`
    if (p.norm === 'ln')
      return `<path d="M${x} ${+y - 4}L${+x + 4} ${+y + 3}L${+x - 4} ${+y + 3}Z" fill="none" stroke="${c}"/>`
    return `<circle cx="${x}" cy="${y}" r="3" fill="${c}" fill-opacity="0.7"/>`
  }
  const grid: string[] = []
  for (let e = x0; e <= x1; e++)
    grid.push(
      `<line x1="${X(10 ** e)}" x2="${X(10 ** e)}" y1="${m.t}" y2="${Hh - m.b}" stroke="#ddd"/><text x="${X(10 ** e)}" y="${Hh - m.b + 16}" text-anchor="middle">10${superscript(e)}</text>`,
    )
  for (let e = y0; e <= y1; e++)
    grid.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(10 ** e)}" y2="${Y(10 ** e)}" stroke="#ddd"/><text x="${m.l - 6}" y="${Y(10 ** e) + 4}" text-anchor="end">10${superscript(e)}</text>`,
    )
  // Lines of equal throughput: 1, 10 and 100 GFLOP/s, each labelled where it leaves the plot.
  for (const rate of [1, 10, 100]) {
    const a = 10 ** x0
    const b = Math.min(10 ** x1, (rate * 10 ** y1) / 1000)
    grid.push(
      `<line x1="${X(a)}" y1="${Y((a / rate) * 1000)}" x2="${X(b)}" y2="${Y((b / rate) * 1000)}" stroke="#999" stroke-dasharray="4 4"/><text x="${X(b) + 4}" y="${Y((b / rate) * 1000) + 12}" fill="#666">${rate} GFLOP/s</text>`,
    )
  }
  const legend = Object.entries(colour)
    .filter(([who]) => points.some((p) => p.who === who))
    .map(
      ([who, c], i) =>
        `<circle cx="${W - m.r + 24}" cy="${m.t + 230 + i * 18}" r="4" fill="${c}"/><text x="${W - m.r + 34}" y="${m.t + 234 + i * 18}">${who}</text>`,
    )
  // Below the throughput lines' labels (they leave the plot on its right edge, higher up).
  legend.push(`<text x="${W - m.r + 20}" y="${m.t + 300}">● no norm  □ BN per step  △ LN</text>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="11" style="background:#fff">
<defs><clipPath id="plot"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${Hh - m.t - m.b}"/></clipPath></defs>
${grid.join('\n')}
<g clip-path="url(#plot)">${points.map(mark).join('')}</g>
<text x="${(m.l + W - m.r) / 2}" y="${Hh - 8}" text-anchor="middle">GFLOP per training step (LSTM, 3 × the gate matMuls' 2·T·B·(D+H)·4H)</text>
<text transform="translate(14 ${(m.t + Hh - m.b) / 2}) rotate(-90)" text-anchor="middle">ms per training step (2 CPU cores)</text>
${legend.join('\n')}
</svg>
`
}

async function main(): Promise<void> {
  const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : undefined
  const points: Point[] = from
    ? readFileSync(from, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"who"'))
        .map((l) => JSON.parse(l) as Point)
    : args.includes('--torch-only')
      ? []
      : await normlab()
  if (!from && !args.includes('--no-torch')) points.push(...pytorch())
  const file = join(ROOT, 'docs', quick ? 'cost-curves-quick.svg' : 'cost-curves.svg')
  writeFileSync(file, svg(points))
  process.stderr.write(`wrote ${file}\n`)
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
