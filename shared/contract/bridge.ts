// What the renderer sees as `window.normlab` inside Electron: the contract's requests as named
// functions plus a subscription to pushed events. Nothing else crosses the bridge.
import type { EventName, EventOf } from './events'
import type { NormLabApi } from './requests'

export type NormLabBridge = NormLabApi & {
  onEvent<K extends EventName>(name: K, listener: (payload: EventOf<K>) => void): () => void
}
