/**
 * Size limits: a request over the connection's send limit is refused before anything is sent, with
 * a DocumentTooLargeError (an answer: it never fails over); a gateway refusing a request, or a
 * response over the client's receive limit, is the same answer. The limits here are made small
 * (64 KiB) so the specs stay light; the default is the gateway's 32 MiB.
 */
import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { type Connection, type ConnectOptions, GATEWAY_MAX_MESSAGE_BYTES, connect } from '../../lib/driver/index.js'
import { encodedSizeBound } from '../../lib/driver/inputs.js'
import { DocumentTooLargeError, isAvailabilityError } from '../../lib/ojai/errors.js'
import { MapRDbServer } from '../../lib/proto/index.js'
import type { GatewayOptions } from '../../lib/gateway/index.js'
import { done, failure } from '../support/observables.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

const LIMIT = 64 * 1024
const BIG = 'x'.repeat(LIMIT + 1)

describe('size limits', () => {
  let gw: TestGateway | undefined
  let connection: Connection | undefined
  afterEach(async () => {
    connection?.close()
    await gw?.close()
  })

  async function open(options: ConnectOptions = {}, gateway: GatewayOptions = {}) {
    gw = await startTestGateway(gateway)
    connection = connect(`127.0.0.1:${gw.port}?ssl=false`, options)
    const store = await firstValueFrom(connection.createStore('/t'))
    return { gw, connection, store }
  }

  it('defaults to the gateway limit, 32 MiB', async () => {
    const { gw, store } = await open()
    const before = gw.requestCount()
    const error = await failure(store.insertOrReplace({ _id: 'big', blob: 'x'.repeat(GATEWAY_MAX_MESSAGE_BYTES) }))
    expect(error).toBeInstanceOf(DocumentTooLargeError)
    expect(error).toMatchObject({ limitBytes: GATEWAY_MAX_MESSAGE_BYTES })
    expect((error as DocumentTooLargeError).bytes).toBeGreaterThan(GATEWAY_MAX_MESSAGE_BYTES)
    expect(isAvailabilityError(error)).toBe(false)
    expect(gw.requestCount()).toBe(before)
  })

  it('every request over the send limit is refused before the wire', async () => {
    const { gw, connection, store } = await open({ channelOptions: { 'grpc.max_send_message_length': LIMIT } })
    const before = gw.requestCount()
    const attempts = [
      store.insertOrReplace({ _id: 'a', blob: BIG }),
      store.insert({ _id: 'a', blob: BIG }),
      store.replace({ _id: 'a', blob: BIG }),
      store.checkAndReplace({ _id: 'a' }, { $eq: { blob: BIG } }),
      store.findById('a', { condition: { $eq: { blob: BIG } } }),
      store.find({ $where: { $eq: { blob: BIG } } }),
      store.update('a', { $set: { blob: BIG } }),
      store.checkAndMutate('a', { $eq: { blob: BIG } }, { $set: { x: 1 } }),
      store.delete(BIG),
      store.checkAndDelete('a', { $eq: { blob: BIG } }),
      connection.createStore(`/${BIG}`),
      connection.storeExists(`/${BIG}`),
    ]
    for (const attempt of attempts) {
      const error = await failure(attempt)
      expect(error).toBeInstanceOf(DocumentTooLargeError)
      expect((error as Error).message).toMatch(/nothing was sent/)
    }
    expect(gw.requestCount()).toBe(before)
  })

  it('the bound is within a few bytes of the real encoding and never below it, so what grpc-js would refuse never leaves', async () => {
    const { store } = await open({ channelOptions: { 'grpc.max_send_message_length': LIMIT } })
    const request = (n: number) =>
      ({ tablePath: '/t', insertMode: 1, payloadEncoding: 1, jsonDocument: JSON.stringify({ _id: 'k', blob: 'y€'.repeat(n) }) }) as const
    const encoded = (n: number) => MapRDbServer.service.InsertOrReplace.requestSerialize(request(n)).length
    for (const n of [0, 1, 100, 20_000, 1_000_000]) {
      expect(encodedSizeBound(request(n)) - encoded(n)).toBeGreaterThanOrEqual(0)
      expect(encodedSizeBound(request(n)) - encoded(n)).toBeLessThanOrEqual(4)
    }
    // Around the limit: sent when the bound fits, refused (nothing sent) otherwise.
    const fitting = Math.floor((LIMIT - encodedSizeBound(request(0))) / 4)
    const outcomes = new Set<string>()
    for (let n = fitting - 3; n <= fitting + 3; n++) {
      const outcome = await done(store.insertOrReplace({ _id: 'k', blob: 'y€'.repeat(n) })).then(
        () => 'sent',
        (e: unknown) => (e instanceof DocumentTooLargeError && e.message.includes('nothing was sent') ? 'refused' : String(e)),
      )
      expect(outcome, `blob of ${n}`).toBe(encodedSizeBound(request(n)) <= LIMIT ? 'sent' : 'refused')
      outcomes.add(outcome)
    }
    expect([...outcomes].sort()).toEqual(['refused', 'sent'])
  })

  it('a gateway that refuses the request for its size gives the same answer, not an outage', async () => {
    const { store } = await open({}, { maxMessageBytes: LIMIT })
    const error = await failure(store.insertOrReplace({ _id: 'a', blob: BIG }))
    expect(error).toBeInstanceOf(DocumentTooLargeError)
    expect(isAvailabilityError(error)).toBe(false)
  })

  it('a response over the receive limit is an answer, not an outage', async () => {
    const { store } = await open({ channelOptions: { 'grpc.max_receive_message_length': LIMIT } })
    await done(store.insertOrReplace({ _id: 'a', blob: BIG }))
    const error = await failure(store.findById('a'))
    expect(error).toBeInstanceOf(DocumentTooLargeError)
    expect(isAvailabilityError(error)).toBe(false)
    expect(await firstValueFrom(store.findById('a', { fields: ['_id'] }))).toEqual({ _id: 'a' })
  })
})
