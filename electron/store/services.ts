// Opens the archive and wires the contract's handlers to it: what every host (Electron main,
// `npm run serve`, the CLI) starts from.
import { createDispatch, createEventBus, type Dispatch, type EventBus, type Handlers } from '../../shared/contract'
import pkg from '../../package.json'
import { Archive } from './archive'
import { createHandlers } from './handlers'
import { shippedMigrationsDir } from './paths'

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
  /** Only an app start (Electron or web mode) may conclude that "running" runs were interrupted. */
  markInterrupted?: boolean
  appVersion?: string
  onInternalError?: (error: unknown) => void
  reveal?: (path: string) => void
}

/**
 * At an app start, runs left "running" by an app that stopped without ending them cannot still be
 * training: they end as interrupted.
 */
async function markLeftoverRunsInterrupted(archive: Archive): Promise<number[]> {
  return archive.runs.markInterrupted(await archive.runs.idsWithStatus('running'), 'the app stopped while this run was training')
}

export async function openServices(options: ServiceOptions): Promise<Services> {
  const archive = await Archive.open(options.dbPath, { migrations: options.migrationsDir ?? shippedMigrationsDir() })
  if (options.markInterrupted) await markLeftoverRunsInterrupted(archive)
  const bus = createEventBus()
  const handlers = createHandlers({ archive, bus, host: options.host, appVersion: options.appVersion ?? APP_VERSION, ...(options.reveal ? { reveal: options.reveal } : {}) })
  const dispatch = createDispatch(handlers, options.onInternalError ?? ((e) => console.error('[normlab] internal error:', e)))
  return { archive, bus, handlers, dispatch, close: () => archive.close() }
}
