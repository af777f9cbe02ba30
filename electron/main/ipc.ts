// Registers every request of the contract on ipcMain. Channel names come from channelOf(name);
// a request from any frame other than our own top-level page is refused.
import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron'
import { ApiError, channelOf, requestNames, type Dispatch, type Envelope } from '../../shared/contract'

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
