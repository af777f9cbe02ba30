// The page is served from a custom protocol, app://normlab/, not file:// (Electron's security
// checklist, item 18): a file:// page can read any file the user can, and gets privileges a web
// page never has. This handler serves only the built renderer's files, each with the CSP and
// cross-origin isolation headers, and nothing outside its folder.
import type { Protocol } from 'electron'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { CONTENT_SECURITY_POLICY } from '../../shared/security/csp'

export const APP_SCHEME = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://normlab`
export const APP_URL = `${APP_ORIGIN}/index.html`

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
}

const HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
}

/** Must run before the app is ready: the scheme is a secure, standard origin that may fetch (wasm) and run module workers. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ])
}

/** Answers app://normlab/<path> from `rendererDir` only. */
export function appProtocolHandler(rendererDir: string): (request: Request) => Response {
  const root = normalize(rendererDir + sep)
  return (request) => {
    const url = new URL(request.url)
    let relative: string
    try {
      relative = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html'
    } catch {
      return new Response('Bad request', { status: 400, headers: HEADERS })
    }
    const file = normalize(join(rendererDir, relative))
    if (url.host !== 'normlab' || !file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      return new Response('Not found', { status: 404, headers: HEADERS })
    }
    return new Response(readFileSync(file), {
      status: 200,
      headers: { ...HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' },
    })
  }
}
