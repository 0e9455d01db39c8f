/**
 * Typed documents: `Store<T>` through the driver, the FailoverStore and connectFailover. The type
 * checks run in `npm run typecheck` (tsc covers spec/): an `expectTypeOf` that no longer holds, or
 * a `@ts-expect-error` line that starts compiling, fails `npm test`. The runtime specs show the
 * types describe what the stores really hand out, over two embedded gateways.
 */
import { firstValueFrom, lastValueFrom, of, toArray, type Observable } from 'rxjs'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import {
  connect,
  connectFailover,
  FailoverStore,
  OInt,
  query,
  toAsyncIterable,
  type ClusterConfig,
  type Document,
  type DocumentShape,
  type DocumentStore,
  type DocumentWithId,
  type FindByIdOptions,
  type Projected,
  type Store,
  type Value,
  type WithId,
} from '../../lib/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { closedPort, connectionString, result, startGateways, TABLE } from '../failover/gateways.js'
import { VirtualStore } from '../failover/virtual-store.js'

interface Address {
  city: string
  zip?: string
}

/** A plain interface, as an application declares it: no index signature. */
interface User {
  _id: string
  name: string
  age?: number
  tags: string[]
  address?: Address
  visits?: OInt
}

/** True when `T` is a valid document type for `Store<T>`. */
type Storable<T> = T extends DocumentShape<T> ? true : false

const ada: User = { _id: 'u1', name: 'Ada', age: 36, tags: ['math'], address: { city: 'London', zip: 'W1' }, visits: new OInt(3) }

describe('typed documents: the constraint', () => {
  it('accepts plain interfaces, type aliases, nested interfaces, Document and DocumentWithId', () => {
    type Alias = { _id: string; n: number; when: null | string }
    interface Tree {
      _id?: string
      name: string
      children: Tree[]
    }
    interface Untyped {
      _id: string
      meta: Document
      raw: Value
      bytes: Uint8Array
      big: bigint
    }
    expectTypeOf<Storable<User>>().toEqualTypeOf<true>()
    expectTypeOf<Storable<Alias>>().toEqualTypeOf<true>()
    expectTypeOf<Storable<Tree>>().toEqualTypeOf<true>()
    expectTypeOf<Storable<Untyped>>().toEqualTypeOf<true>()
    expectTypeOf<Storable<Document>>().toEqualTypeOf<true>()
    expectTypeOf<Storable<DocumentWithId>>().toEqualTypeOf<true>()
  })

  it('rejects fields OJAI cannot store and keys that are not a DocumentId', () => {
    expectTypeOf<Storable<{ _id: string; when: Date }>>().toEqualTypeOf<false>()
    expectTypeOf<Storable<{ _id: string; seen: Map<string, number> }>>().toEqualTypeOf<false>()
    expectTypeOf<Storable<{ _id: string; greet: () => string }>>().toEqualTypeOf<false>()
    expectTypeOf<Storable<{ _id: string; anything: unknown }>>().toEqualTypeOf<false>()
    expectTypeOf<Storable<{ _id: string; nested: { deeper: { when: Date }[] } }>>().toEqualTypeOf<false>()
    expectTypeOf<Storable<{ _id: number; name: string }>>().toEqualTypeOf<false>()
    expectTypeOf<Storable<{ _id: string; n: symbol }>>().toEqualTypeOf<false>()
  })

  it('refuses such a type as a store type argument', async () => {
    const c = connect(`127.0.0.1:${await closedPort()}?ssl=false`)
    try {
      // @ts-expect-error: a Date is not an OJAI value (use OTimestamp)
      c.store<{ _id: string; when: Date }>('/t')
      // @ts-expect-error: a key is a string or binary
      c.store<{ _id: number }>('/t')
    } finally {
      c.close()
    }
  })
})

describe('typed documents: helper types', () => {
  it('WithId adds the key a write needs and keeps a declared one', () => {
    expectTypeOf<WithId<{ name: string }>['_id']>().toEqualTypeOf<string | Uint8Array>()
    expectTypeOf<WithId<User>['_id']>().toEqualTypeOf<string>()
    expectTypeOf<DocumentWithId>().toExtend<WithId<Document>>()
    expectTypeOf<WithId<Document>>().toExtend<DocumentWithId>()
  })

  it('Projected makes every field optional at every depth, and leaves an untyped Document as it is', () => {
    const p: Projected<User> = { address: { city: 'Oslo' } }
    expectTypeOf(p._id).toEqualTypeOf<string | undefined>()
    expectTypeOf(p.tags).toEqualTypeOf<string[] | undefined>()
    expectTypeOf(p.visits).toEqualTypeOf<OInt | undefined>()
    expectTypeOf<NonNullable<typeof p.address>>().toEqualTypeOf<{ city?: string; zip?: string }>()
    expectTypeOf<Projected<{ items: { sku: string; n: number }[] }>>().toEqualTypeOf<{ items?: { sku?: string; n?: number }[] }>()
    expectTypeOf<Projected<Document>>().toEqualTypeOf<Document>()
  })
})

describe('typed documents: DocumentStore<T>', () => {
  it('types reads by T, a projection as Projected<T>, and writes as WithId<T>', async () => {
    const c = connect(`127.0.0.1:${await closedPort()}?ssl=false`)
    try {
      const users = c.store<User>('/apps/users')
      expectTypeOf(users).toEqualTypeOf<DocumentStore<User>>()
      expectTypeOf(users).toExtend<Store<User>>()
      expectTypeOf(c.getStore<User>('/apps/users')).toEqualTypeOf<DocumentStore<User>>()
      expectTypeOf(c.createStore<User>('/apps/users')).toEqualTypeOf<Observable<DocumentStore<User>>>()

      expectTypeOf(users.findById('u1')).toEqualTypeOf<Observable<User | null>>()
      expectTypeOf(users.findById('u1', { timeoutMs: 100, condition: { $eq: { name: 'Ada' } } })).toEqualTypeOf<Observable<User | null>>()
      expectTypeOf(users.findById('u1', { fields: ['name'] })).toEqualTypeOf<Observable<Projected<User> | null>>()
      // Options of the wide type may hold fields: the result is typed as projected, never as whole.
      const options: FindByIdOptions = {}
      expectTypeOf(users.findById('u1', options)).toEqualTypeOf<Observable<Projected<User> | null>>()
      expectTypeOf(users.find()).toEqualTypeOf<Observable<User>>()
      // A find whose query selects fields is taken as projected by its caller: no cast needed.
      const projecting: Observable<Projected<User>> = users.find(query().select('name'))
      void projecting
      expectTypeOf(toAsyncIterable(users.find())).toEqualTypeOf<AsyncIterable<User>>()
      expectTypeOf(users.findWithPlan()).toExtend<Observable<{ kind: 'plan' } | { kind: 'document'; document: User }>>()

      users.insert(ada)
      users.insertOrReplace({ _id: 'u2', name: 'Grace', tags: [] })
      users.replace({ ...ada, age: 37 })
      users.checkAndReplace({ ...ada, age: 37 }, { $eq: { age: 36 } })
      // @ts-expect-error: a field of the wrong type
      users.insert({ _id: 'u2', name: 'Grace', tags: [], age: '37' })
      // @ts-expect-error: no key
      users.insert({ name: 'Grace', tags: [] })
      // @ts-expect-error: a required field missing
      users.insertOrReplace({ _id: 'u2', name: 'Grace' })
      // @ts-expect-error: a field User does not have
      users.replace({ _id: 'u2', name: 'Grace', tags: [], email: 'g@example.com' })
      // @ts-expect-error: the key of the wrong type
      users.checkAndReplace({ _id: 7, name: 'Grace', tags: [] }, {})
    } finally {
      c.close()
    }
  })

  it('reads are T: known fields are typed, unknown ones do not compile', () => {
    const read = (u: User): string => {
      // @ts-expect-error: User has no email
      void u.email
      return u.name
    }
    expect(read(ada)).toBe('Ada')
  })

  it('leaves untyped stores as they were: Document, whose fields must be narrowed', async () => {
    const c = connect(`127.0.0.1:${await closedPort()}?ssl=false`)
    try {
      const store = c.store('/apps/users')
      expectTypeOf(store).toEqualTypeOf<DocumentStore<Document>>()
      expectTypeOf(store).toEqualTypeOf<DocumentStore>()
      expectTypeOf(store.findById('u1')).toEqualTypeOf<Observable<Document | null>>()
      expectTypeOf(store.findById('u1', { fields: ['name'] })).toEqualTypeOf<Observable<Document | null>>()
      expectTypeOf(store.find()).toEqualTypeOf<Observable<Document>>()
      // Not called: only the type of what it would resolve to, inferred through firstValueFrom.
      const _create = () => firstValueFrom(c.createStore('/t'))
      expectTypeOf<Awaited<ReturnType<typeof _create>>>().toEqualTypeOf<DocumentStore<Document>>()
      store.insert({ _id: 'u1', anything: [1, 'two', null] })
      // @ts-expect-error: still a document with a key
      store.insert({ anything: 1 })
      const narrow = (doc: Document): string => {
        // @ts-expect-error: an untyped field is a Value until narrowed
        const unchecked: string = doc.name
        void unchecked
        return typeof doc.name === 'string' ? doc.name : ''
      }
      expect(narrow({ name: 'Ada' })).toBe('Ada')
      // A store's type is only ever given explicitly, never guessed from where it is used.
      // @ts-expect-error: a Store<Document> is not a Store<User>
      const guessed: Store<User> = c.store('/apps/users')
      void guessed
    } finally {
      c.close()
    }
  })
})

describe('typed documents: FailoverStore<T> and connectFailover<T>', () => {
  it('infers T from typed cluster stores; a plain Store is not a cluster of a FailoverStore<User>', async () => {
    const c1 = connect(`127.0.0.1:${await closedPort()}?ssl=false`)
    const c2 = connect(`127.0.0.1:${await closedPort()}?ssl=false`)
    const opened: { close(): void }[] = []
    try {
      const typed = new FailoverStore([
        { name: 'c1', store: c1.store<User>('/apps/users') },
        { name: 'c2', store: c2.store<User>('/apps/users') },
      ])
      opened.push(typed)
      expectTypeOf(typed).toEqualTypeOf<FailoverStore<User>>()
      expectTypeOf(typed).toExtend<Store<User>>()
      expectTypeOf(typed.findById('u1')).toEqualTypeOf<Observable<User | null>>()
      expectTypeOf(typed.findById('u1', { fields: ['name'] })).toEqualTypeOf<Observable<Projected<User> | null>>()
      expectTypeOf(typed.find()).toEqualTypeOf<Observable<User>>()
      // @ts-expect-error: a field of the wrong type
      typed.insert({ ...ada, tags: 'math' })

      const untyped = new FailoverStore([
        { name: 'c1', store: c1.store('/apps/users') },
        { name: 'c2', store: c2.store('/apps/users') },
      ])
      opened.push(untyped)
      expectTypeOf(untyped).toEqualTypeOf<FailoverStore<Document>>()

      const plain: ClusterConfig[] = [
        { name: 'c1', store: c1.store('/apps/users') },
        { name: 'c2', store: c2.store('/apps/users') },
      ]
      // @ts-expect-error: untyped stores do not become Store<User> by the FailoverStore's type argument
      opened.push(new FailoverStore<User>(plain))
      // Nor does a test double of plain Store: it is made one explicitly (see the runtime spec below).
      expectTypeOf<VirtualStore>().toExtend<Store>()
      expectTypeOf<VirtualStore>().not.toExtend<Store<User>>()
      expectTypeOf<Store>().not.toExtend<Store<User>>()
    } finally {
      for (const s of opened) s.close()
      c1.close()
      c2.close()
    }
  })

  it('connectFailover<T> returns a FailoverStore<T>; without a type argument it is untyped', async () => {
    const clusters = [`127.0.0.1:${await closedPort()}?ssl=false`, `127.0.0.1:${await closedPort()}?ssl=false`]
    const users = connectFailover<User>({ clusters, table: '/apps/users' })
    const untyped = connectFailover({ clusters, table: '/apps/users' })
    try {
      expectTypeOf(users).toEqualTypeOf<FailoverStore<User>>()
      expectTypeOf(untyped).toEqualTypeOf<FailoverStore<Document>>()
      // Not called: the type argument is given, never guessed from the expected type.
      const _guess = (): FailoverStore<User> =>
        // @ts-expect-error: a FailoverStore<Document> is not a FailoverStore<User>
        connectFailover({ clusters, table: '/apps/users' })
    } finally {
      users.close()
      untyped.close()
    }
  })
})

describe('typed documents at run time: what the types promise is what the stores hand out', () => {
  let gateways: OjaiGateway[] = []
  beforeAll(async () => {
    gateways = await startGateways(2)
    for (const g of gateways) {
      const c = connect(connectionString(g.address), { deadlineMs: 5000 })
      try {
        await firstValueFrom(c.createStore<User>(TABLE))
      } finally {
        c.close()
      }
    }
  })
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()))
  })

  it('a FailoverStore<User> writes a User and reads it back whole, projected, and by find', async () => {
    const users = connectFailover<User>({ clusters: gateways.map((g) => connectionString(g.address)), table: TABLE, timeoutMs: 2000 })
    try {
      await result(users.insertOrReplace(ada))
      await result(users.insertOrReplace({ _id: 'u2', name: 'Grace', tags: [] }))

      const whole = await result(users.findById('u1'))
      expect(whole).toEqual(ada)
      expect(whole?.visits).toBeInstanceOf(OInt)

      const projected = await result(users.findById('u1', { fields: ['name', 'address.city'] }))
      expect(projected).toEqual({ name: 'Ada', address: { city: 'London' } })
      expect(projected?._id).toBeUndefined()

      const all = await lastValueFrom(users.find().pipe(toArray()))
      expect(all.map((u) => u.name)).toEqual(['Ada', 'Grace'])
      const names: string[] = []
      for await (const u of toAsyncIterable(users.find())) names.push(u.name)
      expect(names).toEqual(['Ada', 'Grace'])
    } finally {
      users.close()
    }
  })

  it('a typed FailoverStore hands the typed document to the cluster store unchanged', async () => {
    const stores = [new VirtualStore(), new VirtualStore()]
    for (const s of stores) s.on('insert', of(undefined))
    // A test double of plain Store is made a Store<User> explicitly, as the docs say.
    const clusters = stores.map((store, i) => ({ name: `c${i + 1}`, store: store as Store as unknown as Store<User> }))
    const users = new FailoverStore(clusters)
    try {
      expectTypeOf(users).toEqualTypeOf<FailoverStore<User>>()
      await result(users.insert(ada))
      expect(stores[0]?.calls).toEqual([{ op: 'insert', args: [ada, undefined] }])
      expect(stores[0]?.calls[0]?.args[0]).toBe(ada)
      expect(stores[1]?.calls).toEqual([])
    } finally {
      users.close()
    }
  })
})
