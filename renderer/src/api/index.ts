// The renderer picks its transport once: Electron's preload bridge when present, else HTTP.
import { ARCHIVE_PORT_MESSAGE, type NormLabBridge } from '../../../shared/contract'
import type { ArchiveRoute } from './archive-route'
import { createHttpBridge, takeToken } from './http-client'
import { validatedBridge } from './validated'

declare global {
  interface Window {
    normlab?: NormLabBridge
  }
}

export type Transport = 'ipc' | 'http'

function pick(): { api: NormLabBridge; transport: Transport; token: string | null } {
  if (window.normlab) return { api: window.normlab, transport: 'ipc', token: null }
  const token = takeToken(window.location, window.sessionStorage, window.history)
  return { api: createHttpBridge(token), transport: 'http', token }
}

const picked = pick()
export const api: NormLabBridge = validatedBridge(picked.api)
export const transport: Transport = picked.transport

/**
 * How a training worker reaches the archive without the page: in Electron a new port, its other
 * end posted to this window for the preload to hand to the main process (which serves the
 * contract on it); in web mode the same HTTP API and token as the page.
 */
export function archiveRouteForWorker(): { route: ArchiveRoute; transfer: Transferable[] } {
  if (picked.transport === 'http')
    return { route: { via: 'http', token: picked.token, base: window.location.origin }, transfer: [] }
  const channel = new MessageChannel()
  // Posted to this window only (the preload checks the source); '*' because a file or custom
  // scheme's origin may not be one postMessage accepts as a target.
  window.postMessage({ type: ARCHIVE_PORT_MESSAGE }, '*', [channel.port2])
  return { route: { via: 'port', port: channel.port1 }, transfer: [channel.port1] }
}
