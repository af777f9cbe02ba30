// The renderer picks its transport once: Electron's preload bridge when present, else HTTP.
import type { NormLabBridge } from '../../../shared/contract'
import { createHttpBridge, takeToken } from './http-client'
import { validatedBridge } from './validated'

declare global {
  interface Window {
    normlab?: NormLabBridge
  }
}

export type Transport = 'ipc' | 'http'

function pick(): { api: NormLabBridge; transport: Transport } {
  if (window.normlab) return { api: window.normlab, transport: 'ipc' }
  return { api: createHttpBridge(takeToken(window.location, window.sessionStorage, window.history)), transport: 'http' }
}

const picked = pick()
export const api: NormLabBridge = validatedBridge(picked.api)
export const transport: Transport = picked.transport
