// A stand-in for the `electron` module: its binary cannot run here, and the shell is kept thin
// enough that what is left to test is which calls it makes.
import { vi } from 'vitest'

type Listener = (...args: unknown[]) => unknown

export class FakeWebContents {
  listeners = new Map<string, Listener[]>()
  session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() }
  executeJavaScript = vi.fn(async () => true)
  printToPDF = vi.fn(async () => Buffer.from('%PDF-1.7'))
  openHandler: (() => { action: string }) | null = null
  sent: [string, unknown][] = []
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }
  setWindowOpenHandler(handler: () => { action: string }) {
    this.openHandler = handler
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload])
  }
  emit(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) l(...args)
  }
}

export class FakeBrowserWindow {
  static instances: FakeBrowserWindow[] = []
  static getAllWindows() {
    return FakeBrowserWindow.instances
  }
  webContents = new FakeWebContents()
  loaded: { file?: string; url?: string } = {}
  constructor(readonly options: Record<string, unknown>) {
    FakeBrowserWindow.instances.push(this)
  }
  once() {
    return this
  }
  show() {}
  loadFile(file: string) {
    this.loaded.file = file
    return Promise.resolve()
  }
  loadURL(url: string) {
    this.loaded.url = url
    return Promise.resolve()
  }
  destroyed = false
  destroy() {
    this.destroyed = true
  }
}

/** Electron's MessagePortMain as main sees a port the page handed over: what it posts, whether it started or closed. */
export class FakeMainPort {
  private listeners: ((event: { data: unknown }) => void)[] = []
  posted: unknown[] = []
  started = false
  closed = false
  on(_event: 'message', listener: (event: { data: unknown }) => void) {
    this.listeners.push(listener)
    return this
  }
  postMessage(message: unknown) {
    this.posted.push(message)
  }
  start() {
    this.started = true
  }
  close() {
    this.closed = true
  }
  deliver(data: unknown) {
    for (const listener of this.listeners) listener({ data })
  }
}

export function createElectronMock() {
  const handlers = new Map<string, Listener>()
  const listeners = new Map<string, Listener>()
  const appListeners = new Map<string, Listener>()
  const protocolHandlers = new Map<string, Listener>()
  let resolveReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))
  return {
    handlers,
    listeners,
    appListeners,
    protocolHandlers,
    fireReady: () => resolveReady(),
    module: {
      app: {
        isPackaged: false,
        getVersion: () => '9.9.9-test',
        whenReady: () => ready,
        on: (event: string, listener: Listener) => appListeners.set(event, listener),
        quit: vi.fn(),
      },
      BrowserWindow: FakeBrowserWindow,
      dialog: { showErrorBox: vi.fn() },
      shell: { showItemInFolder: vi.fn() },
      ipcMain: {
        handle: (channel: string, listener: Listener) => handlers.set(channel, listener),
        removeHandler: (channel: string) => handlers.delete(channel),
        on: (channel: string, listener: Listener) => listeners.set(channel, listener),
        removeListener: (channel: string) => listeners.delete(channel),
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: vi.fn(),
          setPermissionCheckHandler: vi.fn(),
          webRequest: { onHeadersReceived: vi.fn() },
        },
      },
      protocol: {
        registerSchemesAsPrivileged: vi.fn(),
        handle: vi.fn((scheme: string, handler: Listener) => protocolHandlers.set(scheme, handler)),
      },
      contextBridge: { exposeInMainWorld: vi.fn() },
      ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn(), postMessage: vi.fn() },
    },
  }
}
