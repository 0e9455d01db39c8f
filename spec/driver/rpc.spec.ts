/**
 * Driver call mechanics against a scripted gRPC server: cold subscription, cancellation, the
 * basic -> bearer -> re-authentication cycle, Find stream handling, close().
 */
import * as grpc from '@grpc/grpc-js'
import { firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Connection, connect } from '../../lib/driver/index.js'
import {
  AuthenticationError,
  ClosedError,
  DecodingError,
  DocumentNotFoundError,
  ResourceExhaustedError,
  ServerIoError,
  TableNotFoundError,
  UnavailableError,
  isUnsent,
} from '../../lib/ojai/errors.js'
import { ScriptedServer, statusError, wireError } from './helpers/scripted-server.js'
import { until } from './helpers/until.js'
import { failure } from '../support/observables.js'

const BASIC = `basic ${Buffer.from('alice:secret').toString('base64')}`

function withToken(token: string): grpc.Metadata {
  const md = new grpc.Metadata()
  md.set('bearer-token', token)
  return md
}

function findMessage(type: number, json: string, errCode = 0) {
  return { error: { errCode, errorMessage: errCode ? 'boom' : '', javaStackTrace: '' }, payloadEncoding: 1, type, jsonResponse: json }
}

describe('driver call mechanics', () => {
  let server: ScriptedServer
  let connection: Connection

  beforeEach(async () => {
    server = await ScriptedServer.start()
    connection = connect(`127.0.0.1:${server.port}?ssl=false;user=alice;password=secret`, { deadlineMs: 5000 })
  })
  afterEach(async () => {
    await connection.close({ graceMs: 0 })
    await server.close()
  })

  it('is cold: nothing is sent before subscribe, each subscription is one call', async () => {
    const store = connection.store('/t')
    const op = store.insertOrReplace({ _id: 'a', n: 1 })
    await new Promise((r) => setTimeout(r, 50))
    expect(server.calls).toHaveLength(0)
    await lastValueFrom(op, { defaultValue: undefined })
    expect(server.of('InsertOrReplace')).toHaveLength(1)
    await lastValueFrom(op, { defaultValue: undefined })
    expect(server.of('InsertOrReplace')).toHaveLength(2)
    expect(server.calls[0]?.request).toMatchObject({
      tablePath: '/t',
      insertMode: 1,
      payloadEncoding: 1,
      jsonDocument: '{"_id":"a","n":1}',
    })
  })

  it('unsubscribe cancels the call on the server', async () => {
    server.handlers.FindById = () => undefined // never answers
    const subscription = connection.store('/t').findById('k').subscribe()
    await until(() => server.of('FindById').length === 1, 'the call to arrive')
    subscription.unsubscribe()
    await until(() => server.of('FindById')[0]?.cancelled === true, 'the server to see the cancellation')
  })

  it('sends basic credentials first, then the bearer token from the response headers', async () => {
    server.handlers.Ping = (call, cb) => {
      if (call.metadata.get('authorization')[0] === BASIC) call.sendMetadata(withToken('T1'))
      cb(null, {})
    }
    await lastValueFrom(connection.ping(), { defaultValue: undefined })
    await lastValueFrom(connection.ping(), { defaultValue: undefined })
    expect(server.of('Ping').map((c) => c.authorization)).toEqual([BASIC, 'bearer T1'])
  })

  it('re-authenticates once with basic when the token expired, transparently', async () => {
    server.handlers.Ping = (call, cb) => {
      const auth = String(call.metadata.get('authorization')[0])
      if (auth === BASIC) {
        call.sendMetadata(withToken(`T${server.of('Ping').length}`))
        return cb(null, {})
      }
      if (auth === 'bearer T1') return cb(statusError(grpc.status.UNAUTHENTICATED, 'STATUS_TOKEN_EXPIRED'))
      cb(null, {})
    }
    await lastValueFrom(connection.ping(), { defaultValue: undefined }) // basic -> T1
    await lastValueFrom(connection.ping(), { defaultValue: undefined }) // T1 expired -> basic -> T3
    await lastValueFrom(connection.ping(), { defaultValue: undefined }) // T3
    expect(server.of('Ping').map((c) => c.authorization)).toEqual([BASIC, 'bearer T1', BASIC, 'bearer T3'])
  })

  it('gives up after one re-authentication: no loop', async () => {
    server.handlers.Ping = (call, cb) => {
      if (call.metadata.get('authorization')[0] === BASIC) {
        call.sendMetadata(withToken('T'))
        return cb(null, {})
      }
      cb(statusError(grpc.status.UNAUTHENTICATED, 'STATUS_TOKEN_EXPIRED'))
    }
    await lastValueFrom(connection.ping(), { defaultValue: undefined })
    server.handlers.Ping = (_call, cb) => cb(statusError(grpc.status.UNAUTHENTICATED, 'STATUS_TOKEN_EXPIRED'))
    const error = await failure(connection.ping())
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(server.of('Ping')).toHaveLength(3)
  })

  it('maps other UNAUTHENTICATED statuses to AuthenticationError without retrying', async () => {
    server.handlers.FindById = (_call, cb) => cb(statusError(grpc.status.UNAUTHENTICATED, 'invalid user name or password'))
    const error = await failure(connection.store('/t').findById('k'))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as Error).message).toContain('invalid user name or password')
    expect(server.of('FindById')).toHaveLength(1)
  })

  it('does not call an UNAVAILABLE status sent by a live server unsent, whatever its details say', async () => {
    server.handlers.Update = (_call, cb) => cb(statusError(grpc.status.UNAVAILABLE, 'No connection established'))
    const error = await failure(connection.store('/t').update('k', { $set: { a: 1 } }))
    expect(error).toBeInstanceOf(UnavailableError)
    expect(isUnsent(error)).toBe(false)
  })

  it('maps wire error codes to typed errors', async () => {
    server.handlers.InsertOrReplace = (_call, cb) => cb(null, wireError(2, 'no table /t'))
    server.handlers.Update = (_call, cb) => cb(null, wireError(5, 'disk'))
    const store = connection.store('/t')
    expect(await failure(store.insert({ _id: 'a' }))).toBeInstanceOf(TableNotFoundError)
    expect(await failure(store.increment('a', 'n', 1))).toBeInstanceOf(ServerIoError)
  })

  it('streams Find documents and the plan, decoding extended JSON', async () => {
    server.handlers.Find = (call) => {
      call.write(findMessage(2, '{"scan":"full"}'))
      call.write(findMessage(1, '{"_id":"a","n":{"$numberLong":9007199254740993}}'))
      call.write(findMessage(1, '{"_id":"b","d":{"$dateDay":"2012-10-20"}}'))
      call.end()
    }
    const store = connection.store('/t')
    const events = await lastValueFrom(store.findWithPlan({}).pipe(toArray()))
    expect(events.map((e) => e.kind)).toEqual(['plan', 'document', 'document'])
    expect(events[0]).toMatchObject({ kind: 'plan', plan: { scan: 'full' } })
    const docs = await lastValueFrom(store.find().pipe(toArray()))
    expect(docs.map((d) => d._id)).toEqual(['a', 'b'])
    expect(docs[0]?.n).toBe(9007199254740993n)
    expect(server.of('Find')[0]?.request).toMatchObject({ includeQueryPlan: true, jsonQuery: '{}' })
    expect(server.of('Find')[1]?.request).toMatchObject({ includeQueryPlan: false })
  })

  it('fails a Find on an in-band error message, after the documents before it', async () => {
    server.handlers.Find = (call) => {
      call.write(findMessage(1, '{"_id":"a"}'))
      call.write(findMessage(0, '', 2))
      call.end()
    }
    const seen: unknown[] = []
    const error = await failure(
      connection
        .store('/t')
        .find()
        .pipe(tap((d) => seen.push(d._id))),
    )
    expect(seen).toEqual(['a'])
    expect(error).toBeInstanceOf(TableNotFoundError)
  })

  it('fails a Find on a non-OK status after some documents', async () => {
    server.handlers.Find = (call) => {
      call.write(findMessage(1, '{"_id":"a"}'))
      setTimeout(() => call.emit('error', statusError(grpc.status.RESOURCE_EXHAUSTED, 'too much')), 20)
    }
    const seen: unknown[] = []
    const error = await failure(
      connection
        .store('/t')
        .find()
        .pipe(tap((d) => seen.push(d._id))),
    )
    expect(seen).toEqual(['a'])
    expect(error).toBeInstanceOf(ResourceExhaustedError)
  })

  it('rejects a Find message of unknown type', async () => {
    server.handlers.Find = (call) => {
      call.write(findMessage(0, '{"_id":"a"}'))
      call.end()
    }
    expect(await failure(connection.store('/t').find())).toBeInstanceOf(DecodingError)
  })

  it('cancels a Find on the server when the subscriber takes only what it needs', async () => {
    server.handlers.Find = (call) => {
      let i = 0
      const timer = setInterval(() => {
        if (call.cancelled) return clearInterval(timer)
        call.write(findMessage(1, `{"_id":"k${String(i++).padStart(5, '0')}"}`))
      }, 2)
      call.on('cancelled', () => clearInterval(timer))
    }
    const docs = await lastValueFrom(connection.store('/t').find().pipe(take(3), toArray()))
    expect(docs.map((d) => d._id)).toEqual(['k00000', 'k00001', 'k00002'])
    await until(() => server.of('Find')[0]?.cancelled === true, 'the server to see the cancellation')
  })

  it('findById: null on DOCUMENT_NOT_FOUND, projections and condition sent as given', async () => {
    server.handlers.FindById = (_call, cb) => cb(null, wireError(281))
    const result = await firstValueFrom(
      connection.store('/t').findById(Buffer.from('1234'), { fields: ['a.b', 'c[0]'], condition: { $eq: { a: 1 } } }),
    )
    expect(result).toBeNull()
    expect(server.of('FindById')[0]?.request).toMatchObject({
      jsonDocument: '{"_id":{"$binary":"MTIzNA=="}}',
      projections: ['a.b', 'c[0]'],
    })
    expect(server.of('FindById')[0]?.request.jsonCondition).toBeTypeOf('string')
  })

  it('check-and-* operations answer false on DOCUMENT_NOT_FOUND and true on NO_ERROR', async () => {
    const store = connection.store('/t')
    server.handlers.Delete = (_call, cb) => cb(null, wireError(281))
    server.handlers.Update = (_call, cb) => cb(null, wireError(281))
    server.handlers.InsertOrReplace = (_call, cb) => cb(null, wireError(281))
    expect(await firstValueFrom(store.checkAndDelete('a', { $eq: { a: 1 } }))).toBe(false)
    expect(await firstValueFrom(store.checkAndMutate('a', { $eq: { a: 1 } }, { $set: { b: 2 } }))).toBe(false)
    expect(await firstValueFrom(store.checkAndReplace({ _id: 'a' }, { $eq: { a: 1 } }))).toBe(false)
    server.handlers = {}
    expect(await firstValueFrom(store.checkAndDelete('a', { $eq: { a: 1 } }))).toBe(true)
    // Without a condition, DOCUMENT_NOT_FOUND is an error, not false.
    server.handlers.Update = (_call, cb) => cb(null, wireError(281))
    expect(await failure(store.update('a', { $set: { b: 1 } }))).toBeInstanceOf(DocumentNotFoundError)
  })

  it('close({ graceMs: 0 }) ends calls in flight with ClosedError and cancels them on the server', async () => {
    server.handlers.FindById = () => undefined
    const pending = failure(connection.store('/t').findById('k'))
    await until(() => server.of('FindById').length === 1, 'the call to arrive')
    const closing = connection.close({ graceMs: 0 })
    expect(await pending).toBeInstanceOf(ClosedError)
    await until(() => server.of('FindById')[0]?.cancelled === true, 'the server to see the cancellation')
    await closing
  })

  it('close() lets a call in flight finish within the grace, refuses new ones at once, and resolves when it ended', async () => {
    let answer: (() => void) | undefined
    server.handlers.FindById = (_call, cb) => (answer = () => cb(null, wireError(281)))
    const pending = firstValueFrom(connection.store('/t').findById('k'))
    await until(() => answer !== undefined, 'the call to arrive')
    let closed = false
    const closing = connection.close({ graceMs: 5000 }).then(() => (closed = true))
    expect(connection.closed).toBe(true)
    expect(await failure(connection.ping())).toBeInstanceOf(ClosedError)
    expect(server.of('Ping')).toHaveLength(0)
    expect(closed).toBe(false)
    answer?.()
    expect(await pending).toBeNull()
    await closing
    expect(connection.close()).toBeInstanceOf(Promise)
  })

  it('close() cuts off a call still running at the end of the grace with ClosedError', async () => {
    server.handlers.FindById = () => undefined
    const pending = failure(connection.store('/t').findById('k'))
    await until(() => server.of('FindById').length === 1, 'the call to arrive')
    const closing = connection.close({ graceMs: 50 })
    expect(connection.close({ graceMs: 1000 })).toBe(closing)
    expect(await pending).toBeInstanceOf(ClosedError)
    await closing
  })

  it('close() with bad options rejects with InvalidOptionsError and closes nothing', async () => {
    await expect(connection.close({ graceMs: -1 })).rejects.toThrow(/graceMs must be an integer number of ms in \[0, 2\^31-1\]/)
    await expect(connection.close({ grace: 1 } as never)).rejects.toThrow('close options: unknown option "grace" (did you mean "graceMs"?)')
    expect(connection.closed).toBe(false)
    await lastValueFrom(connection.ping(), { defaultValue: undefined })
  })

  it('after close() every operation fails with ClosedError and nothing is sent', async () => {
    const store = connection.store('/t')
    connection.close()
    expect(await failure(store.findById('k'))).toBeInstanceOf(ClosedError)
    expect(await failure(store.find())).toBeInstanceOf(ClosedError)
    expect(await failure(connection.ping())).toBeInstanceOf(ClosedError)
    expect(await failure(connection.storeExists('/t'))).toBeInstanceOf(ClosedError)
    expect(await failure(connection.store('/u').insert({ _id: 'x' }))).toBeInstanceOf(ClosedError)
    expect(server.calls).toHaveLength(0)
  })
})
