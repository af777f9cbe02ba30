// Registers every request of the contract on ipcMain. Channel names come from channelOf(name);
// a request from any frame other than our own top-level page is refused.
import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron'
import {
  ApiError,
  ARCHIVE_PORT_CHANNEL,
  channelOf,
  requestNames,
  servePort,
  type Dispatch,
  type Envelope,
} from '../../shared/contract'

export type SenderCheck = (frame: WebFrameMain | null) => boolean

/** Trusts only a top-level frame whose URL is the app's own page (file URL or dev server). */
export function trustedSender(allowedUrlPrefixes: readonly string[]): SenderCheck {
  return (frame) =>
    frame !== null && frame.parent === null && allowedUrlPrefixes.some((prefix) => frame.url.startsWith(prefix))
}

export function registerIpc(ipcMain: IpcMain, dispatch: Dispatch, isTrusted: SenderCheck): () => void {
  for (const name of requestNames) {
    ipcMain.handle(channelOf(name), async (event: IpcMainInvokeEvent, payload: unknown): Promise<Envelope> => {
      if (!isTrusted(event.senderFrame)) {
        return {
          ok: false,
          error: new ApiError(
            'unauthorized',
            `Refused ${name}: the request did not come from NormLab's own page`,
          ).toBody(),
        }
      }
      return dispatch(name, payload)
    })
  }
  return () => {
    for (const name of requestNames) ipcMain.removeHandler(channelOf(name))
  }
}

/** Electron's end of a transferred port (MessagePortMain), as much of it as serving needs. */
interface MainPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  postMessage(message: unknown): void
  start(): void
  close(): void
}

/**
 * Serves the contract on ports the page hands over (through the preload) for its training
 * worker: the worker's records reach the archive without passing through the page. A port from
 * any frame other than our own top-level page is closed unanswered.
 */
export function registerArchivePorts(ipcMain: IpcMain, dispatch: Dispatch, isTrusted: SenderCheck): () => void {
  const listener = (event: { senderFrame: WebFrameMain | null; ports: MainPort[] }) => {
    const [port, ...extra] = event.ports
    for (const other of extra) other.close()
    if (!port) return
    if (!isTrusted(event.senderFrame)) return port.close()
    servePort(
      {
        post: (message) => port.postMessage(message),
        listen: (receive) => port.on('message', (e) => receive(e.data)),
      },
      dispatch,
    )
    port.start()
  }
  ipcMain.on(ARCHIVE_PORT_CHANNEL, listener as never)
  return () => ipcMain.removeListener(ARCHIVE_PORT_CHANNEL, listener as never)
}
