// The browser's transport for `npm run serve`: POST /api/<request> with the per-launch token,
// and Server-Sent Events for pushes, read through fetch so the token travels in the
// Authorization header, never in a URL (URLs end up in logs and history). Same contract, same
// envelopes as IPC.
import { isEventName, type EventName, type EventOf, type NormLabBridge } from '../../../shared/contract'
import { createHttpApi } from './http-transport'

const TOKEN_KEY = 'normlab.token'

/** Takes the token from the URL fragment (then hides it) or from this tab's session storage. */
export function takeToken(location: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (match?.[1]) {
    const token = decodeURIComponent(match[1])
    storage.setItem(TOKEN_KEY, token)
    history.replaceState(null, '', location.pathname + location.search)
    return token
  }
  return storage.getItem(TOKEN_KEY)
}

export function createHttpBridge(token: string | null, base = ''): NormLabBridge {
  const api = createHttpApi(token, base)

  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let started = false
  const deliver = (frame: string) => {
    let name = 'message'
    const data: string[] = []
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    if (data.length === 0) return
    const payload = JSON.parse(data.join('\n')) as unknown
    for (const listener of listeners.get(name) ?? []) listener(payload)
  }
  /** Reads the stream, and reconnects as EventSource would (1 s, doubling to 30 s) when it ends. */
  const ensureStream = () => {
    if (started || !token) return
    started = true
    void (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${base}/api/events`, {
            headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
          })
          if (res.ok && res.body) {
            attempt = 0
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
            let buffer = ''
            for (;;) {
              const { value, done } = await reader.read()
              if (done) break
              buffer += value
              for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
                deliver(buffer.slice(0, end))
                buffer = buffer.slice(end + 2)
              }
            }
          }
        } catch {
          // The server went away (or the page is closing): try again below.
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt)))
      }
    })()
  }

  return {
    ...api,
    onEvent<K extends EventName>(name: K, listener: (payload: EventOf<K>) => void) {
      if (!isEventName(name)) throw new Error(`Unknown event "${String(name)}"`)
      ensureStream()
      const set = listeners.get(name) ?? new Set()
      listeners.set(name, set)
      const wrapped = (payload: unknown) => listener(payload as EventOf<K>)
      set.add(wrapped)
      return () => void set.delete(wrapped)
    },
  }
}
