/**
 * FailoverStore over two embedded gateways on real loopback ports, built with connectFailover:
 * the driver, grpc-js and the gateway as a user runs them. Each spec asserts what the caller got,
 * which gateway did the work (the two tables are not replicated, so the data says who answered),
 * and the events emitted. Timings only as generous "did not hang" bounds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Observable } from 'rxjs'
import { FaultProxy } from '../../lib/chaos/fault-proxy.js'
import type { FailoverStore, FailoverStoreEvent } from '../../lib/failover/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { ClosedError, TimeoutError } from '../../lib/ojai/errors.js'
import type { Document } from '../../lib/ojai/values.js'
import { closedPort, failure, open, read, result, seed, startGateways, until, within, type Options, type Recorded } from './gateways.js'

type Of<K extends FailoverStoreEvent['type']> = Extract<FailoverStoreEvent, { type: K }>
const ofType = <K extends FailoverStoreEvent['type']>(r: Recorded, type: K): Of<K>[] => r.events.filter((e): e is Of<K> => e.type === type)

describe('FailoverStore over two embedded gateways', () => {
  let primary: OjaiGateway
  let secondary: OjaiGateway
  let gateways: OjaiGateway[] = []
  let stores: FailoverStore[] = []
  let proxies: FaultProxy[] = []

  const start = (addresses: readonly string[], options?: Options): Recorded => {
    const r = open(addresses, options)
    stores.push(r.store)
    return r
  }

  beforeEach(async () => {
    gateways = await startGateways()
    ;[primary, secondary] = gateways as [OjaiGateway, OjaiGateway]
    await seed(primary, [{ _id: 'k', on: 'primary', n: 0 }])
    await seed(secondary, [{ _id: 'k', on: 'secondary', n: 0 }])
  })

  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close({ graceMs: 0 })))
    stores = []
    await Promise.all(proxies.map((p) => p.close()))
    proxies = []
    await Promise.all(gateways.map((g) => g.close()))
  })

  it('primary stalled: answered by the secondary after timeoutMs (events timeout, failover); later operations go straight there', async () => {
    primary.faults.set('*', { type: 'stall' })
    const r = start([primary.address, secondary.address])
    const startedAt = Date.now()
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'secondary' })
    expect(Date.now() - startedAt).toBeLessThan(5000)
    expect(r.types()).toEqual(['timeout', 'failover', 'rerouted'])
    const [timeout, failover] = r.events as [Of<'timeout'>, Of<'failover'>]
    expect(timeout).toMatchObject({ cluster: 'primary', operation: 'findById', timeoutMs: 200 })
    expect(timeout.elapsedMs).toBeGreaterThanOrEqual(200)
    expect(failover).toMatchObject({ cluster: 'primary', operation: 'findById', to: 'secondary', reason: 'TIMEOUT' })
    expect(r.statuses.map((s) => [s.name, s.reason, s.cause])).toEqual([
      ['primary', 'initial', undefined],
      ['secondary', 'failover', 'TIMEOUT'],
    ])
    expect(primary.stats().requests.FindById).toBe(1)

    // Sticky: no new attempt on the primary, no new event.
    await result(r.store.insertOrReplace({ _id: 'w', on: 'written' }))
    expect(await result(r.store.findById('w'))).toMatchObject({ on: 'written' })
    expect(await read(secondary.address, 'w')).toMatchObject({ on: 'written' })
    expect(primary.stats().requests.InsertOrReplace).toBe(1) // the seed's only
    expect(primary.stats().requests.FindById).toBe(1)
    expect(r.types()).toEqual(['timeout', 'failover', 'rerouted'])
  })

  it('primary killed with a read in flight: the dropped connection (not the timer) moves it to the secondary', async () => {
    // A long timeout, so only the crash can end the primary attempt.
    const r = start([primary.address, secondary.address], { timeoutMs: 3000 })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'primary' })
    primary.faults.set('FindById', { type: 'stall' })
    const pending = result(r.store.findById('k'))
    await until(() => primary.faults.counters().stalled === 1, 5000, 'the read reaching the primary')
    primary.crash()
    expect(await pending).toMatchObject({ on: 'secondary' })
    expect(r.types()).toEqual(['failover', 'rerouted'])
    expect(r.events[0]).toMatchObject({ cluster: 'primary', operation: 'findById', to: 'secondary', reason: 'UNAVAILABLE' })

    // Later operations, writes included, go to the secondary without another event.
    await result(r.store.increment('k', 'n', 1))
    expect(await read(secondary.address, 'k')).toMatchObject({ n: 1 })
    expect(r.types()).toEqual(['failover', 'rerouted'])
  })

  it('primary killed between calls: the next increment is refused there (provably unsent) and applied once on the secondary', async () => {
    const r = start([primary.address, secondary.address], { timeoutMs: 3000 })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'primary' })
    primary.crash()
    // One turn of the event loop for the client to read the closed socket (on loopback it is
    // there at once); a call sent before that would go out on the dying connection instead.
    await new Promise((resolve) => setTimeout(resolve, 50))
    await result(r.store.increment('k', 'n', 1))
    expect(r.types()).toEqual(['failover', 'rerouted'])
    expect(r.events[0]).toMatchObject({ cluster: 'primary', operation: 'increment', to: 'secondary', reason: 'UNAVAILABLE' })
    expect(primary.stats().requests.Update).toBe(0)
    expect(await read(secondary.address, 'k')).toMatchObject({ n: 1 })
  })

  it('primary down at startup: constructing does not throw or wait; the first operation is refused there and served by the secondary without waiting for timeoutMs', async () => {
    const port = await closedPort()
    // A long timeout: finishing well before it proves the refusal, not the timer, moved it on.
    const r = start([`127.0.0.1:${port}`, secondary.address], { timeoutMs: 3000 })
    expect(r.store.cluster.name).toBe('primary')
    const startedAt = Date.now()
    await result(r.store.increment('k', 'n', 1))
    expect(Date.now() - startedAt).toBeLessThan(3000)
    expect(r.types()).toEqual(['failover', 'rerouted'])
    expect(r.events[0]).toMatchObject({ cluster: 'primary', operation: 'increment', to: 'secondary', reason: 'UNAVAILABLE' })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'secondary', n: 1 })
    expect(r.statuses.map((s) => s.name)).toEqual(['primary', 'secondary'])
  })

  it('primary down at startup with the default-sized timeout: the first read is answered by the secondary', async () => {
    const port = await closedPort()
    const r = start([`127.0.0.1:${port}`, secondary.address])
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'secondary' })
    expect(ofType(r, 'failover')).toHaveLength(1)
  })

  it('failback after heal: probes fail while the primary is down, the first one to succeed after the hold switches back, and the primary serves again', async () => {
    // timeoutMs 1 000: the first call opens the connection, which on a loaded machine can take
    // longer than 200 ms, and a failover then would not be the one this spec is about.
    const r = start([primary.address, secondary.address], {
      timeoutMs: 1000,
      hold: { holdsMs: [300] },
      probe: { backoff: { initialMs: 50, maxMs: 200, jitter: 0 } },
    })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'primary' })
    primary.crash()
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'secondary' })
    await until(() => ofType(r, 'probe-failed').length >= 2, 5000, 'failed probes while the primary is down')
    // Down means no failback, however many probes ran (the 2017 prototype switched back blindly).
    expect(r.store.cluster.name).toBe('secondary')
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'secondary' })

    await primary.restart()
    await until(() => r.types().includes('failback'), 5000, 'failback after the primary came back')
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'primary' })

    const failover = ofType(r, 'failover')[0]
    const firstProbe = ofType(r, 'probe-failed')[0]
    expect(failover).toMatchObject({ cluster: 'primary', to: 'secondary' })
    // The first probe waits for the hold (300 ms; 50 ms of slack for timer granularity).
    expect((firstProbe?.at ?? 0) - (failover?.at ?? 0)).toBeGreaterThanOrEqual(250)
    const afterFailover = r.types().slice(r.types().indexOf('failover') + 1)
    expect(afterFailover.slice(-2)).toEqual(['probe-ok', 'failback'])
    expect(new Set(afterFailover.slice(0, -2))).toEqual(new Set(['rerouted', 'probe-failed']))
    expect(ofType(r, 'failback')[0]).toMatchObject({ cluster: 'secondary', to: 'primary', operation: 'probe' })
    expect(r.statuses.map((s) => [s.name, s.reason])).toEqual([
      ['primary', 'initial'],
      ['secondary', 'failover'],
      ['primary', 'failback'],
    ])
    expect(r.store.stats()).toMatchObject({ failbacks: 1, probesOk: 1 })
  })

  it('a write is never doubled: an increment whose primary attempt stalls errors to the caller and is not applied on the secondary', async () => {
    primary.faults.set('Update', { type: 'stall' })
    const r = start([primary.address, secondary.address])
    const error = await failure(r.store.increment('k', 'n', 1))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(r.types()).toEqual(['timeout', 'failover', 'gave-up'])
    expect(r.events[1]).toMatchObject({ type: 'failover', cluster: 'primary', to: 'secondary', operation: 'increment', reason: 'TIMEOUT' })
    expect(r.events[2]).toMatchObject({
      cluster: 'primary',
      operation: 'increment',
      reason: 'TIMEOUT',
      causes: [{ cluster: 'primary', reason: 'TIMEOUT' }],
    })
    // It reached the primary (where it may yet be applied), and never the secondary.
    expect(primary.stats().requests.Update).toBe(1)
    expect(secondary.stats().requests.Update).toBe(0)
    expect(await read(secondary.address, 'k')).toMatchObject({ n: 0 })
  })

  it('the same increment with strategy failover (asked for by the caller) is repeated on the secondary', async () => {
    primary.faults.set('Update', { type: 'stall' })
    const r = start([primary.address, secondary.address])
    await result(r.store.increment('k', 'n', 1, { strategy: 'failover' }))
    expect(r.types()).toEqual(['timeout', 'failover', 'rerouted'])
    expect(await read(secondary.address, 'k')).toMatchObject({ n: 1 })
  })

  it('network cut (proxy black hole): a write times out and is not repeated (the request may have arrived); the cluster switches and the next read is served by the secondary', async () => {
    const proxy = new FaultProxy({ target: { port: primary.port } })
    proxies.push(proxy)
    await proxy.listen()
    // timeoutMs 1 000 for the warm-up read on a cold connection; the cut is what times out below.
    const r = start([proxy.address, secondary.address], { timeoutMs: 1000 })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'primary' })
    await proxy.blackhole()
    const error = await failure(r.store.increment('k', 'n', 1))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(r.types()).toEqual(['timeout', 'failover', 'gave-up'])
    expect(r.store.cluster).toMatchObject({ name: 'secondary', reason: 'failover', cause: 'TIMEOUT' })
    expect(await read(secondary.address, 'k')).toMatchObject({ n: 0 })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'secondary', n: 0 })
    expect(r.types()).toEqual(['timeout', 'failover', 'gave-up'])
    // Healing the cable delivers the held request: it was never "unsent".
    await proxy.pass()
    await until(() => primary.stats().requests.Update === 1, 5000, 'the held increment reaching the primary')
  })

  it('close({ graceMs: 0 }) mid-operation: the in-flight read and find end with ClosedError, later calls too, and the connections are closed', async () => {
    const proxy = new FaultProxy({ target: { port: primary.port } })
    proxies.push(proxy)
    await proxy.listen()
    const r = start([proxy.address, secondary.address], { timeoutMs: 3000 })
    expect(await result(r.store.findById('k'))).toMatchObject({ on: 'primary' })
    expect(proxy.stats().connectionsOpen).toBe(1)
    primary.faults.set('FindById', { type: 'stall' })
    primary.faults.set('Find', { type: 'stall' })
    const pendingRead = failure(r.store.findById('k'))
    const pendingFind = failure(r.store.find())
    await until(() => primary.faults.counters().stalled === 2, 5000, 'both calls reaching the primary')
    const closed = r.store.close({ graceMs: 0 })
    expect(await pendingRead).toBeInstanceOf(ClosedError)
    expect(await pendingFind).toBeInstanceOf(ClosedError)
    expect(await failure(r.store.insertOrReplace({ _id: 'late' }))).toBeInstanceOf(ClosedError)
    await until(() => proxy.stats().connectionsOpen === 0, 5000, 'the connection to the primary closing')
    expect(r.store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
    expect(r.types()).toEqual([])
    await closed
  })
})

describe('resumable find over real gateways', () => {
  const N = 2000
  const pad = 'x'.repeat(400)
  const ids = Array.from({ length: N }, (_, i) => `d${String(i).padStart(5, '0')}`)
  /** A field whose order is not the _id order: a permutation of 0 … N-1 (7919 is prime to N). */
  const nOf = (i: number): number => (i * 7919) % N
  let gateways: OjaiGateway[] = []
  let store: FailoverStore | undefined
  let proxy: FaultProxy | undefined

  beforeEach(async () => {
    gateways = await startGateways()
    await Promise.all(
      gateways.map((g, i) =>
        seed(
          g,
          ids.map((_id, k) => ({ _id, n: nOf(k), on: i === 0 ? 'primary' : 'secondary', pad })),
        ),
      ),
    )
  })

  afterEach(async () => {
    await store?.close({ graceMs: 0 })
    store = undefined
    await proxy?.close()
    proxy = undefined
    await Promise.all(gateways.map((g) => g.close()))
  })

  /** Runs `find` to its end (bounded), calling `at(count)` after each document; the documents it delivered. */
  const collect = (find: Observable<Document>, at: (count: number) => void): Promise<Document[]> => {
    const got: Document[] = []
    return within(
      new Promise<Document[]>((resolve, reject) => {
        find.subscribe({
          next: (d) => {
            got.push(d)
            at(got.length)
          },
          error: reject,
          complete: () => resolve(got),
        })
      }),
      10_000,
      'the find',
    )
  }

  it(`primary crashes mid-stream through ${N} documents: the find resumes on the secondary after the last _id, no duplicate, no gap`, async () => {
    const [p, s] = gateways as [OjaiGateway, OjaiGateway]
    // A long timeout, so only the crash can end the primary's stream (on a loaded machine a gap
    // of 200 ms between two documents happens, and would resume early, if correctly).
    const r = open([p.address, s.address], { timeoutMs: 3000 })
    store = r.store
    const got = await collect(r.store.find(), (count) => {
      if (count === 200) p.crash()
    })
    expect(got.map((d) => d['_id'])).toEqual(ids)
    expect(r.types()).toEqual(['failover', 'rerouted'])
    expect(r.events[0]).toMatchObject({ type: 'failover', cluster: 'primary', operation: 'find', to: 'secondary', reason: 'UNAVAILABLE' })
    const rerouted = r.events[1] as Of<'rerouted'>
    expect(rerouted).toMatchObject({ cluster: 'primary', operation: 'find', to: 'secondary', reason: 'UNAVAILABLE' })
    const delivered = rerouted.delivered ?? -1
    // Mid-stream for real: some documents came from each gateway, split exactly at the failover.
    expect(delivered).toBeGreaterThanOrEqual(200)
    expect(delivered).toBeLessThan(N)
    expect(got.slice(0, delivered).every((d) => d['on'] === 'primary')).toBe(true)
    expect(got.slice(delivered).every((d) => d['on'] === 'secondary')).toBe(true)
    expect(r.store.stats().resumes).toBe(1)
  })

  it('allowRestart, $orderby on another field, $limit 1500: the connection to the primary reset mid-stream; after the repeats the whole result arrives', async () => {
    const [p, s] = gateways as [OjaiGateway, OjaiGateway]
    const limit = 1500
    const uninterrupted = ids
      .map((_id, k) => ({ _id, n: nOf(k) }))
      .sort((x, y) => y.n - x.n)
      .slice(0, limit)
      .map((d) => d._id)
    proxy = new FaultProxy({ target: { port: p.port } })
    await proxy.listen()
    const cut = proxy
    // A long timeout, so only the reset can end the primary's stream.
    const r = open([cut.address, s.address], { timeoutMs: 3000 })
    store = r.store
    let reset: Promise<void> | undefined
    const got = await collect(r.store.find({ $orderby: { n: 'desc' }, $limit: limit }, { allowRestart: true }), (count) => {
      if (count === 400) reset = cut.reset()
    })
    await reset
    expect(r.types()).toEqual(['failover', 'rerouted'])
    const rerouted = r.events[1] as Of<'rerouted'>
    expect(rerouted).toMatchObject({ cluster: 'primary', operation: 'find', to: 'secondary', reason: 'UNAVAILABLE' })
    const delivered = rerouted.delivered ?? -1
    // Mid-stream for real: the primary delivered at least the 400 documents before the reset, not all.
    expect(delivered).toBeGreaterThanOrEqual(400)
    expect(delivered).toBeLessThan(limit)
    const idsOf = (docs: readonly Document[]) => docs.map((d) => d['_id'])
    // The repeats, as documented: the result's first `delivered` documents, from the primary…
    expect(idsOf(got.slice(0, delivered))).toEqual(uninterrupted.slice(0, delivered))
    expect(got.slice(0, delivered).every((d) => d['on'] === 'primary')).toBe(true)
    // …then the whole result from the start, every one of its 1500 documents, in order.
    expect(idsOf(got.slice(delivered))).toEqual(uninterrupted)
    expect(got.slice(delivered).every((d) => d['on'] === 'secondary')).toBe(true)
    expect(r.store.stats().resumes).toBe(0)
  })
})
