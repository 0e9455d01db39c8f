/**
 * Bad input to the driver (per-call options, table paths, connection strings, conditions,
 * mutations): each refused with a typed error whose message says what to fix, and nothing sent:
 * the request counter of a real embedded gateway does not move.
 */
import { lastValueFrom, type Observable } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, type DocumentStore, connect } from '../../lib/driver/index.js'
import { cond, type Condition } from '../../lib/ojai/condition.js'
import {
  InvalidArgumentError,
  InvalidConditionError,
  InvalidConnectionStringError,
  InvalidMutationError,
  InvalidOptionsError,
  InvalidQueryError,
  InvalidValueError,
} from '../../lib/ojai/errors.js'
import { mutation } from '../../lib/ojai/mutation.js'
import { query } from '../../lib/ojai/query.js'
import type { DocumentMap } from '../../lib/ojai/values.js'
import type { Store } from '../../lib/store.js'
import { BAD_CALL_OPTIONS } from '../support/bad-call-options.js'
import { failure } from '../support/observables.js'
import { bad, thrown, type ErrorClass } from '../support/thrown.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

/** `cond.and` nested `levels` deep, built the way a program that folds a filter list would. */
function nested(levels: number): () => Condition {
  return () => {
    let c = cond.eq('a', 1)
    for (let i = 1; i < levels; i++) c = cond.and(c, cond.eq(`f${i}`, i))
    return c
  }
}

/** The same, as JSON nested 20 000 levels deep (as a condition arriving from elsewhere). */
function deepJson(): Record<string, unknown> {
  let c: Record<string, unknown> = { $eq: { a: 1 } }
  for (let i = 0; i < 20_000; i++) c = { $or: [c, { $eq: { b: i } }] }
  return c
}

/** A map nested 20 000 levels deep, as a document field. */
function deepValue(): DocumentMap {
  let v: DocumentMap = { x: 1 }
  for (let i = 0; i < 20_000; i++) v = { x: v }
  return v
}

describe('bad input to the driver: a typed error saying what to fix, nothing sent', () => {
  let gateway: TestGateway
  let connection: Connection
  let store: DocumentStore

  beforeAll(async () => {
    gateway = await startTestGateway()
    connection = connect(`127.0.0.1:${gateway.port}?ssl=false`)
    store = connection.store('/bad')
  })
  afterAll(async () => {
    await connection.close()
    await gateway.close()
  })

  it.each<[string, (s: DocumentStore, c: Connection) => Observable<unknown>, ErrorClass, string]>([
    ...BAD_CALL_OPTIONS.map(([name, call, message]): [string, (s: Store) => Observable<unknown>, ErrorClass, string] => [
      name,
      call,
      InvalidOptionsError,
      message,
    ]),
    [
      'find { idleMs: 0 }',
      (s) => s.find({}, { idleMs: 0 }),
      InvalidOptionsError,
      'idleMs must be a number of ms above 0 and at most 2^31-1, or Infinity for no limit; got 0',
    ],
    [
      'ping { timout: 1 }',
      (s) => s.ping(bad({ timout: 1 })),
      InvalidOptionsError,
      'ping options: unknown option "timout" (did you mean "timeoutMs"?)',
    ],
    [
      'connection.ping { timout: 1 }',
      (_s, c) => c.ping(bad({ timout: 1 })),
      InvalidOptionsError,
      'ping options: unknown option "timout" (did you mean "timeoutMs"?)',
    ],
    [
      'createStore { timeout: 1 }',
      (_s, c) => c.createStore('/bad', bad({ timeout: 1 })),
      InvalidOptionsError,
      'createStore options: unknown option "timeout" (did you mean "timeoutMs"?)',
    ],
    [
      'update with mutation() and no operation',
      (s) => s.update('k', mutation()),
      InvalidMutationError,
      'an update needs at least one operation, and this mutation has none',
    ],
    [
      'checkAndMutate with mutation() and no operation',
      (s) => s.checkAndMutate('k', {}, mutation()),
      InvalidMutationError,
      'an update needs at least one operation',
    ],
    [
      'findById with a condition nested 20 000 levels deep (JSON)',
      (s) => s.findById('k', { condition: bad(deepJson()) }),
      InvalidConditionError,
      'a condition may nest $and, $or and $elementAnd at most 100 levels deep (MAX_CONDITION_DEPTH)',
    ],
    [
      'find with a query whose condition is nested 20 000 levels deep (JSON)',
      (s) => s.find(bad({ $where: deepJson() })),
      InvalidQueryError,
      '$where: a condition may nest $and, $or and $elementAnd at most 100 levels deep',
    ],
    [
      'insert of a document nested 20 000 levels deep',
      (s) => s.insert({ _id: 'k', a: deepValue() }),
      InvalidValueError,
      'nested too deeply',
    ],
    [
      'update setting a value nested 20 000 levels deep',
      (s) => s.update('k', { $set: { a: deepValue() } }),
      InvalidMutationError,
      'nested too deeply',
    ],
    [
      'createStore on a path with ".."',
      (_s, c) => c.createStore('/bad/x/../t'),
      InvalidArgumentError,
      'table path "/bad/x/../t" has a "." or ".." segment: table paths are not resolved, write the path without them; if you mean "/bad/t", write that',
    ],
    [
      'storeExists on a path with "."',
      (_s, c) => c.storeExists('/bad/./t'),
      InvalidArgumentError,
      'table path "/bad/./t" has a "." or ".." segment',
    ],
  ])('%s', async (_name, call, type, message) => {
    const before = gateway.requestCount()
    const error = await failure(call(store, connection))
    expect(error).toBeInstanceOf(type)
    expect((error as Error).message).toContain(message)
    expect(gateway.requestCount()).toBe(before)
  })

  it('a condition built 20 000 levels deep fails at level 101 with the typed error, not a RangeError', () => {
    expect(nested(100)).not.toThrow()
    expect(nested(20_000)).toThrow(InvalidConditionError)
    expect(nested(20_000)).toThrow(`at most 100 levels deep`)
    expect(() => query().where(nested(20_000)())).toThrow(InvalidConditionError)
  })

  it.each([
    ['/bad/x/../t', 'if you mean "/bad/t", write that'],
    ['/bad/./t', 'if you mean "/bad/t", write that'],
    ['/..', 'write the path without them'],
    ['/a/..', 'write the path without them'],
  ])('connection.store(%j) throws InvalidArgumentError naming the path: %s', (path, fix) => {
    const before = gateway.requestCount()
    expect(() => connection.store(path)).toThrow(InvalidArgumentError)
    expect(() => connection.store(path)).toThrow(`table path ${JSON.stringify(path)} has a "." or ".." segment`)
    expect(() => connection.store(path)).toThrow(fix)
    expect(gateway.requestCount()).toBe(before)
  })

  it('names that only look like dot segments are table names', () => {
    for (const path of ['/bad/.t', '/bad/t..', '/bad/...']) expect(connection.store(path).path).toBe(path)
  })

  it.each([
    [
      'a control character in the host',
      (port: number) => `127.0.0.1\u0001:${port}?ssl=false`,
      'contains a control character (U+0001) at position 10: remove it',
    ],
    [
      'a control character in an option value',
      (port: number) => `127.0.0.1:${port}?ssl=false;sslTargetNameOverride=a\u0001b`,
      'contains a control character (U+0001)',
    ],
    [
      'a percent-encoded control character in the password',
      (port: number) => `127.0.0.1:${port}?ssl=false;user=u;password=sec%01retvalue`,
      'the value of option "password" holds a control character (U+0001, percent-encoded): remove it',
    ],
    [
      'a raw control character in the password',
      (port: number) => `127.0.0.1:${port}?ssl=false;user=u;password=sec\u0001retvalue`,
      'contains a control character (U+0001)',
    ],
    [
      'DEL in the user',
      (port: number) => `127.0.0.1:${port}?ssl=false;user=u%7F;password=secretvalue`,
      'the value of option "user" holds a control character (U+007F, percent-encoded)',
    ],
  ])('connect with %s: InvalidConnectionStringError, the secret not echoed, nothing sent', (_name, text, message) => {
    const before = gateway.requestCount()
    const error = thrown(() => connect(text(gateway.port)))
    expect(error).toBeInstanceOf(InvalidConnectionStringError)
    expect((error as Error).message).toContain(message)
    expect((error as Error).message).not.toContain('retvalue')
    expect(gateway.requestCount()).toBe(before)
  })

  it('the gateway saw no request at all, and a good call afterwards is its first', async () => {
    expect(gateway.requestCount()).toBe(0)
    await lastValueFrom(store.ping(), { defaultValue: undefined })
    expect(gateway.requestCount()).toBe(1)
  })
})
