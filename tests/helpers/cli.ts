// The CLI in-process, as a terminal would see it: its exit code and what it printed.
import { runCli } from '../../electron/cli/run-cli'

export async function cli(
  argv: readonly string[],
  interrupted: () => boolean = () => false,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, interrupted)
  return { code, out: out.join('\n'), err: err.join('\n') }
}
