// The preload: exposes exactly the contract's requests as named functions, plus onEvent.
// No generic invoke and no ipcRenderer leave this file.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
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
