import { runCli } from './run-cli'

// Ctrl-C (SIGINT), SIGTERM (a scheduler ending the job) and SIGHUP (the terminal closed) all
// ask the running command to stop at the next step, write what it has, and end the run as
// "interrupted"; a second signal ends the process at once.
let interrupted = false
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(code)
    interrupted = true
    process.stderr.write(`\n${signal}: stopping after this step and keeping what was written (again to quit at once)…\n`)
  })
}

const tty = process.stderr.isTTY
let lastPlain = 0
runCli(
  process.argv.slice(2),
  {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: (line, done) => {
      if (tty) process.stderr.write(done ? '\r\x1b[K' : `\r\x1b[K${line}`)
      // Logs get a line every 5 s instead of a redrawn bar.
      else if (line && Date.now() - lastPlain > 5000) {
        lastPlain = Date.now()
        process.stderr.write(`${line}\n`)
      }
    },
  },
  () => interrupted,
).then((code) => {
  process.exitCode = process.exitCode || code
})
