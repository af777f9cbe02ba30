import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWebServer, type WebServer } from '../../../electron/server/http'
import { openServices, type Services } from '../../../electron/store'
import { MIGRATIONS, sampleConfig, tempDir } from '../../helpers/temp'

let tmp: ReturnType<typeof tempDir>
let services: Services
let web: WebServer
let base: string

beforeEach(async () => {
  tmp = tempDir()
  const staticDir = tmp.file('static')
  mkdirSync(staticDir)
  writeFileSync(`${staticDir}/index.html`, '<!doctype html><title>NormLab</title>')
  writeFileSync(tmp.file('secret.txt'), 'outside the static folder')
  services = await openServices({ dbPath: tmp.file('a.sqlite'), host: 'web', migrationsDir: MIGRATIONS })
  web = createWebServer({ dispatch: services.dispatch, bus: services.bus, staticDir })
  const url = await web.listen(0)
  base = url.slice(0, url.indexOf('/#'))
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/)
})
afterEach(async () => {
  await web.close()
  await services.close()
  tmp.cleanup()
})

const post = (name: string, body: unknown, token: string | null = web.token) =>
  fetch(`${base}/api/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })

describe('web mode server', () => {
  it('refuses API requests without the token or with a wrong one, and writes nothing', async () => {
    for (const token of [null, 'wrong', `${web.token}x`]) {
      const res = await post('createRun', { name: 'r', config: sampleConfig() }, token)
      expect(res.status).toBe(401)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
    }
    expect(await services.archive.countRows('runs')).toBe(0)
  })

  it('serves the contract with the token, with typed errors and HTTP status codes', async () => {
    const created = await post('createRun', { name: 'r', config: sampleConfig() })
    expect(created.status).toBe(200)
    const body = (await created.json()) as { ok: boolean; value: { id: number } }
    expect(body.ok).toBe(true)
    expect((await post('getRun', { id: body.value.id })).status).toBe(200)
    expect((await post('getRun', { id: 12345 })).status).toBe(404)
    expect((await post('getRun', { id: 'one' })).status).toBe(400)
    expect((await post('noSuchThing', {})).status).toBe(404)
  })

  it('refuses malformed bodies, other methods and other content types', async () => {
    const bad = await fetch(`${base}/api/listRuns`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${web.token}` },
      body: '{nope',
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/)
    expect((await fetch(`${base}/api/listRuns`, { headers: { Authorization: `Bearer ${web.token}` } })).status).toBe(
      405,
    )
    const form = await fetch(`${base}/api/listRuns`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${web.token}` },
      body: '{}',
    })
    expect(form.status).toBe(415)
  })

  it('answers 400 to a malformed percent-encoding, on pages and API alike', async () => {
    const port = new URL(base).port
    for (const path of ['/%E0%A4%A', '/api/%E0%A4%A']) {
      const status = await new Promise<number>((resolve) =>
        request({ host: '127.0.0.1', port, path, method: path.startsWith('/api') ? 'POST' : 'GET' }, (res) =>
          resolve(res.statusCode ?? 0),
        ).end(),
      )
      expect(status, path).toBe(400)
    }
  })

  it('answers 413 with a body to an oversized request instead of resetting the connection, and stays up', async () => {
    const huge = 'x'.repeat(70 * 1024 * 1024)
    const res = await fetch(`${base}/api/appendMetrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${web.token}` },
      body: huge,
    })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /larger than the limit of 67108864 bytes/,
    )
    // Without a length up front (chunked), the limit is found while reading.
    const port = new URL(base).port
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/appendMetrics',
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${web.token}`,
            'Transfer-Encoding': 'chunked',
          },
        },
        (r) => {
          r.resume()
          resolve(r.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      for (let i = 0; i < 70; i++) req.write('x'.repeat(1024 * 1024))
      req.end()
    })
    expect(chunked).toBe(413)
    expect((await post('listRuns', {})).status).toBe(200)
  })

  it('answers 413 to a chunked upload that a client reads only after sending it all (the connection is not reset under it)', async () => {
    const port = Number(new URL(base).port)
    const received = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      let text = ''
      socket.on('error', reject)
      socket.pause()
      socket.on('connect', async () => {
        socket.write(
          `POST /api/importArchive HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${web.token}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        )
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        for (let i = 0; i < 70 * 16; i++) {
          socket.write(`${chunk.length.toString(16)}\r\n`)
          socket.write(chunk)
          if (!socket.write('\r\n')) await new Promise((r) => socket.once('drain', r))
        }
        socket.write('0\r\n\r\n')
        // Only now, with all 70 MB sent, read the answer.
        socket.on('data', (d: Buffer) => {
          text += d.toString()
          if (text.includes('\r\n\r\n')) {
            socket.destroy()
            resolve(text)
          }
        })
        socket.resume()
      })
    })
    expect(received).toMatch(/^HTTP\/1\.1 413 /)
  })

  it('answers a refused import with 422 and the name of the user’s file, not a temporary path', async () => {
    const res = await post('importArchive', {
      fileName: 'results.normlab',
      base64: Buffer.from('SQLite format 3\0'.padEnd(4096, 'x')).toString('base64'),
    })
    expect(res.status).toBe(422)
    const { error } = (await res.json()) as { error: { code: string; message: string } }
    expect(error.code).toBe('refused_file')
    expect(error.message).toMatch(/^Cannot import results\.normlab: /)
    expect(error.message).not.toMatch(/normlab-transfer-|import\.normlab/)
  })

  it('stores through createRun only what the CLI and the form accept: the same configuration schema at every door', async () => {
    const bad = [
      { hidden: 100_000 },
      { steps: 1e9 },
      { task: 'nope' },
      { hidden: 1.5 },
      { extra: 1 },
      { norm: 'gn', hidden: 10, groups: 4 },
    ]
    for (const patch of bad) {
      const res = await post('createRun', { name: 'r', config: { ...sampleConfig(), ...patch } })
      expect(res.status, JSON.stringify(patch)).toBe(400)
    }
    expect(await services.archive.countRows('runs')).toBe(0)
    expect((await post('createRun', { name: 'r', config: sampleConfig() })).status).toBe(200)
  })

  it('accepts exactly application/json (optionally with a UTF-8 charset) as the content type', async () => {
    const send = (type: string) =>
      fetch(`${base}/api/listRuns`, {
        method: 'POST',
        headers: { 'Content-Type': type, Authorization: `Bearer ${web.token}` },
        body: '{}',
      })
    for (const ok of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])
      expect((await send(ok)).status, ok).toBe(200)
    for (const bad of [
      'application/jsonfoo',
      'application/json-patch+json',
      'application/json; charset=latin1',
      'text/json',
    ])
      expect((await send(bad)).status, bad).toBe(415)
  })

  it('sends cross-origin isolation and CSP headers on pages and API', async () => {
    for (const res of [await fetch(`${base}/`), await post('listRuns', {})]) {
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin')
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('serves only files inside the static folder', async () => {
    expect(await (await fetch(`${base}/`)).text()).toMatch(/NormLab/)
    const port = new URL(base).port
    const status = await new Promise<number>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/../secret.txt' }, (res) => resolve(res.statusCode ?? 0)).end()
    })
    expect(status).toBe(404)
    expect((await fetch(`${base}/%2e%2e/secret.txt`)).status).toBe(404)
  })

  it('refuses a request a page elsewhere sends (its Origin is not ours), even with the token', async () => {
    const headers = (origin: string) => ({
      'Content-Type': 'application/json',
      Authorization: `Bearer ${web.token}`,
      Origin: origin,
    })
    const foreign = await fetch(`${base}/api/listRuns`, {
      method: 'POST',
      headers: headers('http://evil.example'),
      body: '{}',
    })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(
      /Requests from http:\/\/evil\.example are refused/,
    )
    const own = await fetch(`${base}/api/listRuns`, {
      method: 'POST',
      headers: headers(new URL(base).origin),
      body: '{}',
    })
    expect(own.status).toBe(200)
  })

  it('refuses a request whose Host is not our own (DNS rebinding)', async () => {
    const port = new URL(base).port
    const status = await new Promise<number>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/', headers: { Host: `evil.example:${port}` } }, (res) =>
        resolve(res.statusCode ?? 0),
      ).end()
    })
    expect(status).toBe(421)
  })

  it('pushes events over Server-Sent Events, only with the token in the Authorization header (never in the URL)', async () => {
    expect((await fetch(`${base}/api/events`)).status).toBe(401)
    // The token in the query string, as the event stream used to take it: refused.
    expect((await fetch(`${base}/api/events?token=${web.token}`)).status).toBe(401)
    const controller = new AbortController()
    const res = await fetch(`${base}/api/events`, {
      headers: { Authorization: `Bearer ${web.token}` },
      signal: controller.signal,
    })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = res.body!.getReader()
    await reader.read() // the ": connected" comment
    await post('createRun', { name: 'r', config: sampleConfig() })
    let text = ''
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value)
    expect(text).toMatch(/^event: runsChanged\ndata: \{"runIds":\[1\],"change":"created","status":"queued"\}/)
    controller.abort()
  })
})
