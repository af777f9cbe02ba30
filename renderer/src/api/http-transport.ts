// Web mode's requests: POST /api/<request> with the per-launch token, the contract's envelopes back.
// No DOM types beyond fetch, so tests in Node call the server exactly as the page does.
import { createApi, type Envelope, type NormLabApi } from '../../../shared/contract'

export function createHttpApi(token: string | null, base = ''): NormLabApi {
  return createApi(async (name, payload) => {
    const response = await fetch(`${base}/api/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(payload),
    })
    const body = (await response.json().catch(() => null)) as Envelope | null
    if (body && typeof body === 'object' && 'ok' in body) return body
    return { ok: false, error: { code: 'internal', message: `HTTP ${response.status} from the NormLab server` } }
  })
}
