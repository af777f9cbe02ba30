import { describe, expect, it, vi } from 'vitest'
import { ApiError, channelOf, eventChannelOf, requestNames, type NormLabBridge } from '../../../shared/contract'
import { createElectronMock } from './electron-mock'

const electron = createElectronMock()
vi.mock('electron', () => electron.module)
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
})
