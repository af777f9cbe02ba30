// `npm run bench`: per case, milliseconds per training step (median), kernels per time step
// (tf.profile: forward, backward and the optimizer, divided by T) and the cost of recording the
// per-timestep statistics every step, printed as JSON. Not a test. Node's wasm backend (the plain
// cpu backend only with --backend cpu), then PyTorch on the same CPU right after (the ratios;
// `--no-torch` skips it), then Chromium's webgl, webgpu and wasm (`--no-browser` skips it,
// `--browser-backends wasm,webgl` picks; on WebGPU, programsPerTimeStep counts dispatches).
import { useNodeBackend } from '../electron/cli/node-backend'
import {
  BENCH_CASES,
  benchLabel,
  kernelsPerTimeStep,
  timeRecordingPair,
  timeTrainingStep,
  withRecurrenceOp,
} from '../shared/engine/benchmark'
import { round, type BenchRow } from './bench-rows'
import { torchRatios, torchTimings } from './bench-torch'

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
  const steps = Number(flag('--steps')) || 7
  const backends = flag('--backend') ? [flag('--backend')!] : ['wasm']
  const only = flag('--only')
  const cases = BENCH_CASES.filter(
    (c) => !only || benchLabel(c).toLowerCase().includes(only.toLowerCase()) || c.norm === only,
  )
  const rows: BenchRow[] = []
  for (const backend of backends) {
    await useNodeBackend(backend)
    for (const c of cases) {
      // The cpu backend is slow: fewer steps there.
      const n = backend === 'cpu' ? Math.max(3, Math.floor(steps / 2)) : steps
      const { never, every, overhead } = await timeRecordingPair(c, n, () => performance.now())
      const kernels = await kernelsPerTimeStep(c, false)
      // Before: the step-by-step model on the same machine, in the same run.
      const before = args.includes('--no-before')
        ? null
        : await withRecurrenceOp(false, async () => ({
            ms: await timeTrainingStep(c, false, n, () => performance.now()),
            kernels: await kernelsPerTimeStep(c, false),
          }))
      rows.push({
        where: 'node',
        backend,
        model: benchLabel(c),
        norm: c.norm,
        msPerStep: round(never),
        msPerStepRecordingEveryStep: round(every),
        recordingOverheadPct: round((overhead / never) * 100),
        kernelsPerTimeStep: round(kernels),
        ...(before ? { stepByStep: { msPerStep: round(before.ms), kernelsPerTimeStep: round(before.kernels) } } : {}),
      })
      process.stderr.write(
        `${backend} ${benchLabel(c)} ${c.norm}: ${round(never)} ms, ${round(kernels)} kernels per time step${before ? ` (step by step: ${round(before.ms)} ms, ${round(before.kernels)})` : ''}\n`,
      )
    }
  }
  // PyTorch right after, on the same machine: the ratios the targets are stated in.
  let torch: ReturnType<typeof torchTimings> | null = null
  if (!args.includes('--no-torch') && backends.includes('wasm')) {
    torch = torchTimings(process.cwd(), [...new Set(cases.map(benchLabel))])
    if ('rows' in torch) {
      for (const r of rows)
        if (r.where === 'node') Object.assign(r, torchRatios(r.model, r.norm, r.msPerStep, torch.rows))
    } else process.stderr.write(`pytorch skipped: ${torch.skipped}\n`)
  }
  if (!args.includes('--no-browser')) {
    const { browserBench, BROWSER_BACKENDS } = await import('./bench-browser')
    const chosen = flag('--browser-backends')?.split(',') ?? [...BROWSER_BACKENDS]
    const unknown = chosen.filter((b) => !(BROWSER_BACKENDS as readonly string[]).includes(b))
    if (unknown.length)
      throw new Error(
        `--browser-backends: unknown ${unknown.join(', ')} (one or more of ${BROWSER_BACKENDS.join(', ')})`,
      )
    rows.push(...(await browserBench(steps, only, !args.includes('--no-before'), chosen)))
  }
  const bnFirst = rows.find(
    (r) => r.backend === 'wasm' && r.norm === 'bn_step' && String(r.model).startsWith('LSTM h64'),
  )
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: `${process.platform} ${process.arch}, node ${process.versions.node}`,
        stepsTimed: steps,
        targets: {
          bnLstmH64T50B32Ms: {
            target: 89,
            note: 'PyTorch eager on a 2-core machine like this one (../shared/anchors): rerun bench_torch.py here for the ratio',
            measuredWasm: bnFirst?.msPerStep ?? null,
          },
          kernelsPerTimeStep: { lstmWithNorm: 24, lstmWithoutNorm: 16 },
          cpuVsPytorch: {
            vsTorchEager: 0.25,
            vsTorchNnLstm: 1,
            note: 'BN- and LN-LSTM, node wasm rows: ms per step over PyTorch eager (same norm) and over nn.LSTM, same machine, back to back',
          },
          webgpuDispatchesPerTimeStep: { target: 3 },
          recordingOverheadPct: { target: 5 },
        },
        results: rows,
        pytorch: torch === null ? null : 'rows' in torch ? torch.rows : { skipped: torch.skipped },
      },
      null,
      2,
    ),
  )
}

void main()
