/**
 * Moving an application from the official Node client (node-maprdb), end to end against the
 * embedded gateway: its value spellings work (zone-less timestamps as written, hand-written
 * extended-JSON tags, `new OTimestamp(text)`), and the habits that cannot work fail before the
 * wire with a message naming the replacement (a `+` meaning a space in the connection string, a
 * Date value, a numeric key).
 */
import { lastValueFrom, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, connect } from '../../lib/driver/index.js'
import { sameValue } from '../../lib/ojai/document.js'
import { valueEquals } from '../../lib/ojai/compare.js'
import { AuthenticationError, InvalidIdError, InvalidValueError } from '../../lib/ojai/errors.js'
import { OInt, OTimestamp, type Value } from '../../lib/ojai/values.js'
import { done, failure } from '../support/observables.js'
import { openedConnections } from './helpers/connections.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

const SAMPLE = '2016-02-22T10:26:12.487'

describe('values written the official way, through the embedded gateway', () => {
  let gw: TestGateway
  let connection: Connection

  beforeAll(async () => {
    gw = await startTestGateway()
    connection = connect(`127.0.0.1:${gw.port}?ssl=false`, { deadlineMs: 5000 })
    await done(connection.createStore('/apps/port'))
  })
  afterAll(async () => {
    connection.close()
    await gw.close()
  })

  it('a zone-less timestamp is stored as written, reads back zone-less and compares equal', async () => {
    const store = connection.store('/apps/port')
    const written = new OTimestamp(SAMPLE) // the official spelling
    await done(store.insertOrReplace({ _id: 'ts', when: written }))
    const back = (await done(store.findById('ts')))?.['when'] as OTimestamp
    expect(back.isZoneless).toBe(true)
    expect(back.toString()).toBe(SAMPLE)
    expect(sameValue(back, written)).toBe(true)
    expect(valueEquals(back, written)).toBe(true)
    // the same literal in a condition finds it; so does the UTC instant (the embedded gateway runs in UTC)
    expect(await done(store.findById('ts', { condition: { $eq: { when: { $date: SAMPLE } } } }))).not.toBeNull()
    const byInstant = await lastValueFrom(store.find({ $where: { $eq: { when: OTimestamp.parse(`${SAMPLE}Z`) } } }).pipe(toArray()))
    expect(byInstant.map((d) => d._id)).toEqual(['ts'])
  })

  it('an instant is stored in UTC and reads back as an instant', async () => {
    const store = connection.store('/apps/port')
    await done(store.insertOrReplace({ _id: 'inst', when: OTimestamp.parse('2016-02-22T11:26:12.487+01:00') }))
    const back = (await done(store.findById('inst')))?.['when'] as OTimestamp
    expect(back.isZoneless).toBe(false)
    expect(back.toString()).toBe(`${SAMPLE}Z`)
  })

  it('hand-written extended-JSON tags are stored as the typed values', async () => {
    const store = connection.store('/apps/port')
    await done(
      store.insertOrReplace({
        _id: 'tags',
        n: { $numberLong: '9223372036854775807' },
        i: { $numberInt: '5' },
        d: { $decimal: '1.10' },
        b: { $binary: 'MTIzNA==' },
      }),
    )
    const back = (await done(store.findById('tags'))) as Record<string, Value>
    expect(back['n']).toBe(9223372036854775807n)
    expect(sameValue(back['i'] as Value, new OInt(5))).toBe(true)
    expect(String(back['d'])).toBe('1.10')
    expect(Buffer.from(back['b'] as Uint8Array).toString()).toBe('1234')
  })

  it('a Date value and a numeric key fail before the wire, naming what to write', async () => {
    const store = connection.store('/apps/port')
    const before = gw.requestCount()
    const dateError = await failure(store.insert({ _id: 'd', at: new Date(0) as unknown as Value }))
    expect(dateError).toBeInstanceOf(InvalidValueError)
    expect((dateError as Error).message).toMatch(/OTimestamp\.fromDate\(date\).*date\.toISOString\(\)/)
    const idError = await failure(store.findById(7 as unknown as string))
    expect(idError).toBeInstanceOf(InvalidIdError)
    expect((idError as Error).message).toMatch(/String\(7\)/)
    expect(gw.requestCount()).toBe(before)
  })
})

describe('a "+" in the connection string', () => {
  let gw: TestGateway
  const { open, closeAll } = openedConnections()
  beforeAll(async () => {
    gw = await startTestGateway({ auth: { user: 'alice', password: 'pass word' } })
  })
  afterAll(async () => {
    await closeAll()
    await gw.close()
  })

  it('is a plus here (the official client read it as a space): the failure says to write %20', async () => {
    const error = await failure(open(`127.0.0.1:${gw.port}?ssl=false;user=alice;password=pass+word`).ping())
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as Error).message).toMatch(
      /reads "\+" in the connection string as a plus sign, where the official Node client read it as a space: if the password contains a space, write it as %20/,
    )
    expect((error as Error).message).not.toContain('pass word')
  })

  it('%20 gives the space', async () => {
    await done(open(`127.0.0.1:${gw.port}?ssl=false;user=alice;password=pass%20word`).ping())
  })

  it('without a "+" the failure carries no such note', async () => {
    const error = await failure(open(`127.0.0.1:${gw.port}?ssl=false;user=alice;password=wrong`).ping())
    expect((error as Error).message).not.toMatch(/official Node client/)
  })
})
