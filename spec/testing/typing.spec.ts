/**
 * The kit's types: a fake store, a test FailoverStore and a FailoverStore over startClusters carry
 * the document type; scripted values and write arguments are checked against it; untyped fakes
 * are Stores of Document, whatever the context they are written in. Checked by `tsc` (the
 * typecheck of `npm test`); the assertions below are also run.
 */
import type { Observable } from 'rxjs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { Document, FailoverStore, Projected, WithId } from '../../lib/index.js'
import { fakeStore, marble, startClusters, testFailoverStore, type EmbeddedClusters, type FakeStore } from '../../lib/testing/index.js'

interface User {
  _id: string
  name: string
  tags?: string[]
}
const ada: User = { _id: 'u1', name: 'Ada' }

/** Type-level checks in a function that is compiled but never run. */
const compileOnly = (check: () => void): void => void check

describe('typed fakes', () => {
  it('a typed fake store gives its type to answers, scripted values and write arguments', () => {
    const users = fakeStore<User>({ findById: marble('-a|', { a: ada }), insert: '(x|)' })
    expectTypeOf(users).toEqualTypeOf<FakeStore<User>>()
    expectTypeOf(users.findById('u1')).toEqualTypeOf<Observable<User | null>>()
    expectTypeOf(users.findById('u1', { fields: ['name'] })).toEqualTypeOf<Observable<Projected<User> | null>>()
    expectTypeOf(users.find()).toEqualTypeOf<Observable<User>>()
    expectTypeOf(users.callsOf('insert')[0]?.args[0]).toEqualTypeOf<WithId<User> | undefined>()
    compileOnly(() => {
      // @ts-expect-error a scripted value must be a User
      fakeStore<User>({ findById: marble('-a|', { a: { _id: 'u1' } }) })
      // @ts-expect-error a write takes a User with its key
      void users.insert({ _id: 'u2' })
      // @ts-expect-error find answers with Users
      fakeStore<User>({ find: () => [{ _id: 'x', age: 3 }] })
    })
    expect(users.path).toBe('/fake/table')
  })

  it('an untyped fake is a Store of Document, also written inline where a typed store is expected', () => {
    const plain = fakeStore({ findById: '-' })
    expectTypeOf(plain).toEqualTypeOf<FakeStore<Document>>()
    const store = testFailoverStore({ primary: plain, secondary: fakeStore({ findById: marble('-a|', { a: { _id: 'x' } }) }) })
    expectTypeOf(store).toEqualTypeOf<FailoverStore<Document>>()
    store.close()
  })

  it('testFailoverStore takes the type of its typed fakes', () => {
    const store = testFailoverStore({ primary: fakeStore<User>(), secondary: fakeStore<User>() })
    expectTypeOf(store).toEqualTypeOf<FailoverStore<User>>()
    expectTypeOf(store.findById('u1')).toEqualTypeOf<Observable<User | null>>()
    store.close()
  })

  it('startClusters opens typed FailoverStores', async () => {
    const kit: EmbeddedClusters = await startClusters(2)
    try {
      const users = kit.connectFailover<User>('/apps/users')
      expectTypeOf(users).toEqualTypeOf<FailoverStore<User>>()
      expectTypeOf(kit.connectFailover('/apps/users')).toEqualTypeOf<FailoverStore<Document>>()
      expect(users.toJSON().clusters).toEqual(['cluster1', 'cluster2'])
    } finally {
      await kit.close()
    }
  })
})
