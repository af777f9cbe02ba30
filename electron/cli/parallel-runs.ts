// `sweep --jobs N`: a study's runs train N at a time in N processes of their own, each given
// every run (`lab resume --runs … --claim`: one run after another, single-threaded, on the same
// archive; one start-up and numerics gate per process, not per run) and taking the next that no
// process has started — the archive's lease decides, atomically — so a process whose runs were
// quick takes more, and none idles while another still has a queue. A run trained this way is the run
// trained alone — the same process, the same code, the same numbers — and every write goes through
// the archive's own locking, as when the app and the CLI share an archive. Stopping stops every
// child (each keeps a checkpoint and ends "interrupted"); runs not started stay resumable.
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NormLabApi } from '../../shared/contract'
import type { QueuedRun, RunOutcome } from '../../shared/lab/run-lifecycle'
import { sleep } from '../../shared/timers'
import type { CommandContext } from './command'

const LAB_HOME = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** What a child prints that the parent passes on: each run's start and end (its gate and progress stay its own). */
const PASSED_ON = /^(Run \d+|Error|Warning)/

export interface ParallelOptions {
  jobs: number
  dbPath: string
  backend: string
  data?: string
}

/** Trains the queued runs `jobs` at a time in child processes; returns each run's outcome, as recorded in the archive. */
export async function trainInProcesses(
  ctx: CommandContext,
  api: NormLabApi,
  runs: readonly QueuedRun[],
  options: ParallelOptions,
): Promise<RunOutcome[]> {
  const children = new Set<ChildProcess>()
  let stopping = false
  const watch = (async () => {
    while (!stopping) {
      if (ctx.interrupted()) {
        stopping = true
        for (const child of children) child.kill('SIGTERM')
      }
      await sleep(100)
    }
  })()
  const jobs = Math.min(options.jobs, runs.length)
  // Each process goes through the runs from its own place (job k from run k), so the first runs
  // are not fought over; the lease still decides every one.
  const orderFor = (job: number) => [...runs.slice(job - 1), ...runs.slice(0, job - 1)]
  const worker = async (job: number) => {
    if (stopping) return
    const args = [
      join(LAB_HOME, 'scripts/run-bundled.mjs'),
      'electron/cli/main.ts',
      'resume',
      '--runs',
      orderFor(job)
        .map((r) => r.runId)
        .join(','),
      '--claim',
      '--db',
      options.dbPath,
      '--backend',
      options.backend,
      ...(options.data ? ['--data', options.data] : []),
    ]
    await new Promise<void>((done) => {
      const child = spawn(process.execPath, args, { cwd: LAB_HOME, stdio: ['ignore', 'pipe', 'pipe'] })
      children.add(child)
      const relay = (stream: NodeJS.ReadableStream, err: boolean) => {
        let buffered = ''
        stream.on('data', (d: Buffer) => {
          buffered += d.toString()
          const lines = buffered.split('\n')
          buffered = lines.pop() ?? ''
          for (const line of lines)
            if (err ? line.trim() !== '' && !/Created the archive|\r/.test(line) : PASSED_ON.test(line))
              (err ? ctx.io.err : ctx.io.out)(`[job ${job}] ${line}`)
        })
      }
      relay(child.stdout!, false)
      relay(child.stderr!, true)
      child.once('close', () => {
        children.delete(child)
        done()
      })
    })
  }
  await Promise.all(Array.from({ length: jobs }, (_, i) => worker(i + 1)))
  stopping = true
  await watch
  const outcomes: RunOutcome[] = []
  for (const run of runs) {
    const r = await api.getRun({ id: run.runId })
    if (r.status === 'queued') {
      // No process started it: the user stopped the study, or every process ended before its turn.
      const error = ctx.interrupted()
        ? 'stopped before it started'
        : 'no process trained it (each ended before its turn)'
      await api.updateRun({ id: run.runId, status: 'interrupted', error })
      outcomes.push({ runId: run.runId, status: 'interrupted', steps: 0, error, finalLoss: null })
      continue
    }
    outcomes.push({
      runId: r.id,
      status: r.status,
      steps: r.status === 'completed' ? (r.config.steps as number) : 0,
      error: r.error,
      finalLoss: null,
    })
  }
  return outcomes
}
