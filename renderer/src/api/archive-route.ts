// How a training worker reaches the archive itself, so a run's records never pass through the
// page: a port whose other end Electron's main process serves (shared/contract/port.ts), or web
// mode's HTTP API with the page's token. The page chooses the route (index.ts); the worker opens it.
import { createPortApi, type NormLabApi } from '../../../shared/contract'
import { createHttpApi } from './http-transport'

export type ArchiveRoute = { via: 'port'; port: MessagePort } | { via: 'http'; token: string | null; base: string }

export function openArchive(route: ArchiveRoute): NormLabApi {
  if (route.via === 'http') return createHttpApi(route.token, route.base)
  const { port } = route
  return createPortApi({
    post: (message) => port.postMessage(message),
    listen: (receive) => {
      port.onmessage = (event: MessageEvent) => receive(event.data)
    },
  })
}
