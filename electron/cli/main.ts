import { runCli } from './run-cli'

// The first Ctrl-C asks the running command to stop at the next step and keep what it wrote;
// a second one ends the process at once.
let interrupted = false
process.on('SIGINT', () => {
  if (interrupted) process.exit(130)
  interrupted = true
  process.stderr.write('\nStopping after this step (Ctrl-C again to quit at once)…\n')
})

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
