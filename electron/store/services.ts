// Opens the archive and wires the contract's handlers to it: what every host (Electron main,
// `npm run serve`, the CLI) starts from.
import { clearLeftTempDirs } from './temp-folders'
import {
  createApi,
  createDispatch,
  createEventBus,
  type Dispatch,
  type EventBus,
  type Handlers,
} from '../../shared/contract'
import type { PdfPrinter } from '../report/generate'
import { reportService } from '../report/service'
import { APP_VERSION } from './app-version'
import { Archive } from './archive'
import { createHandlers } from './handlers'
import { shippedMigrationsDir } from './paths'
import { interruptLeftBehindRuns } from './run-leases'

export { APP_VERSION }

export interface Services {
  archive: Archive
  bus: EventBus
  handlers: Handlers
  dispatch: Dispatch
  close(): Promise<void>
}

export interface ServiceOptions {
  dbPath: string
  host: 'electron' | 'web' | 'cli'
  migrationsDir?: string
  /** May opening create the archive (or take over an empty file)? Read-only commands say no. Default: yes. */
  create?: boolean
  /** Long-lived hosts (the app, web mode) look for left-behind runs every this many ms, besides at open. */
  leaseSweepMs?: number
  appVersion?: string
  onInternalError?: (error: unknown) => void
  reveal?: (path: string) => void
  /** How this host prints PDFs (reports): headless Chromium (web mode, CLI), printToPDF (Electron); none: it cannot. */
  pdfPrinter?: PdfPrinter | null
}

export async function openServices(options: ServiceOptions): Promise<Services> {
  const archive = await Archive.open(options.dbPath, {
    migrations: options.migrationsDir ?? shippedMigrationsDir(),
    create: options.create ?? true,
  })
  // Any process that opens the archive ends runs whose trainer is gone; live ones keep running.
  await interruptLeftBehindRuns(archive)
  // And clears the temporary copies a killed process left behind.
  clearLeftTempDirs()
  const sweeper = options.leaseSweepMs
    ? setInterval(() => void interruptLeftBehindRuns(archive).catch(() => undefined), options.leaseSweepMs)
    : null
  sweeper?.unref()
  const bus = createEventBus()
  let dispatch: Dispatch | null = null
  const selfApi = () => createApi((name, payload) => dispatch!(name, payload))
  const madeBy = { electron: 'NormLab app', web: 'NormLab web mode', cli: 'NormLab CLI' }[options.host]
  const exportReport = reportService(archive, selfApi, { madeBy, printer: options.pdfPrinter ?? null })
  const handlers = createHandlers({
    archive,
    bus,
    host: options.host,
    appVersion: options.appVersion ?? APP_VERSION,
    exportReport,
    ...(options.reveal ? { reveal: options.reveal } : {}),
  })
  dispatch = createDispatch(handlers, options.onInternalError ?? ((e) => console.error('[normlab] internal error:', e)))
  return {
    archive,
    bus,
    handlers,
    dispatch,
    close: () => {
      if (sweeper) clearInterval(sweeper)
      return archive.close()
    },
  }
}
