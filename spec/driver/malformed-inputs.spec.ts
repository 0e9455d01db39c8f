/**
 * Bad input is rejected with a typed error before anything is sent: the server's request count
 * does not move.
 */
import { lastValueFrom, type Observable } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, type DocumentStore, connect } from '../../lib/driver/index.js'
import {
  InvalidArgumentError,
  InvalidConditionError,
  InvalidConnectionStringError,
  InvalidDocumentError,
  InvalidFieldPathError,
  InvalidIdError,
  InvalidMutationError,
  InvalidOptionsError,
  InvalidQueryError,
  InvalidValueError,
  type OjaiError,
} from '../../lib/ojai/errors.js'
import type { DocumentWithId } from '../../lib/ojai/values.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

type ErrorClass = abstract new (...args: never[]) => OjaiError

const cyclic: Record<string, unknown> = { _id: 'c' }
cyclic.self = cyclic

/** Casts a deliberately ill-typed value past the compiler, as a JavaScript caller would pass it. */
function bad<T>(value: unknown): T {
  return value as T
}

const connectionStrings: [string, ErrorClass][] = [
  ['', InvalidConnectionStringError],
  ['localhost:99999?ssl=false', InvalidConnectionStringError],
  ['localhost?ssl=false;sslca=x', InvalidConnectionStringError],
  ['localhost', InvalidConnectionStringError],
  ['localhost?ssl=false;auth=kerberos', InvalidConnectionStringError],
  ['localhost?ssl=false;user=bob', InvalidConnectionStringError],
  ['localhost?ssl=false;user=bob;password=%ZZ', InvalidConnectionStringError],
  ['localhost?ssl=true;sslCA=/nonexistent/dir/ca.pem', InvalidConnectionStringError],
]

const storeCalls: [string, (s: DocumentStore) => Observable<unknown>, ErrorClass][] = [
  // documents
  ['insert(null)', (s) => s.insert(bad(null)), InvalidDocumentError],
  ['insert([])', (s) => s.insert(bad([])), InvalidDocumentError],
  ['insert({}) without _id', (s) => s.insert(bad({})), InvalidDocumentError],
  ['insert with numeric _id', (s) => s.insert(bad({ _id: 42 })), InvalidIdError],
  ['insert with empty _id', (s) => s.insert({ _id: '' }), InvalidIdError],
  ['insertOrReplace with a function field', (s) => s.insertOrReplace(bad({ _id: 'a', f: () => 1 })), InvalidValueError],
  ['insertOrReplace with a Date field', (s) => s.insertOrReplace(bad({ _id: 'a', d: new Date() })), InvalidValueError],
  ['insertOrReplace with NaN', (s) => s.insertOrReplace({ _id: 'a', n: NaN }), InvalidValueError],
  ['insert with a tag-named field', (s) => s.insert({ _id: 'a', $numberLong: 5 }), InvalidValueError],
  ['insert a cyclic document', (s) => s.insert(bad<DocumentWithId>(cyclic)), InvalidValueError],
  ['replace with a Map field', (s) => s.replace(bad({ _id: 'a', m: new Map() })), InvalidValueError],
  // ids
  ['findById(undefined)', (s) => s.findById(bad(undefined)), InvalidIdError],
  ['findById(3)', (s) => s.findById(bad(3)), InvalidIdError],
  ['delete(empty binary)', (s) => s.delete(new Uint8Array(0)), InvalidIdError],
  ['update({} as id)', (s) => s.update(bad({}), { $set: { a: 1 } }), InvalidIdError],
  // field paths
  ['findById fields a..b', (s) => s.findById('a', { fields: ['a..b'] }), InvalidFieldPathError],
  ['findById fields a[', (s) => s.findById('a', { fields: ['a['] }), InvalidFieldPathError],
  ['increment empty path', (s) => s.increment('a', '', 1), InvalidMutationError],
  ['increment an unclosed quoted path', (s) => s.increment('a', 'a.`b', 1), InvalidFieldPathError],
  ['increment by NaN', (s) => s.increment('a', 'n', NaN), InvalidMutationError],
  ['increment _id', (s) => s.increment('a', '_id', 1), InvalidMutationError],
  ['increment by a string', (s) => s.increment('a', 'n', bad('1')), InvalidMutationError],
  // conditions
  ['findById condition {$eq: 1}', (s) => s.findById('a', { condition: { $eq: 1 } }), InvalidConditionError],
  ['checkAndDelete with condition text that is not JSON', (s) => s.checkAndDelete('a', '{not json'), InvalidConditionError],
  [
    'checkAndMutate with an unknown operator',
    (s) => s.checkAndMutate('a', { $bogus: { a: 1 } }, { $set: { a: 1 } }),
    InvalidConditionError,
  ],
  ['checkAndReplace with $in on a non-array', (s) => s.checkAndReplace({ _id: 'a' }, { $in: { a: 5 } }), InvalidConditionError],
  ['checkAndDelete without a condition', (s) => s.checkAndDelete('a', bad(undefined)), InvalidConditionError],
  // mutations
  ['update with an unknown operation', (s) => s.update('a', { $bogus: { a: 1 } }), InvalidMutationError],
  ['update that sets _id', (s) => s.update('a', { $set: { _id: 'b' } }), InvalidMutationError],
  ['update with mutation text that is not JSON', (s) => s.update('a', '{"$set":'), InvalidMutationError],
  ['update incrementing by a string', (s) => s.update('a', { $increment: { a: 'x' } }), InvalidMutationError],
  // queries
  ['find with a negative $limit', (s) => s.find({ $limit: -1 }), InvalidQueryError],
  ['find with an unknown key', (s) => s.find({ $bogus: 1 }), InvalidQueryError],
  ['find with a bad $orderby direction', (s) => s.find({ $orderby: { a: 'sideways' } }), InvalidQueryError],
  ['find with query text that is not JSON', (s) => s.find('{'), InvalidQueryError],
  // call options
  ['findById with timeoutMs -1', (s) => s.findById('a', { timeoutMs: -1 }), InvalidOptionsError],
  ['find with timeoutMs NaN', (s) => s.find({}, { timeoutMs: Number.NaN }), InvalidOptionsError],
  ['find with idleMs 0', (s) => s.find({}, { idleMs: 0 }), InvalidOptionsError],
  ['findById with fields not an array', (s) => s.findById('a', { fields: bad('a') }), InvalidOptionsError],
]

const adminCalls: [string, (c: Connection) => Observable<unknown>, ErrorClass][] = [
  ['createStore(42)', (c) => c.createStore(bad(42)), InvalidArgumentError],
  ['createStore relative path', (c) => c.createStore('apps/t'), InvalidArgumentError],
  ['deleteStore("/")', (c) => c.deleteStore('/'), InvalidArgumentError],
  ['storeExists with a timeoutMs of 0', (c) => c.storeExists('/t', { timeoutMs: 0 }), InvalidOptionsError],
]

async function errorOf(source: Observable<unknown>): Promise<unknown> {
  try {
    await lastValueFrom(source, { defaultValue: undefined })
  } catch (error) {
    return error
  }
  return undefined
}

describe('malformed inputs are rejected with typed errors and nothing is sent', () => {
  let gateway: TestGateway
  let connection: Connection
  let store: DocumentStore

  beforeAll(async () => {
    gateway = await startTestGateway()
    connection = connect(`127.0.0.1:${gateway.port}?ssl=false`, { deadlineMs: 5000 })
    store = connection.store('/malformed')
  })
  afterAll(async () => {
    connection.close()
    await gateway.close()
  })

  it('covers at least 30 cases', () => {
    expect(connectionStrings.length + storeCalls.length + adminCalls.length).toBeGreaterThanOrEqual(30)
  })

  it.each(connectionStrings)('connection string %j', (text, type) => {
    expect(() => connect(text)).toThrow(type)
  })

  it.each([
    [{ deadlineMs: 0 }, 'deadlineMs'],
    [{ deadlineMs: 2 ** 31 }, 'deadlineMs must be a number of ms above 0 and at most 2^31-1, or Infinity for no limit; got 2147483648'],
    [{ findIdleMs: -5 }, 'findIdleMs'],
    [{ findDeadlineMs: '1000' }, 'findDeadlineMs'],
    [{ bogus: 1 }, 'connect options: unknown option "bogus"'],
  ])('connect options %j', (options, message) => {
    expect(() => connect('localhost?ssl=false', bad(options))).toThrow(InvalidOptionsError)
    expect(() => connect('localhost?ssl=false', bad(options))).toThrow(message)
  })

  it.each(storeCalls)('%s', async (_name, call, type) => {
    const before = gateway.requestCount()
    const error = await errorOf(call(store))
    expect(error).toBeInstanceOf(type)
    expect((error as OjaiError).availability).toBe(false)
    expect(gateway.requestCount()).toBe(before)
  })

  it.each(adminCalls)('%s', async (_name, call, type) => {
    const before = gateway.requestCount()
    const error = await errorOf(call(connection))
    expect(error).toBeInstanceOf(type)
    expect(gateway.requestCount()).toBe(before)
  })

  it('store() with a bad path throws at once', () => {
    expect(() => connection.store('')).toThrow(InvalidArgumentError)
    expect(() => connection.getStore(bad(null))).toThrow(InvalidArgumentError)
  })

  it('the gateway saw no request at all, and a good call afterwards is its first', async () => {
    expect(gateway.requestCount()).toBe(0)
    await lastValueFrom(connection.ping(), { defaultValue: undefined })
    expect(gateway.requestCount()).toBe(1)
  })
})
