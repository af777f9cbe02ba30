// The contract over a message port: how the training worker reaches the archive in Electron (a
// MessagePort handed to the main process), so a run's records go from the worker to the store
// without passing through the page. The same envelopes and the same dispatch as IPC and HTTP; a
// port is one long-lived channel, so each request carries an id its answer echoes.
import { z } from 'zod'
import { createApi } from './client'
import type { Dispatch } from './dispatch'
import { ApiError, type Envelope } from './errors'
import type { NormLabApi } from './requests'

/** The IPC channel a page's port travels on to the main process (preload → main). */
export const ARCHIVE_PORT_CHANNEL = 'normlab:archive-port'
/** The window message a page posts, the port transferred with it, for the preload to pass on. */
export const ARCHIVE_PORT_MESSAGE = 'normlab:archive-port'

/** One end of a message channel: a browser MessagePort and Electron's MessagePortMain each adapt to it. */
export interface PortEnd {
  post(message: unknown): void
  listen(receive: (message: unknown) => void): void
}

const PortRequest = z.object({ id: z.number().int().nonnegative(), name: z.string(), payload: z.unknown() }).strict()
const PortAnswer = z
  .object({
    id: z.number().int().nonnegative(),
    envelope: z.union([
      z.object({ ok: z.literal(true), value: z.unknown() }),
      z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }).passthrough() }),
    ]),
  })
  .strict()

/** The caller's end: the contract's requests as functions, each answered on the same port. */
export function createPortApi(port: PortEnd): NormLabApi {
  let last = 0
  const waiting = new Map<number, (envelope: Envelope) => void>()
  port.listen((message) => {
    const answer = PortAnswer.safeParse(message)
    if (!answer.success) return
    const settle = waiting.get(answer.data.id)
    waiting.delete(answer.data.id)
    settle?.(answer.data.envelope as Envelope)
  })
  return createApi(
    (name, payload) =>
      new Promise<Envelope>((resolve) => {
        const id = ++last
        waiting.set(id, resolve)
        port.post({ id, name, payload })
      }),
  )
}

/**
 * The archive's end: every request dispatched (name and payload validated there) and answered
 * with its id. A message that is not a request is answered with an error when it has an id and
 * ignored when it has none (there is no one to tell).
 */
export function servePort(port: PortEnd, dispatch: Dispatch): void {
  port.listen((message) => {
    const request = PortRequest.safeParse(message)
    if (!request.success) {
      const id = (message as { id?: unknown } | null)?.id
      if (typeof id === 'number' && Number.isInteger(id) && id >= 0)
        port.post({
          id,
          envelope: {
            ok: false,
            error: new ApiError(
              'invalid_request',
              'A message on the archive port must be { id, name, payload }',
            ).toBody(),
          },
        })
      return
    }
    const { id, name, payload } = request.data
    void dispatch(name, payload).then((envelope) => port.post({ id, envelope }))
  })
}
