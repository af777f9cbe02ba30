// The browser's transport for `npm run serve`: POST /api/<request> with the per-launch token,
// and Server-Sent Events for pushes. Same contract, same envelopes as IPC.
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

  let source: EventSource | null = null
  const ensureSource = () => {
    if (source || !token) return
    source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`)
  }

  return {
    ...api,
    onEvent<K extends EventName>(name: K, listener: (payload: EventOf<K>) => void) {
      if (!isEventName(name)) throw new Error(`Unknown event "${String(name)}"`)
      ensureSource()
      const wrapped = (event: MessageEvent<string>) => listener(JSON.parse(event.data) as EventOf<K>)
      source?.addEventListener(name, wrapped)
      return () => source?.removeEventListener(name, wrapped)
    },
  }
}
