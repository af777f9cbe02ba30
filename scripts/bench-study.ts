// Study throughput (prints JSON; not a test): the bnVsLn preset trained by `lab sweep` with
// --jobs 1 and --jobs N (default: the machine's cores) into fresh archives, back to back, as
// runs per hour — what a user waits for is a study, not a step. `--rounds R` repeats the pair
// (default 2), `--jobs N` picks N, `--preset ID` another preset.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2)
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const preset = flag('--preset') ?? 'bnVsLn'
const jobs = Number(flag('--jobs')) || availableParallelism()
const rounds = Number(flag('--rounds')) || 2

/** One sweep into a fresh archive: its wall time and how many runs it completed. */
function sweep(n: number): { seconds: number; runs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'normlab-bench-study-'))
  try {
    const started = performance.now()
    const out = spawnSync(
      process.execPath,
      [
        join('scripts', 'run-bundled.mjs'),
        join('electron', 'cli', 'main.ts'),
        'sweep',
        '--preset',
        preset,
        '--jobs',
        String(n),
        '--db',
        join(dir, 'bench.sqlite'),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    )
    const seconds = (performance.now() - started) / 1000
    if (out.status !== 0) throw new Error(`lab sweep --jobs ${n} exited ${out.status}: ${out.stderr.slice(-2000)}`)
    // The command's last summary ("12 completed, 1 diverged"): runs trained to their end.
    const summary =
      out.stdout
        .split('\n')
        .filter((l) => /\d+ (completed|diverged)/.test(l))
        .pop() ?? ''
    const runs = [...summary.matchAll(/(\d+) (completed|diverged)/g)].reduce((a, m) => a + Number(m[1]), 0)
    if (runs === 0) throw new Error(`lab sweep --jobs ${n} trained no run:\n${out.stdout.slice(-2000)}`)
    return { seconds, runs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const rows: { jobs: number; seconds: number; runs: number; runsPerHour: number }[] = []
for (let r = 0; r < rounds; r++)
  for (const n of [1, jobs]) {
    const { seconds, runs } = sweep(n)
    rows.push({
      jobs: n,
      seconds: Math.round(seconds * 10) / 10,
      runs,
      runsPerHour: Math.round((runs / seconds) * 3600),
    })
    process.stderr.write(`--jobs ${n}: ${runs} runs in ${seconds.toFixed(1)} s\n`)
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const perHour = (n: number) => median(rows.filter((r) => r.jobs === n).map((r) => r.runsPerHour))
console.log(
  JSON.stringify(
    { preset, cores: availableParallelism(), rows, speedup: Math.round((perHour(jobs) / perHour(1)) * 100) / 100 },
    null,
    2,
  ),
)
