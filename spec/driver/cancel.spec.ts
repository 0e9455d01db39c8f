/**
 * Unsubscribing cancels the call on the server: a Find over a large table stops scanning soon
 * after the subscriber has taken what it wanted. The gateway runs on a storage engine that counts
 * the rows its scans read.
 */
import { defer, firstValueFrom, from, lastValueFrom, mergeMap, take, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, type DocumentStore, connect } from '../../lib/driver/index.js'
import { MemoryEngine, type TableStore } from '../../lib/gateway/index.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

class CountingEngine extends MemoryEngine {
  scanned = 0

  override table(path: string): TableStore | undefined {
    const table = super.table(path)
    if (table === undefined) return undefined
    const count = (n: number) => (this.scanned += n)
    return new Proxy(table, {
      get(target, property) {
        if (property === 'scan') {
          return (after: Buffer | undefined, limit: number) => {
            const rows = target.scan(after, limit)
            count(rows.length)
            return rows
          }
        }
        const value: unknown = Reflect.get(target, property, target)
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    })
  }
}

const ROWS = 4000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('unsubscribe cancels the call on the gateway', () => {
  const engine = new CountingEngine()
  let gw: TestGateway
  let connection: Connection
  let store: DocumentStore

  beforeAll(async () => {
    gw = await startTestGateway({ storage: engine })
    connection = connect(`127.0.0.1:${gw.port}?ssl=false`, { deadlineMs: 20_000 })
    store = await firstValueFrom(connection.createStore('/big'))
    const padding = 'x'.repeat(1024)
    await lastValueFrom(
      from(Array.from({ length: ROWS }, (_, i) => i)).pipe(
        mergeMap((i) => defer(() => store.insert({ _id: `k${String(i).padStart(6, '0')}`, padding })), 32),
      ),
      { defaultValue: undefined },
    )
  })
  afterAll(async () => {
    connection.close()
    await gw.close()
    await engine.close()
  })

  it('a full find scans every row (baseline)', async () => {
    const before = engine.scanned
    const all = await lastValueFrom(store.find({ $select: ['_id'] }).pipe(toArray()))
    expect(all).toHaveLength(ROWS)
    expect(engine.scanned - before).toBeGreaterThanOrEqual(ROWS)
  })

  it('taking 5 documents stops the scan long before the end of the table', async () => {
    const before = engine.scanned
    const first = await lastValueFrom(store.find().pipe(take(5), toArray()))
    expect(first.map((d) => d._id)).toEqual(['k000000', 'k000001', 'k000002', 'k000003', 'k000004'])
    await sleep(300)
    const afterCancel = engine.scanned - before
    await sleep(300)
    expect(engine.scanned - before).toBe(afterCancel) // stopped, not merely slow
    expect(afterCancel).toBeLessThan(ROWS / 2)
  })

  it('unsubscribing from a stalled FindById ends it on the client at once, and the connection stays usable', async () => {
    gw.stall('FindById')
    const seen: string[] = []
    const subscription = store
      .findById('k000001')
      .subscribe({ next: () => seen.push('next'), error: () => seen.push('error'), complete: () => seen.push('complete') })
    await sleep(100)
    subscription.unsubscribe()
    expect(seen).toEqual([])
    gw.gateway.faults.clear()
    expect(await firstValueFrom(store.findById('k000002'))).toMatchObject({ _id: 'k000002' })
  })
})
