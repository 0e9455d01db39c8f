/**
 * Every operation of the driver against the embedded gateway on a real port, in three setups:
 * plaintext without auth, plaintext with basic -> bearer auth, TLS with auth (certificate
 * generated at test time, CA read from a PEM file as `sslCA` names it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, type DocumentStore, connect } from '../../lib/driver/index.js'
import { DocumentExistsError, DocumentNotFoundError, TableExistsError, TableNotFoundError } from '../../lib/ojai/errors.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp } from '../../lib/ojai/values.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'
import { localhostCertificate } from './helpers/tls.js'
import { done, failure } from '../support/observables.js'

interface Setup {
  readonly gateway: TestGateway
  readonly connectionString: string
  readonly cleanup: () => void
}

const setups: Record<string, () => Promise<Setup>> = {
  'plaintext, no auth': async () => {
    const gateway = await startTestGateway()
    return { gateway, connectionString: `127.0.0.1:${gateway.port}?ssl=false`, cleanup: () => undefined }
  },
  'plaintext, basic -> bearer': async () => {
    const gateway = await startTestGateway({ auth: { user: 'alice', password: 'p;a&s+s' } })
    return {
      gateway,
      connectionString: `ojai:mapr:thin:v1@127.0.0.1:${gateway.port}?auth=basic;user=alice;password=p%3Ba%26s%2Bs;ssl=false`,
      cleanup: () => undefined,
    }
  },
  'TLS, basic -> bearer': async () => {
    const { cert, key } = await localhostCertificate()
    const dir = mkdtempSync(join(tmpdir(), 'driver-tls-'))
    const caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, cert)
    const gateway = await startTestGateway({ auth: { user: 'bob', password: 'secret' }, tls: { cert, key } })
    return {
      gateway,
      connectionString: `127.0.0.1:${gateway.port}?user=bob;password=secret;ssl=true;sslCA=${encodeURIComponent(caFile)};sslTargetNameOverride=localhost`,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    }
  },
}

describe.each(Object.keys(setups))('driver against the embedded gateway: %s', (name) => {
  let setup: Setup
  let connection: Connection
  let store: DocumentStore
  const table = '/apps/driver_it'

  beforeAll(async () => {
    setup = await (setups[name] as () => Promise<Setup>)()
    connection = connect(setup.connectionString, { deadlineMs: 5000 })
    store = await firstValueFrom(connection.createStore(table))
  })
  afterAll(async () => {
    connection?.close()
    await setup?.gateway.close()
    setup?.cleanup()
  })

  it('ping (connection and store)', async () => {
    await done(connection.ping())
    await done(store.ping())
  })

  it('admin: storeExists, createStore twice, deleteStore twice', async () => {
    expect(await firstValueFrom(connection.storeExists(table))).toBe(true)
    expect(await firstValueFrom(connection.storeExists('/apps/none'))).toBe(false)
    expect(await failure(connection.createStore(table))).toBeInstanceOf(TableExistsError)
    const other = await firstValueFrom(connection.createStore('/apps/driver_tmp'))
    expect(other.path).toBe('/apps/driver_tmp')
    await done(connection.deleteStore('/apps/driver_tmp'))
    expect(await firstValueFrom(connection.storeExists('/apps/driver_tmp'))).toBe(false)
    expect(await failure(connection.deleteStore('/apps/driver_tmp'))).toBeInstanceOf(TableNotFoundError)
  })

  it('store(path) makes no call; a missing table shows on the first operation', async () => {
    const before = setup.gateway.requestCount()
    const missing = connection.getStore('/apps/missing')
    expect(setup.gateway.requestCount()).toBe(before)
    expect(await failure(missing.insert({ _id: 'x' }))).toBeInstanceOf(TableNotFoundError)
  })

  it('insert, duplicate insert, findById, insertOrReplace, replace', async () => {
    await done(store.insert({ _id: 'u1', name: 'Ann', age: 35 }))
    expect(await failure(store.insert({ _id: 'u1', name: 'Dup' }))).toBeInstanceOf(DocumentExistsError)
    expect(await firstValueFrom(store.findById('u1'))).toEqual({ _id: 'u1', name: 'Ann', age: 35 })
    await done(store.insertOrReplace({ _id: 'u1', name: 'Ann', age: 36 }))
    await done(store.insertOrReplace({ _id: 'u2', name: 'Bo', age: 20 }))
    await done(store.replace({ _id: 'u2', name: 'Bo', age: 21 }))
    expect(await failure(store.replace({ _id: 'nobody', name: 'X' }))).toBeInstanceOf(DocumentNotFoundError)
    expect(await firstValueFrom(store.findById('u2'))).toEqual({ _id: 'u2', name: 'Bo', age: 21 })
  })

  it('findById: missing -> null, projection, condition', async () => {
    await done(store.insertOrReplace({ _id: 'p1', a: { b: 1, c: 2 }, tags: ['x', 'y'] }))
    expect(await firstValueFrom(store.findById('nope'))).toBeNull()
    expect(await firstValueFrom(store.findById('p1', { fields: ['a.b'] }))).toEqual({ a: { b: 1 } })
    expect(await firstValueFrom(store.findById('p1', { condition: { $eq: { 'a.c': 2 } } }))).toMatchObject({ _id: 'p1' })
    expect(await firstValueFrom(store.findById('p1', { condition: { $eq: { 'a.c': 3 } } }))).toBeNull()
  })

  it('binary _id and every extended type round-trip', async () => {
    const id = Buffer.from([0, 1, 2, 255])
    const doc = {
      _id: id,
      long: 9223372036854775807n,
      int: new OInt(-5),
      short: new OShort(7),
      byte: new OByte(-1),
      float: new OFloat(1.5),
      double: 35,
      decimal: new ODecimal('12345678901234567890.123'),
      date: ODate.parse('2012-10-20'),
      time: OTime.parse('10:11:12.013'),
      ts: OTimestamp.parse('2016-02-22T10:26:12.487Z'),
      interval: new OInterval(86_400_000),
      bin: new Uint8Array([9, 8]),
      nested: { list: [1, 'two', null, true, { deep: 3n }] },
    }
    await done(store.insertOrReplace(doc))
    const back = await firstValueFrom(store.findById(id))
    expect(back).not.toBeNull()
    expect(back).toEqual({ ...doc, _id: expect.any(Uint8Array) as unknown, bin: expect.any(Uint8Array) as unknown })
    expect([...(back?._id as Uint8Array)]).toEqual([0, 1, 2, 255])
    expect([...(back?.bin as Uint8Array)]).toEqual([9, 8])
    expect(await firstValueFrom(store.findById('\u0000\u0001\u0002\u00ff'))).toBeNull() // a string key never matches a binary one
  })

  it('update, increment (type kept), update of a missing id', async () => {
    await done(store.insertOrReplace({ _id: 'c1', n: 1n, i: new OInt(1), d: 1.5 }))
    await done(store.update('c1', { $set: { 'm.x': 'y' } }))
    await done(store.increment('c1', 'n', 2n))
    await done(store.increment('c1', 'i', 5))
    await done(store.increment('c1', 'fresh', 3))
    const back = await firstValueFrom(store.findById('c1'))
    expect(back).toMatchObject({ n: 3n, i: new OInt(6), d: 1.5, m: { x: 'y' } })
    expect(back?.fresh).toEqual(3)
    expect(await failure(store.update('missing', { $set: { a: 1 } }))).toBeInstanceOf(DocumentNotFoundError)
  })

  it('checkAndMutate, checkAndReplace, checkAndDelete: true when the condition holds, false otherwise', async () => {
    await done(store.insertOrReplace({ _id: 'k1', state: 'new', v: 1 }))
    expect(await firstValueFrom(store.checkAndMutate('k1', { $eq: { state: 'old' } }, { $set: { v: 2 } }))).toBe(false)
    expect(await firstValueFrom(store.checkAndMutate('k1', { $eq: { state: 'new' } }, { $set: { v: 2 } }))).toBe(true)
    expect(await firstValueFrom(store.checkAndReplace({ _id: 'k1', state: 'x' }, { $eq: { v: 1 } }))).toBe(false)
    expect(await firstValueFrom(store.checkAndReplace({ _id: 'k1', state: 'done', v: 3 }, { $eq: { v: 2 } }))).toBe(true)
    expect(await firstValueFrom(store.findById('k1'))).toEqual({ _id: 'k1', state: 'done', v: 3 })
    expect(await firstValueFrom(store.checkAndDelete('k1', { $eq: { v: 99 } }))).toBe(false)
    expect(await firstValueFrom(store.findById('k1'))).not.toBeNull()
    expect(await firstValueFrom(store.checkAndDelete('k1', { $eq: { v: 3 } }))).toBe(true)
    expect(await firstValueFrom(store.findById('k1'))).toBeNull()
  })

  it('delete, and delete of a missing id succeeds', async () => {
    await done(store.insertOrReplace({ _id: 'd1' }))
    await done(store.delete('d1'))
    expect(await firstValueFrom(store.findById('d1'))).toBeNull()
    await done(store.delete('d1'))
  })

  it('find: all in _id order, $where/$orderby/$limit/$offset/$select, query plan', async () => {
    const t = await firstValueFrom(connection.createStore('/apps/driver_find'))
    try {
      for (const [id, n] of [
        ['b', 2],
        ['a', 1],
        ['d', 4],
        ['c', 3],
      ] as const)
        await done(t.insert({ _id: id, n, even: n % 2 === 0 }))
      const all = await lastValueFrom(t.find().pipe(toArray()))
      expect(all.map((d) => d._id)).toEqual(['a', 'b', 'c', 'd'])
      const some = await lastValueFrom(
        t.find({ $select: ['n'], $where: { $gt: { n: 1 } }, $orderby: { n: 'desc' }, $offset: 1, $limit: 2 }).pipe(toArray()),
      )
      expect(some).toEqual([{ n: 3 }, { n: 2 }])
      const events = await lastValueFrom(t.findWithPlan({ $where: { $eq: { even: true } } }).pipe(toArray()))
      expect(events[0]?.kind).toBe('plan')
      expect(events.slice(1).map((e) => (e.kind === 'document' ? e.document._id : undefined))).toEqual(['b', 'd'])
      expect(await failure(connection.store('/apps/none').find())).toBeInstanceOf(TableNotFoundError)
    } finally {
      await done(connection.deleteStore('/apps/driver_find'))
    }
  })
})
