import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ARCHIVE_PORT_CHANNEL, channelOf, eventChannelOf, requestNames, type Envelope } from '../../../shared/contract'
import { tempDir } from '../../helpers/temp'
import { createElectronMock, FakeBrowserWindow, FakeMainPort, FakeWebContents } from './electron-mock'

const electron = createElectronMock()
vi.mock('electron', () => electron.module)

const { registerIpc, trustedSender } = await import('../../../electron/main/ipc')
const { lockDownContents, secureWebPreferences } = await import('../../../electron/main/window')

const frame = (url: string, parent: unknown = null) => ({ url, parent }) as never

describe('window security', () => {
  it('isolates, sandboxes and denies Node to the renderer', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      webviewTag: false,
    })
  })

  it('prevents navigation, redirects and webviews, and denies new windows', () => {
    const contents = new FakeWebContents()
    lockDownContents(contents as never)
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() }
      contents.emit(event, e)
      expect(e.preventDefault, event).toHaveBeenCalledOnce()
    }
    expect(contents.openHandler!()).toEqual({ action: 'deny' })
  })
})

describe('IPC registration', () => {
  it('registers exactly one channel per contract request, named from the contract', () => {
    const handlers = new Map<string, unknown>()
    registerIpc({ handle: (c: string, l: unknown) => handlers.set(c, l) } as never, vi.fn(), () => true)
    expect([...handlers.keys()].sort()).toEqual(requestNames.map(channelOf).sort())
  })

  it('refuses requests from frames that are not our own top-level page, without dispatching', async () => {
    const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<Envelope>>()
    const dispatch = vi.fn(async () => ({ ok: true as const, value: [] }))
    const check = trustedSender(['file:///app/out/renderer/index.html'])
    registerIpc({ handle: (c: string, l: never) => handlers.set(c, l) } as never, dispatch, check)
    const listRuns = handlers.get(channelOf('listRuns'))!

    const foreign = await listRuns({ senderFrame: frame('https://evil.example/') }, {})
    expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const iframe = await listRuns({ senderFrame: frame('file:///app/out/renderer/index.html', {}) }, {})
    expect(iframe).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(await listRuns({ senderFrame: null }, {})).toMatchObject({ ok: false })
    expect(dispatch).not.toHaveBeenCalled()

    expect(await listRuns({ senderFrame: frame('file:///app/out/renderer/index.html') }, { filter: {} })).toEqual({
      ok: true,
      value: [],
    })
    expect(dispatch).toHaveBeenCalledWith('listRuns', { filter: {} })
  })
})

describe('the app:// protocol', () => {
  it('serves the built renderer with CSP and isolation headers, and nothing outside it', async () => {
    const { appProtocolHandler } = await import('../../../electron/main/protocol')
    const tmp = tempDir()
    const dir = tmp.file('renderer')
    mkdirSync(join(dir, 'assets'), { recursive: true })
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>NormLab</title>')
    writeFileSync(join(dir, 'assets', 'worker-1.js'), 'postMessage(1)')
    writeFileSync(tmp.file('secret.txt'), 'outside')
    const serve = appProtocolHandler(dir)
    const page = serve(new Request('app://normlab/index.html'))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(await page.text()).toMatch(/NormLab/)
    expect(serve(new Request('app://normlab/assets/worker-1.js')).headers.get('content-type')).toMatch(/javascript/)
    for (const url of [
      'app://normlab/../secret.txt',
      'app://normlab/%2e%2e/secret.txt',
      'app://normlab/nope.js',
      'app://elsewhere/index.html',
    ])
      expect(serve(new Request(url)).status, url).toBe(404)
    expect(serve(new Request('app://normlab/%E0%A4%A')).status).toBe(400)
    tmp.cleanup()
  })
})

describe('main process start-up', () => {
  const tmp = tempDir()
  const dbPath = tmp.file('app.sqlite')
  beforeAll(() => {
    process.env.NORMLAB_DB = dbPath
  })
  afterAll(async () => {
    await electron.appListeners.get('will-quit')?.()
    delete process.env.NORMLAB_DB
    tmp.cleanup()
  })

  it('opens the archive, serves the contract over IPC, and opens one locked-down window', async () => {
    await import('../../../electron/main/index')
    electron.fireReady()
    await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1), { timeout: 5000 })

    const window = FakeBrowserWindow.instances[0]!
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    })
    expect(String((window.options.webPreferences as { preload: string }).preload)).toMatch(/preload[\\/]index\.cjs$/)
    // The page comes from the app's own protocol, never file:// (checklist item 18).
    expect(window.loaded).toEqual({ url: 'app://normlab/index.html' })
    expect(electron.module.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ])
    expect(electron.protocolHandlers.has('app')).toBe(true)
    expect(electron.module.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled()
    expect(electron.module.session.defaultSession.setPermissionCheckHandler).toHaveBeenCalled()

    // A real request through the registered handler reaches the real SQLite archive.
    const page = frame('app://normlab/index.html')
    expect(
      await electron.handlers.get(channelOf('listRuns'))!(
        { senderFrame: frame('file:///app/out/renderer/index.html') },
        {},
      ),
    ).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const createRun = electron.handlers.get(channelOf('createRun'))!
    const created = (await createRun(
      { senderFrame: page },
      { name: 'via ipc', config: { task: 'adding', cell: 'lstm', norm: 'ln', batchSize: 4, seed: 0 } },
    )) as Envelope<{ id: number }>
    expect(created.ok).toBe(true)
    const env = (await electron.handlers.get(channelOf('getEnvironment'))!({ senderFrame: page }, {})) as Envelope<{
      archivePath: string
      host: string
      appVersion: string
    }>
    expect(env).toEqual({
      ok: true,
      value: expect.objectContaining({ archivePath: dbPath, host: 'electron', appVersion: '9.9.9-test' }),
    })
    // Only the Electron host can show the archive in the file manager.
    expect(await electron.handlers.get(channelOf('revealArchive'))!({ senderFrame: page }, {})).toEqual({
      ok: true,
      value: { revealed: true },
    })
    expect(electron.module.shell.showItemInFolder).toHaveBeenCalledWith(dbPath)
    // The training worker's port: served on the same archive when the page hands it over…
    const givePort = electron.listeners.get(ARCHIVE_PORT_CHANNEL)!
    const port = new FakeMainPort()
    givePort({ senderFrame: page, ports: [port] })
    expect(port.started).toBe(true)
    port.deliver({ id: 1, name: 'listRuns', payload: {} })
    await vi.waitFor(() => expect(port.posted).toHaveLength(1))
    expect(port.posted[0]).toEqual({
      id: 1,
      envelope: { ok: true, value: [expect.objectContaining({ name: 'via ipc' })] },
    })
    // …and closed unanswered when it comes from anywhere else, as are extra ports.
    const foreign = new FakeMainPort()
    givePort({ senderFrame: frame('https://evil.example/'), ports: [foreign] })
    foreign.deliver({ id: 1, name: 'listRuns', payload: {} })
    expect(foreign).toMatchObject({ started: false, closed: true, posted: [] })
    const extra = new FakeMainPort()
    givePort({ senderFrame: page, ports: [new FakeMainPort(), extra] })
    expect(extra.closed).toBe(true)
    // Writes are pushed to the window on the event channel.
    expect(window.webContents.sent).toContainEqual([
      eventChannelOf('runsChanged'),
      expect.objectContaining({ change: 'created' }),
    ])
  })
})
