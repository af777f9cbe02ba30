// The single entry every transport uses: name check, request validation, handler, envelope.
// IPC and HTTP both call this, so validation can never differ between them.
import { ApiError, invalidRequest, type Envelope } from './errors'
import { contract, isRequestName, type Handlers, type RequestName } from './requests'

export type Dispatch = (name: string, payload: unknown) => Promise<Envelope>

export function createDispatch(handlers: Handlers, onInternalError: (error: unknown) => void = () => {}): Dispatch {
  return async (name, payload) => {
    if (!isRequestName(name)) {
      return { ok: false, error: new ApiError('unknown_request', `Unknown request "${name}"`).toBody() }
    }
    const parsed = contract[name].request.safeParse(payload ?? {})
    if (!parsed.success) return { ok: false, error: invalidRequest(name, parsed.error).toBody() }
    try {
      const handler = handlers[name] as (request: unknown) => Promise<unknown>
      return { ok: true, value: await handler(parsed.data) }
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, error: error.toBody() }
      onInternalError(error)
      const message = error instanceof Error ? error.message : String(error)
      return { ok: false, error: { code: 'internal', message: `${name} failed: ${message}` } }
    }
  }
}

export type { RequestName }
