// Builds the typed API from a transport: one named function per request of the contract.
import { ApiError, type Envelope } from './errors'
import { requestNames, type NormLabApi, type RequestName } from './requests'

export type Transport = (name: RequestName, payload: unknown) => Promise<Envelope>

export function createApi(transport: Transport): NormLabApi {
  const api: Record<string, (request: unknown) => Promise<unknown>> = {}
  for (const name of requestNames) {
    api[name] = async (request: unknown) => {
      const envelope = await transport(name, request ?? {})
      if (!envelope.ok) throw ApiError.fromBody(envelope.error)
      return envelope.value
    }
  }
  // Every key of NormLabApi is a request name and every request name got a function above.
  return api as NormLabApi
}
