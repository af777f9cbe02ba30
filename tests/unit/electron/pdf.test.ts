// The app's PDF printer: a hidden report window whose session grants no permission and whose
// contents cannot navigate or open windows, destroyed after printing.
import { describe, expect, it } from 'vitest'
import type { BrowserWindow } from 'electron'
import { electronPrinter } from '../../../electron/main/pdf'
import { FakeBrowserWindow } from './electron-mock'

describe('the PDF report window', () => {
  it('denies every permission request and check, refuses navigation and new windows, and is destroyed after printing', async () => {
    FakeBrowserWindow.instances.length = 0
    const pdf = await electronPrinter(FakeBrowserWindow as unknown as typeof BrowserWindow)(
      '<!doctype html><p>report</p>',
      'A4',
    )
    expect(Buffer.from(pdf).toString()).toBe('%PDF-1.7')
    const [window] = FakeBrowserWindow.instances
    const { session } = window!.webContents
    expect(session.setPermissionRequestHandler).toHaveBeenCalledTimes(1)
    const answers: boolean[] = []
    const handler = session.setPermissionRequestHandler.mock.calls[0]![0] as (
      c: unknown,
      p: string,
      cb: (ok: boolean) => void,
    ) => void
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read'])
      handler(null, permission, (ok) => answers.push(ok))
    expect(answers).toEqual([false, false, false, false])
    expect((session.setPermissionCheckHandler.mock.calls[0]![0] as () => boolean)()).toBe(false)
    let prevented = false
    window!.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    expect(window!.webContents.openHandler?.()).toEqual({ action: 'deny' })
    expect(window!.destroyed).toBe(true)
  })
})
