// The Electron main process: opens the archive, registers the contract on IPC, opens one
// locked-down window. Everything else lives in electron/store and shared/.
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { eventChannelOf } from '../../shared/contract'
import { CONTENT_SECURITY_POLICY } from '../../shared/security/csp'
import { defaultArchivePath, openServices, type Services } from '../store'
import { registerIpc, trustedSender } from './ipc'
import { createMainWindow, lockDownContents } from './window'

const here = fileURLToPath(new URL('.', import.meta.url))
const rendererFile = join(here, '../renderer/index.html')
const preloadPath = join(here, '../preload/index.cjs')
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null

let services: Services | undefined

async function start(): Promise<void> {
  try {
    services = await openServices({
      dbPath: defaultArchivePath(),
      host: 'electron',
      markInterrupted: true,
      appVersion: app.getVersion(),
      reveal: (path) => shell.showItemInFolder(path),
    })
  } catch (error) {
    dialog.showErrorBox('NormLab cannot open its archive', (error as Error).message)
    app.quit()
    return
  }

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  if (!devServerUrl) {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
    })
  }

  const allowed = [pathToFileURL(rendererFile).href, ...(devServerUrl ? [devServerUrl] : [])]
  registerIpc(ipcMain, services.dispatch, trustedSender(allowed))
  services.bus.subscribe((name, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(eventChannelOf(name), payload)
  })

  createMainWindow(BrowserWindow, { preloadPath, rendererUrl: devServerUrl, rendererFile })
}

app.on('web-contents-created', (_event, contents) => lockDownContents(contents))
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
app.on('activate', () => {
  if (services && BrowserWindow.getAllWindows().length === 0) createMainWindow(BrowserWindow, { preloadPath, rendererUrl: devServerUrl, rendererFile })
})
app.on('will-quit', () => {
  void services?.close()
})

void app.whenReady().then(start)
