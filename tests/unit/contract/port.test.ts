// The archive's end of a message port (Electron's main process serves the training worker on
// one): what it answers to messages that are not well-formed requests.
import { describe, expect, it } from 'vitest'
import { createDispatch, servePort, type Envelope, type Handlers } from '../../../shared/contract'

/** A port whose messages the test sends and whose answers it reads. */
function servedPort(handlers: Partial<Handlers>) {
  const answers: unknown[] = []
  let deliver: (message: unknown) => void = () => {}
  servePort(
    { post: (message) => answers.push(message), listen: (receive) => (deliver = receive) },
    createDispatch(handlers as Handlers),
  )
  const send = async (message: unknown) => {
    const before = answers.length
    deliver(message)
    await new Promise((resolve) => setTimeout(resolve, 0))
    return answers.slice(before) as { id: number; envelope: Envelope }[]
  }
  return { send }
}

describe('the contract served on a port', () => {
  it('answers a request with its id and the handler’s value', async () => {
    const { send } = servedPort({ listStudies: async () => [] })
    expect(await send({ id: 7, name: 'listStudies', payload: {} })).toEqual([
      { id: 7, envelope: { ok: true, value: [] } },
    ])
  })

  it('validates as every transport does: an unknown name or a bad payload is an error, never a call', async () => {
    let called = 0
    const { send } = servedPort({ getRun: async () => (called++, null) as never })
    const [unknown] = await send({ id: 1, name: 'dropArchive', payload: {} })
    expect(unknown).toMatchObject({ id: 1, envelope: { ok: false, error: { code: 'unknown_request' } } })
    const [invalid] = await send({ id: 2, name: 'getRun', payload: { id: 'one' } })
    expect(invalid).toMatchObject({ id: 2, envelope: { ok: false, error: { code: 'invalid_request' } } })
    expect(called).toBe(0)
  })

  it('answers a malformed message that has an id, and ignores one that has none', async () => {
    const { send } = servedPort({})
    const [answer] = await send({ id: 3, name: 'listRuns', payload: {}, extra: true })
    expect(answer).toMatchObject({ id: 3, envelope: { ok: false, error: { code: 'invalid_request' } } })
    expect(await send({ name: 'listRuns' })).toEqual([])
    expect(await send('listRuns')).toEqual([])
  })
})
