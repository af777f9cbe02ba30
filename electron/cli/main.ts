import { SqliteDb } from '../store/sqlite'
import { runCli } from './run-cli'
import { BLOCKED_WRITES } from './train-commands'

// Fault injection for the tests (tests/unit/cli/full-disk.test.ts), never set in use: a disk that
// fills after N bytes, and a short wait on writes the archive refuses.
const diskBytes = process.env.NORMLAB_TEST_DISK_BYTES
if (diskBytes !== undefined) SqliteDb.diskFaults = { bytesLeft: Number(diskBytes) }
const blockedMs = process.env.NORMLAB_TEST_BLOCKED_MS
if (blockedMs !== undefined)
  Object.assign(BLOCKED_WRITES, { retryEveryMs: Number(blockedMs) / 5, giveUpAfterMs: Number(blockedMs) })

// Ctrl-C (SIGINT), SIGTERM (a scheduler ending the job), SIGUSR1 (its warning before a time limit)
// and SIGHUP (the terminal closed) all ask the running command to stop at the next step, keep a
// checkpoint, write what it has, and end the run as "interrupted" (`lab resume` goes on from it);
// a second signal ends the process at once. Either way the exit code is the shell's convention for
// death by that signal, 128 + its number (130, 143, 138, 129), so Slurm and GNU parallel record
// the job as stopped, not as a success.
let signalled: number | null = null
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
  // What a Slurm job is sent before its time limit (run.sh: --signal=B:USR1@90): keep a checkpoint, stop, be requeued.
  ['SIGUSR1', 138],
] as const) {
  process.on(signal, () => {
    if (signalled !== null) process.exit(code)
    signalled = code
    process.stderr.write(
      `\n${signal}: stopping after this step and keeping what was written (again to quit at once)…\n`,
    )
  })
}
const interrupted = () => signalled !== null

// A closed pipe (`lab runs list | head -1`) is the reader being done, not an error: stop writing
// there and finish normally, so the archive is closed as always (a crash on EPIPE left -wal/-shm
// files beside a damaged archive, and exit code 1).
const closedPipes = new Set<NodeJS.WriteStream>()
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    closedPipes.add(stream)
  })
const write = (stream: NodeJS.WriteStream, text: string) => {
  if (!closedPipes.has(stream)) stream.write(text)
}

const tty = process.stderr.isTTY
let lastPlain = 0
runCli(
  process.argv.slice(2),
  {
    out: (line) => write(process.stdout, `${line}\n`),
    err: (line) => write(process.stderr, `${line}\n`),
    progress: (line, done) => {
      if (tty) write(process.stderr, done ? '\r\x1b[K' : `\r\x1b[K${line}`)
      // Logs get a line every 5 s instead of a redrawn bar.
      else if (line && Date.now() - lastPlain > 5000) {
        lastPlain = Date.now()
        write(process.stderr, `${line}\n`)
      }
    },
  },
  interrupted,
).then((code) => {
  process.exitCode = signalled ?? (process.exitCode || code)
})
