import { describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  ARCHIVE_PORT_CHANNEL,
  ARCHIVE_PORT_MESSAGE,
  channelOf,
  eventChannelOf,
  requestNames,
  type NormLabBridge,
} from '../../../shared/contract'
import { createElectronMock } from './electron-mock'

const electron = createElectronMock()
vi.mock('electron', () => electron.module)
// The page's window, where the preload listens for the worker's port (Node has no window).
const windowListeners: ((event: { source: unknown; data: unknown; ports: unknown[] }) => void)[] = []
Object.assign(globalThis, {
  addEventListener: (_type: string, listener: (typeof windowListeners)[number]) => windowListeners.push(listener),
})
await import('../../../electron/preload/index')

const [[key, bridge]] = electron.module.contextBridge.exposeInMainWorld.mock.calls as [[string, NormLabBridge]]
const invoke = electron.module.ipcRenderer.invoke

describe('preload bridge', () => {
  it('exposes exactly the contract requests as named functions, plus onEvent', () => {
    expect(key).toBe('normlab')
    expect(Object.keys(bridge).sort()).toEqual([...requestNames, 'onEvent'].sort())
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function')
  })

  it('sends each request on the channel derived from its name and unwraps the result', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: [{ id: 1 }] })
    await expect(bridge.listRuns({})).resolves.toEqual([{ id: 1 }])
    expect(invoke).toHaveBeenLastCalledWith(channelOf('listRuns'), {})
  })

  it('turns an error envelope back into an ApiError', async () => {
    invoke.mockResolvedValueOnce({ ok: false, error: { code: 'not_found', message: 'run 5 does not exist' } })
    const error = await bridge.getRun({ id: 5 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'not_found', message: 'run 5 does not exist' })
  })

  it('forwards event payloads only, never the IPC event, and unsubscribes', () => {
    const listener = vi.fn()
    const off = bridge.onEvent('runsChanged', listener)
    const [channel, forward] = electron.module.ipcRenderer.on.mock.calls.at(-1) as [
      string,
      (e: unknown, p: unknown) => void,
    ]
    expect(channel).toBe(eventChannelOf('runsChanged'))
    forward({ sender: 'secret' }, { runIds: [1], change: 'created' })
    expect(listener).toHaveBeenCalledWith({ runIds: [1], change: 'created' })
    off()
    expect(electron.module.ipcRenderer.removeListener).toHaveBeenCalledWith(channel, forward)
    expect(() => bridge.onEvent('nope' as never, listener)).toThrow('Unknown event "nope"')
  })

  it('passes a port the page posts for its worker on to the main process, and nothing from another frame', () => {
    const postMessage = electron.module.ipcRenderer.postMessage
    const port = { name: 'port' }
    const post = (source: unknown, data: unknown) =>
      windowListeners.forEach((listener) => listener({ source, data, ports: [port] }))
    post({ frame: 'child' }, { type: ARCHIVE_PORT_MESSAGE })
    post(globalThis, { type: 'something else' })
    expect(postMessage).not.toHaveBeenCalled()
    post(globalThis, { type: ARCHIVE_PORT_MESSAGE })
    expect(postMessage).toHaveBeenCalledExactlyOnceWith(ARCHIVE_PORT_CHANNEL, null, [port])
  })
})
