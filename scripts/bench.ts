// `npm run bench`: milliseconds per training step (median), printed as JSON. Not a test.
// Node backends (wasm, cpu), then Chromium's webgl and wasm (`--no-browser` skips Chromium).
import { useNodeBackend } from '../electron/cli/node-backend'
import { BENCH_CASES, benchLabel, timeTrainingStep } from '../shared/engine/benchmark'
import { round, type BenchRow } from './bench-rows'

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const steps = Number(args[args.indexOf('--steps') + 1]) || 7
  const backends = args.includes('--backend') ? [args[args.indexOf('--backend') + 1]!] : ['wasm', 'cpu']
  const rows: BenchRow[] = []
  for (const backend of backends) {
    await useNodeBackend(backend)
    for (const c of BENCH_CASES) {
      // The cpu backend is slow: fewer steps there.
      const n = backend === 'cpu' ? Math.max(3, Math.floor(steps / 2)) : steps
      const never = await timeTrainingStep(c, false, n, () => performance.now())
      const every = await timeTrainingStep(c, true, n, () => performance.now())
      rows.push({ where: 'node', backend, model: benchLabel(c), norm: c.norm, msPerStep: round(never), msPerStepRecordingEveryStep: round(every), recordingOverheadPct: round(((every - never) / never) * 100) })
      process.stderr.write(`${backend} ${c.norm} h${c.hidden}: ${round(never)} ms\n`)
    }
  }
  if (!args.includes('--no-browser')) {
    const { browserBench } = await import('./bench-browser')
    rows.push(...(await browserBench(steps)))
  }
  const bnFirst = rows.find((r) => r.backend === 'wasm' && r.norm === 'bn_step' && String(r.model).startsWith('LSTM h64'))
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: `${process.platform} ${process.arch}, node ${process.versions.node}`,
        stepsTimed: steps,
        targets: {
          bnLstmH64T50B32Ms: { target: 90, note: 'PyTorch eager on this machine with 2 threads', measuredWasm: bnFirst?.msPerStep ?? null },
          recordingOverheadPct: { target: 5 },
        },
        results: rows,
      },
      null,
      2,
    ),
  )
}

void main()
