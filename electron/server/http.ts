// Web mode: the built renderer and the contract's services over HTTP on 127.0.0.1 only.
// Every API call needs the per-launch token; the page gets it from the URL fragment printed at
// start (a fragment never reaches the server or its logs). COOP/COEP make the page
// cross-origin isolated so the wasm backend may use threads.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { ApiError, type Dispatch, type EventBus, type Envelope } from '../../shared/contract'
import { CONTENT_SECURITY_POLICY } from '../../shared/security/csp'

export interface WebServerOptions {
  dispatch: Dispatch
  bus: EventBus
  /** The built renderer (out/renderer). */
  staticDir: string
  token?: string
  maxBodyBytes?: number
}

export interface WebServer {
  server: Server
  token: string
  /** Resolves with the URL to open (token in the fragment) once listening. */
  listen(port: number): Promise<string>
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

export function createWebServer(options: WebServerOptions): WebServer {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024
  let port = 0
  const streams = new Set<ServerResponse>()

  const tokenOk = (given: string | null | undefined): boolean => {
    if (!given) return false
    const a = Buffer.from(given)
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  // Only our own origin: refuses DNS-rebinding pages that reach 127.0.0.1 under another name.
  const hostOk = (req: IncomingMessage): boolean =>
    req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, fail(new ApiError('internal', (error as Error).message)))
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) return sendJson(res, 421, fail(new ApiError('unauthorized', 'Unexpected Host header')))
    let url: URL
    let pathname: string
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
      pathname = decodeURIComponent(url.pathname)
    } catch {
      return sendJson(res, 400, fail(new ApiError('invalid_request', 'The URL is malformed (a bad percent-encoding?)')))
    }

    if (pathname.startsWith('/api/')) {
      // A browser says where a request comes from: only our own page may call (a page elsewhere
      // holding a stolen token is refused too). Tools that send no Origin (the CLI, curl) pass on.
      const origin = req.headers.origin
      if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
        return sendJson(
          res,
          403,
          fail(
            new ApiError('unauthorized', `Requests from ${origin} are refused: only the lab's own page may call it`),
          ),
        )
      // The token comes in the Authorization header only, never in the URL (the event stream too).
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      if (!tokenOk(bearer)) return sendJson(res, 401, fail(unauthorized()))
      if (pathname === '/api/events') return openEventStream(res)
      if (req.method !== 'POST')
        return sendJson(res, 405, fail(new ApiError('invalid_request', 'Use POST for API requests')))
      if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
        return sendJson(
          res,
          415,
          fail(
            new ApiError(
              'invalid_request',
              'API requests must be Content-Type: application/json (optionally ; charset=utf-8)',
            ),
          ),
        )
      }
      const name = pathname.slice('/api/'.length)
      // Answer at once, but keep reading (and dropping) what the client still sends: closing now
      // would make the kernel reset the connection, and a client still uploading loses the answer.
      const tooLarge = () => {
        discardBounded(req)
        sendJson(
          res,
          413,
          fail(new ApiError('invalid_request', `The request body is larger than the limit of ${maxBody} bytes`)),
        )
      }
      if (Number(req.headers['content-length'] ?? 0) > maxBody) return tooLarge()
      let body: Buffer | null
      try {
        body = await readBody(req, maxBody)
      } catch (error) {
        return sendJson(
          res,
          400,
          fail(new ApiError('invalid_request', `The request body could not be read: ${(error as Error).message}`)),
        )
      }
      if (body === null) return tooLarge()
      let payload: unknown
      try {
        payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
      } catch (error) {
        return sendJson(
          res,
          400,
          fail(new ApiError('invalid_request', `The request body is not valid JSON: ${(error as Error).message}`)),
        )
      }
      const envelope = await options.dispatch(name, payload)
      return sendJson(res, envelope.ok ? 200 : statusOf(envelope.error.code), envelope)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, fail(new ApiError('invalid_request', 'Method not allowed')))
    return serveStatic(pathname, res)
  }

  function serveStatic(pathname: string, res: ServerResponse): void {
    const relative = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '')
    const file = normalize(join(options.staticDir, relative))
    if (!file.startsWith(normalize(options.staticDir + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('Not found')
      return
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': relative === 'index.html' ? 'no-store' : 'public, max-age=300',
    })
    createReadStream(file).pipe(res)
  }

  function openEventStream(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
    res.write(': connected\n\n')
    streams.add(res)
    res.on('close', () => streams.delete(res))
  }

  const unsubscribe = options.bus.subscribe((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`
    for (const stream of streams) stream.write(frame)
  })

  return {
    server,
    token,
    listen: (wanted) =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(wanted, '127.0.0.1', () => {
          const address = server.address()
          port = typeof address === 'object' && address ? address.port : wanted
          resolve(`http://127.0.0.1:${port}/#token=${token}`)
        })
      }),
    close: () =>
      new Promise((resolve) => {
        unsubscribe()
        for (const stream of streams) stream.end()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function unauthorized(): ApiError {
  return new ApiError('unauthorized', 'Missing or wrong token: open the URL that `npm run serve` printed')
}

function fail(error: ApiError): Envelope {
  return { ok: false, error: error.toBody() }
}

function statusOf(code: string): number {
  switch (code) {
    case 'invalid_request':
      return 400
    case 'unknown_request':
    case 'not_found':
      return 404
    case 'conflict':
    case 'read_only':
      return 409
    case 'unauthorized':
      return 401
    case 'archive_gone':
      return 410
    case 'busy':
      return 503
    case 'storage':
      return 507
    case 'refused_file':
      return 422
    default:
      return 500
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(text)
}

/** Exactly application/json, optionally with a UTF-8 charset. */
const JSON_TYPE = /^application\/json\s*(;\s*charset=("?)utf-8\2\s*)?$/i

/** Reads the body, or resolves null once it passes `limit` (the rest is discarded, so the answer still arrives). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      req.off('data', onData)
      resolve(null)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** A refused body is read and dropped for at most this long, or this much, before the connection is cut. */
const DISCARD_MS = 60_000
const DISCARD_BYTES = 512 * 1024 * 1024

/**
 * Lets a refused body flow past without keeping it, so the client reads the answer: closing the
 * socket while the client still sends would reset the connection first. A client that keeps
 * sending past the bounds is cut off.
 */
function discardBounded(req: IncomingMessage): void {
  let dropped = 0
  const cut = () => req.socket.destroy()
  const timer = setTimeout(cut, DISCARD_MS)
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > DISCARD_BYTES) cut()
  })
  req.once('end', () => clearTimeout(timer))
  req.once('close', () => clearTimeout(timer))
  req.resume()
}
