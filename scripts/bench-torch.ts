// PyTorch's timings of the same models on the same machine, run right after NormLab's (the
// anchors' script, ../shared/anchors/bench_torch.py), so `npm run bench` prints the ratios itself:
// per-step BN and LN written as a researcher would (the eager per-step loop) and nn.LSTM (no norm;
// oneDNN on a CPU) as the ceiling. Skipped, saying why, where Python has no torch.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface TorchRow {
  config: string
  norm: 'cudnn' | 'none' | 'bn_step' | 'ln'
  H: number
  T: number
  N: number
  ms_per_step_median: number
}

/** The anchors' configurations that are also NormLab bench cases, by NormLab's label. */
export const TORCH_CONFIGS: Record<string, string> = {
  'LSTM h64 T50 b32': 'probe-lstm64-T50-b32',
  'LSTM h128 T100 b64': 'adding-lstm128-T100-b64',
}

/** The first Python that imports torch (Debian's python3-torch is /usr/bin/python3's). */
function pythonWithTorch(): string | null {
  for (const python of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python
  }
  return null
}

/** Runs the anchors' script on the CPU with `threads` threads for the given NormLab models; null (and why) when it cannot. */
export function torchTimings(root: string, models: string[], threads = 2): { rows: TorchRow[] } | { skipped: string } {
  const script = join(root, '..', 'shared', 'anchors', 'bench_torch.py')
  if (!existsSync(script)) return { skipped: `no ${script}` }
  const python = pythonWithTorch()
  if (!python) return { skipped: 'no Python with torch (apt-get install -y python3-torch)' }
  const rows: TorchRow[] = []
  for (const model of models) {
    const config = TORCH_CONFIGS[model]
    if (!config) continue
    process.stderr.write(`pytorch ${config} (cpu, ${threads} threads)…\n`)
    const run = spawnSync(python, [script, 'cpu', String(threads), config], { encoding: 'utf8', maxBuffer: 1 << 24 })
    if (run.status !== 0) return { skipped: `bench_torch.py failed: ${run.stderr.slice(-500)}` }
    for (const line of run.stdout.split('\n').filter((l) => l.startsWith('{'))) rows.push(JSON.parse(line) as TorchRow)
  }
  return { rows }
}

/** NormLab's ms per step over PyTorch's, for one model and norm: the eager loop with the same norm, and nn.LSTM. */
export function torchRatios(
  model: string,
  norm: string,
  ms: number,
  rows: TorchRow[],
): { vsTorchEager: number | null; vsTorchNnLstm: number | null } {
  const config = TORCH_CONFIGS[model]
  const of = (n: string) => rows.find((r) => r.config === config && r.norm === n)?.ms_per_step_median
  const eager = of(norm)
  const fused = of('cudnn')
  const ratio = (x: number | undefined) => (x ? Math.round((ms / x) * 100) / 100 : null)
  return { vsTorchEager: ratio(eager), vsTorchNnLstm: ratio(fused) }
}
