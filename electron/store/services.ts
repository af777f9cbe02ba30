// Opens the archive and wires the contract's handlers to it: what every host (Electron main,
// `npm run serve`, the CLI) starts from.
import { createDispatch, createEventBus, type Dispatch, type EventBus, type Handlers } from '../../shared/contract'
import pkg from '../../package.json'
import { Archive } from './archive'
import { createHandlers } from './handlers'
import { shippedMigrationsDir } from './paths'
import { interruptLeftBehindRuns } from './run-leases'

export const APP_VERSION: string = pkg.version

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
}

export async function openServices(options: ServiceOptions): Promise<Services> {
  const archive = await Archive.open(options.dbPath, { migrations: options.migrationsDir ?? shippedMigrationsDir(), create: options.create ?? true })
  // Any process that opens the archive ends runs whose trainer is gone; live ones keep running.
  await interruptLeftBehindRuns(archive)
  const sweeper = options.leaseSweepMs ? setInterval(() => void interruptLeftBehindRuns(archive).catch(() => undefined), options.leaseSweepMs) : null
  sweeper?.unref()
  const bus = createEventBus()
  const handlers = createHandlers({ archive, bus, host: options.host, appVersion: options.appVersion ?? APP_VERSION, ...(options.reveal ? { reveal: options.reveal } : {}) })
  const dispatch = createDispatch(handlers, options.onInternalError ?? ((e) => console.error('[normlab] internal error:', e)))
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
