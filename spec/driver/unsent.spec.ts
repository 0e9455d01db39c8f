/**
 * The `unsent` flag on the embedded gateway: a request cut off mid-call may have been applied, so
 * it is never unsent; a request that found nobody listening is.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, type DocumentStore, connect } from '../../lib/driver/index.js'
import { UnavailableError, isUnsent } from '../../lib/ojai/errors.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'
import { failure } from '../support/observables.js'

describe('unsent', () => {
  let gw: TestGateway
  let connection: Connection
  let store: DocumentStore

  beforeAll(async () => {
    gw = await startTestGateway()
    connection = connect(`127.0.0.1:${gw.port}?ssl=false`, { deadlineMs: 5000 })
    store = await firstValueFrom(connection.createStore('/u'))
  })
  afterAll(async () => {
    connection.close()
    await gw.close()
  })

  it('an UNAVAILABLE status from a live gateway is not unsent', async () => {
    gw.gateway.faults.set('Update', { type: 'fail', code: 14, details: 'No connection established', times: 1 })
    const error = await failure(store.update('a', { $set: { x: 1 } }))
    expect(error).toBeInstanceOf(UnavailableError)
    expect(isUnsent(error)).toBe(false)
  })

  it('a connection reset mid-call is not unsent; the next call, refused, is; the same connection recovers after restart', async () => {
    gw.stall('Update')
    const pending = failure(store.update('a', { $set: { x: 1 } }))
    await new Promise((r) => setTimeout(r, 100))
    gw.gateway.crash()
    const midCall = await pending
    expect(midCall).toBeInstanceOf(UnavailableError)
    expect(isUnsent(midCall)).toBe(false)

    const refused = await failure(store.insertOrReplace({ _id: 'b' }))
    expect(refused).toBeInstanceOf(UnavailableError)
    expect(isUnsent(refused)).toBe(true)

    gw.gateway.faults.clear()
    await gw.gateway.restart()
    let ok = false
    for (let i = 0; i < 300 && !ok; i++) {
      ok = await lastValueFrom(connection.ping(), { defaultValue: undefined }).then(
        () => true,
        () => new Promise<boolean>((r) => setTimeout(() => r(false), 10)),
      )
    }
    expect(ok).toBe(true)
    await lastValueFrom(store.insertOrReplace({ _id: 'b' }), { defaultValue: undefined })
  })
})
