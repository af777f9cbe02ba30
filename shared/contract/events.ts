// Pushes from the Node side to the renderer (IPC `send` in Electron, Server-Sent Events on the web).
import { z } from 'zod'
import { Id, RunStatus } from './schemas'

export const events = {
  runsChanged: z.strictObject({
    runIds: z.array(Id),
    change: z.enum(['created', 'updated', 'deleted', 'data']),
    status: RunStatus.optional(),
  }),
  /** A long import's progress: runs looked at of all in the file. */
  importProgress: z.strictObject({ done: z.number().int().min(0), total: z.number().int().min(0) }),
} as const

export type EventName = keyof typeof events
export type EventOf<K extends EventName> = z.output<(typeof events)[K]>
export type EventListener = <K extends EventName>(name: K, payload: EventOf<K>) => void

export const eventNames = Object.keys(events) as EventName[]

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name)
}

export function eventChannelOf(name: EventName): `normlab-event:${EventName}` {
  return `normlab-event:${name}`
}

/** A tiny synchronous event bus: the handlers emit, each transport forwards. */
export function createEventBus() {
  const listeners = new Set<EventListener>()
  return {
    emit<K extends EventName>(name: K, payload: EventOf<K>): void {
      for (const listener of listeners) listener(name, payload)
    },
    subscribe(listener: EventListener): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
export type EventBus = ReturnType<typeof createEventBus>
