// The preload: exposes exactly the contract's requests as named functions, plus onEvent, and
// passes a port the page posts for its training worker on to the main process (the worker's
// records then reach the archive without the page). No generic invoke and no ipcRenderer leave this file.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  ARCHIVE_PORT_CHANNEL,
  ARCHIVE_PORT_MESSAGE,
  channelOf,
  createApi,
  eventChannelOf,
  isEventName,
  type Envelope,
  type NormLabBridge,
} from '../../shared/contract'

const api = createApi((name, payload) => ipcRenderer.invoke(channelOf(name), payload) as Promise<Envelope>)

const bridge = {
  ...api,
  onEvent(name, listener) {
    if (!isEventName(name)) throw new Error(`Unknown event "${String(name)}"`)
    const channel = eventChannelOf(name)
    // The renderer gets the payload only, never the IPC event (which would expose the sender).
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload as Parameters<typeof listener>[0])
    ipcRenderer.on(channel, forward)
    return () => {
      ipcRenderer.removeListener(channel, forward)
    }
  },
} satisfies NormLabBridge

contextBridge.exposeInMainWorld('normlab', bridge)

/** The page's window, as much of it as this file uses (electron/ is compiled without the DOM's types). */
interface PageWindow {
  addEventListener(
    type: 'message',
    listener: (event: { source: unknown; data: unknown; ports: Parameters<typeof ipcRenderer.postMessage>[2] }) => void,
  ): void
}
const page = globalThis as unknown as PageWindow

// Only this window's own messages: a frame inside it posting a port is not the page.
page.addEventListener('message', (event) => {
  if (event.source !== page || (event.data as { type?: unknown } | null)?.type !== ARCHIVE_PORT_MESSAGE) return
  const [port] = event.ports ?? []
  if (port) ipcRenderer.postMessage(ARCHIVE_PORT_CHANNEL, null, [port])
})
