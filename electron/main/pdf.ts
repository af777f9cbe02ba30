// Printing a report to PDF inside the app: a hidden, sandboxed window with no preload loads the
// report (its own CSP allows no network), waits until every chart is drawn, and prints. Its session
// (a partition of its own) grants no permission and its contents may not navigate or open windows,
// like the main window's.
import type { BrowserWindow as BrowserWindowType } from 'electron'
import type { Paper, PdfPrinter } from '../report/generate'
import { PAGE_FOOTER } from '../report/page-footer'
import { lockDownContents } from './window'

export function electronPrinter(BrowserWindow: typeof BrowserWindowType): PdfPrinter {
  return async (html: string, paper: Paper) => {
    const window = new BrowserWindow({
      show: false,
      width: 900,
      height: 1200,
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        javascript: true,
        partition: 'normlab-report',
      },
    })
    const session = window.webContents.session
    session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
    session.setPermissionCheckHandler(() => false)
    lockDownContents(window.webContents)
    try {
      await window.loadURL(`data:text/html;base64,${Buffer.from(html, 'utf8').toString('base64')}`)
      for (
        let waited = 0;
        !(await window.webContents.executeJavaScript('window.__normlabReportReady === true'));
        waited += 100
      ) {
        if (waited > 60_000) throw new Error('the report’s charts did not finish drawing within 60 s')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return await window.webContents.printToPDF({
        pageSize: paper,
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: PAGE_FOOTER,
        margins: { top: 0.55, bottom: 0.63, left: 0.47, right: 0.47 },
      })
    } finally {
      window.destroy()
    }
  }
}
