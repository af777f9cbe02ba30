// The Electron main process: opens the archive, registers the contract on IPC, opens one
// locked-down window. Everything else lives in electron/store and shared/.
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventChannelOf } from '../../shared/contract'
import { CONTENT_SECURITY_POLICY } from '../../shared/security/csp'
import { defaultArchivePath, openServices, type Services } from '../store'
import { registerArchivePorts, registerIpc, trustedSender } from './ipc'
import { electronPrinter } from './pdf'
import { APP_ORIGIN, APP_SCHEME, APP_URL, appProtocolHandler, registerAppScheme } from './protocol'
import { createMainWindow, lockDownContents } from './window'

const here = fileURLToPath(new URL('.', import.meta.url))
const rendererDir = join(here, '../renderer')
const preloadPath = join(here, '../preload/index.cjs')
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null

let services: Services | undefined

// Before ready: the page's own origin, app://normlab (protocol.ts).
registerAppScheme(protocol)

async function start(): Promise<void> {
  try {
    services = await openServices({
      dbPath: defaultArchivePath(),
      host: 'electron',
      leaseSweepMs: 15_000,
      appVersion: app.getVersion(),
      reveal: (path) => shell.showItemInFolder(path),
      pdfPrinter: electronPrinter(BrowserWindow),
    })
  } catch (error) {
    dialog.showErrorBox('NormLab cannot open its archive', (error as Error).message)
    app.quit()
    return
  }

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir))
  if (devServerUrl) {
    // The dev server's pages get the CSP as a header too (the built page carries it itself).
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
      })
    })
  }

  const allowed = [`${APP_ORIGIN}/`, ...(devServerUrl ? [devServerUrl] : [])]
  registerIpc(ipcMain, services.dispatch, trustedSender(allowed))
  registerArchivePorts(ipcMain, services.dispatch, trustedSender(allowed))
  services.bus.subscribe((name, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(eventChannelOf(name), payload)
  })

  createMainWindow(BrowserWindow, { preloadPath, rendererUrl: devServerUrl ?? APP_URL })
}

app.on('web-contents-created', (_event, contents) => lockDownContents(contents))
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
app.on('activate', () => {
  if (services && BrowserWindow.getAllWindows().length === 0)
    createMainWindow(BrowserWindow, { preloadPath, rendererUrl: devServerUrl ?? APP_URL })
})
app.on('will-quit', () => {
  void services?.close()
})

void app.whenReady().then(start)
