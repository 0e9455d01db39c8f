/**
 * Bad input to a FailoverStore (its clusters, per-call options, mutations, operation names,
 * maintenance options): each refused with a typed error whose message says what to fix, and
 * nothing sent: the fake cluster stores log no call.
 */
import { lastValueFrom, type Observable } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { FailoverStore, type ClusterConfig } from '../../lib/failover/index.js'
import { InvalidArgumentError, InvalidMutationError, InvalidOptionsError } from '../../lib/ojai/errors.js'
import { mutation } from '../../lib/ojai/mutation.js'
import { fakeStore, type FakeStore } from '../../lib/testing/index.js'
import type { Store } from '../../lib/store.js'
import { BAD_CALL_OPTIONS } from '../support/bad-call-options.js'
import { failure } from '../support/observables.js'
import { bad, type ErrorClass } from '../support/thrown.js'

let open: FailoverStore[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close({ graceMs: 0 })))
  open = []
})

/** A store over two fakes that answer everything at once. */
function storeOverFakes(): { store: FailoverStore; fakes: FakeStore[] } {
  const answers = { findById: () => null, find: () => [], insert: '(x|)', update: '(x|)', checkAndMutate: '(t|)', delete: '(x|)' }
  const fakes = [fakeStore(answers), fakeStore(answers)]
  const store = new FailoverStore(fakes.map((s, i) => ({ name: `c${i + 1}`, store: s })))
  open.push(store)
  return { store, fakes }
}

describe('a FailoverStore refuses bad per-call input before any cluster is called', () => {
  it.each<[string, (s: FailoverStore) => Observable<unknown>, ErrorClass, string]>([
    ...BAD_CALL_OPTIONS.map(([name, call, message]): [string, (s: Store) => Observable<unknown>, ErrorClass, string] => [
      name,
      call,
      InvalidOptionsError,
      message,
    ]),
    [
      'findById { timeoutMs: Infinity }: a FailoverStore needs a bound',
      (s) => s.findById('k', { timeoutMs: Infinity }),
      InvalidOptionsError,
      'timeoutMs must be an integer in [1, 2^31-1]; got Infinity',
    ],
    ['delete with options null', (s) => s.delete('k', bad(null)), InvalidOptionsError, 'delete options must be an object; got null'],
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
  ])('%s', async (_name, call, type, message) => {
    const { store, fakes } = storeOverFakes()
    const error = await failure(call(store))
    expect(error).toBeInstanceOf(type)
    expect((error as Error).message).toContain(message)
    expect(fakes.map((f) => f.calls.length)).toEqual([0, 0])
    expect(store.stats()).toMatchObject({ inFlight: 0, failovers: 0 })
  })

  it('the same options, spelled right, go through (the failover-only keys are not forwarded)', async () => {
    const { store, fakes } = storeOverFakes()
    await lastValueFrom(store.findById('k', { timeoutMs: 100, hedge: false, strategy: 'failover', fields: ['a'] }))
    expect(fakes[0]?.callsOf('findById')[0]?.args).toEqual(['k', { fields: ['a'] }])
  })
})

describe('classOf', () => {
  it.each([
    ['bogus', 'classOf: "bogus" is not a Store operation (known options: findById'],
    ['findByID', 'classOf: "findByID" is not a Store operation (did you mean "findById"?)'],
  ])('%j: InvalidArgumentError naming the operations', (name, message) => {
    const { store } = storeOverFakes()
    expect(() => store.classOf(bad(name))).toThrow(InvalidArgumentError)
    expect(() => store.classOf(bad(name))).toThrow(message)
  })

  it('an empty mutation has no class: InvalidMutationError', () => {
    const { store } = storeOverFakes()
    expect(() => store.classOf('update', mutation())).toThrow(InvalidMutationError)
    expect(store.classOf('update', mutation().set('a', 1))).toBe('conditional')
  })
})

describe('maintenance options', () => {
  it.each<[string, unknown, string]>([
    ['a misspelled key', { reasn: 'patching' }, 'maintenance options: unknown option "reasn" (did you mean "reason"?)'],
    ['a reason that is not a string', { reason: 5 }, 'reason must be a string of at most 200 characters; got 5'],
    ['options that are not an object', 'patching', 'maintenance options must be an object; got "patching"'],
  ])('pin / drain with %s: InvalidOptionsError, routing unchanged', (_name, options, message) => {
    const { store, fakes } = storeOverFakes()
    const before = store.cluster
    expect(() => store.pin('c2', bad(options))).toThrow(InvalidOptionsError)
    expect(() => store.pin('c2', bad(options))).toThrow(message)
    expect(() => store.drain('c1', bad(options))).toThrow(message)
    expect(store.cluster).toEqual(before)
    expect(fakes.map((f) => f.calls.length)).toEqual([0, 0])
  })
})

describe('clusters whose store is not a Store', () => {
  it.each<[string, unknown, string]>([
    [
      'an empty object',
      {},
      'cluster a: its store lacks findById, find, insertOrReplace, replace, delete, insert, update, checkAndReplace, checkAndDelete, checkAndMutate, increment; a store is a DocumentStore (connection.store(path)), a FailoverStore, or an object with all 11 Store methods',
    ],
    [
      'an object missing two methods',
      {
        ...Object.fromEntries(
          ['findById', 'find', 'insertOrReplace', 'insert', 'replace', 'update', 'increment', 'delete', 'checkAndMutate'].map((m) => [
            m,
            () => null,
          ]),
        ),
        path: '/t',
      },
      'cluster a: its store lacks checkAndReplace, checkAndDelete;',
    ],
    [
      'every method but no path',
      Object.assign(Object.create(fakeStore()) as object, { path: 5 }),
      'cluster a: its store has no table path (path must be a string); got 5',
    ],
  ])('%s: InvalidOptionsError at construction, naming what is missing', (_name, store, message) => {
    const second = fakeStore()
    const build = () => new FailoverStore([bad<ClusterConfig>({ name: 'a', store }), { name: 'b', store: second }])
    expect(build).toThrow(InvalidOptionsError)
    expect(build).toThrow(message)
    expect(second.calls).toEqual([])
  })
})
