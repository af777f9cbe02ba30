// `npm run serve [-- --port N --db PATH --no-build]`: web mode on 127.0.0.1.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isInMemoryPath } from '../store/paths'
import { defaultArchivePath, openServices } from '../store'
import { ensureReportBuilt } from '../report/build'
import { chromiumPrinter } from '../report/chromium-printer'
import { buildIfNeeded } from './build-if-needed'
import { createWebServer } from './http'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const USAGE = 'Usage: npm run serve -- [--port N] [--db PATH] [--no-build]'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5317' },
      db: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a whole number from 0 to 65535, got "${values.port}"`)
  const dbPath = values.db ?? defaultArchivePath()
  if (isInMemoryPath(dbPath))
    throw new Error(
      `--db ${dbPath} is an in-memory SQLite database: nothing would be kept when the server stops. Give a file path.`,
    )

  if (!values['no-build']) {
    buildIfNeeded(ROOT, (line) => console.error(line))
    ensureReportBuilt((line) => console.error(line), ROOT)
  }
  const services = await openServices({ dbPath, host: 'web', leaseSweepMs: 15_000, pdfPrinter: chromiumPrinter })
  const web = createWebServer({
    dispatch: services.dispatch,
    bus: services.bus,
    staticDir: join(ROOT, 'out', 'renderer'),
  })
  const url = await web.listen(port)
  console.log(`NormLab web mode, archive ${dbPath}`)
  console.log(`Open ${url}`)

  const stop = async () => {
    await web.close()
    await services.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((error: unknown) => {
  console.error(`normlab serve: ${(error as Error).message}`)
  console.error(USAGE)
  process.exit(1)
})
