/**
 * What the driver's transport behaviour means for a FailoverStore (through its public surface
 * only: connectFailover, the Store methods, events$, cluster$, close()):
 * - a stalled primary with 1,500 reads in flight, all abandoned (by the application, or by the
 *   store's timeout), and 50 more reads: no caller error (the reads fail over or succeed), with
 *   the driver's cancel budget and without (then the gateway closes the primary's connection,
 *   and the failures it causes are outages, so they fail over);
 * - a primary behind a listener that accepts and never answers, which later starts forwarding:
 *   the store fails back; the time from "forwarding" to the first call answered by the primary is
 *   printed (bound: the connect timeout plus one probe interval);
 * - a document over the size limit is refused before the wire: no failover, nothing sent anywhere.
 */
import { firstValueFrom } from 'rxjs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ClusterHarness } from '../../lib/chaos/cluster.js'
import { GatewayControlClient } from '../../lib/gateway/index.js'
import {
  type ConnectFailoverOptions,
  type ConnectOptions,
  DocumentTooLargeError,
  type FailoverStore,
  type FailoverStoreEvent,
  connect,
  connectFailover,
} from '../../lib/index.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'
import { holdingListener } from './helpers/ports.js'
import { until } from './helpers/until.js'

async function gatewayWithTable(): Promise<TestGateway> {
  const gw = await startTestGateway()
  const connection = connect(`127.0.0.1:${gw.port}?ssl=false`)
  try {
    const store = await firstValueFrom(connection.createStore('/t'))
    await firstValueFrom(store.insertOrReplace({ _id: 'a', on: gw.port }), { defaultValue: undefined })
  } finally {
    connection.close()
  }
  return gw
}

describe('a FailoverStore over the driver', () => {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  async function failoverStore(
    clusters: readonly string[],
    options: Omit<ConnectFailoverOptions, 'clusters' | 'table'> = {},
  ): Promise<{ store: FailoverStore; events: FailoverStoreEvent[] }> {
    const store = connectFailover({
      clusters: clusters.map((connectionString, i) => ({ name: i === 0 ? 'primary' : 'secondary', connectionString })),
      table: '/t',
      ...options,
    })
    const events: FailoverStoreEvent[] = []
    const subscription = store.events$.subscribe((e) => events.push(e))
    cleanup.push(() => {
      subscription.unsubscribe()
      store.close()
    })
    return { store, events }
  }

  describe('1,500 reads abandoned on a stalled primary (gateways in their own processes)', () => {
    let harness: ClusterHarness | undefined
    let control: GatewayControlClient | undefined
    beforeAll(async () => {
      harness = await ClusterHarness.start({ replicate: false })
      for (const node of harness.nodes) {
        const connection = connect(node.directConnectionString)
        const table = await firstValueFrom(connection.createStore('/t'))
        await firstValueFrom(table.insertOrReplace({ _id: 'a', on: node.name }), { defaultValue: undefined })
        connection.close()
      }
      // Generous: the test process is busy with 1,500 calls when it asks.
      control = new GatewayControlClient(harness.primary.directConnectionString.replace(/\?.*$/, ''), { timeoutMs: 30_000 })
      await control.stats() // connected before the load starts
    }, 60_000)
    afterAll(async () => {
      control?.close()
      await harness?.close()
    }, 60_000)

    const read = (store: FailoverStore) =>
      firstValueFrom(store.findById('a')).then(
        (doc) => ({ ok: doc !== null }),
        (error: unknown) => ({ ok: false, error: String(error) }),
      )

    async function stalledPrimary(connectOptions: ConnectOptions, timeoutMs: number) {
      if (harness === undefined || control === undefined) throw new Error('setup failed')
      const opened = await failoverStore(
        harness.nodes.map((n) => n.directConnectionString),
        // A secondary answering 1,500 reads at once on a busy machine may need a while.
        { timeoutMs, secondaryTimeoutMs: 60_000, connectOptions },
      )
      expect(await firstValueFrom(opened.store.findById('a'))).toMatchObject({ on: 'A' }) // connection warm
      await control.setFault('FindById', { type: 'stall' })
      return opened
    }

    afterEach(async () => {
      await control?.clearFaults()
    })

    it.each([
      ['with the cancel budget (default)', {}],
      [
        'without a cancel budget (the gateway closes the connection under the calls)',
        { cancelBudget: { burst: 1_000_000, perSecond: 1_000_000 } },
      ],
    ])(
      'the application abandons them while 50 more reads wait on the primary: no caller error, %s',
      async (what, connectOptions: ConnectOptions) => {
        if (control === undefined) throw new Error('setup failed')
        // The reported repro, made deterministic: the 50 reads are on the primary's connection
        // before the 1,500 are abandoned. The store's own timeout is long, so only the connection
        // decides their fate. Before the driver's cancel budget, the gateway closed the connection
        // and all 50 failed with INTERNAL "Received RST_STREAM with code 2 ... Session closed",
        // reported as SERVER_ERROR (an answer): 50 caller errors, no failover.
        const { store, events } = await stalledPrimary(connectOptions, 20_000)
        const abandoned = Array.from({ length: 1500 }, () => store.findById('a').subscribe({ error: () => undefined }))
        const reads = Array.from({ length: 50 }, () => read(store))
        const gateway = control
        await until(async () => (await gateway.stats()).faults.stalled >= 1550, 'every read to reach the primary', 60_000)
        for (const subscription of abandoned) subscription.unsubscribe()
        await new Promise((r) => setTimeout(r, 200)) // the gateway reads the resets (and closes the connection, without a budget)
        await gateway.clearFaults()
        const outcomes = await Promise.all(reads)

        const failed = outcomes.filter((o) => !o.ok)
        const failovers = events.filter((e) => e.type === 'failover').length
        console.log(
          `[driver] stalled primary, 1,500 reads abandoned by the application while 50 wait, ${what}: ${failed.length} caller errors, ${failovers} failover events`,
        )
        expect(failed.slice(0, 3)).toEqual([])
        // Either way the primary answered them and nothing moved: with the budget the connection
        // survived; without it the closed connection failed them as transport errors, and each was
        // tried once more on the primary over a fresh connection (retrySameCluster).
        expect(failovers).toBe(0)
        if (connectOptions.cancelBudget === undefined) expect(store.stats().sameClusterRetries).toBe(0)
        else expect(store.stats().sameClusterRetries).toBeGreaterThan(0)
      },
      120_000,
    )

    it('the store abandons them at its timeout, then 50 reads: no caller error', async () => {
      const { store, events } = await stalledPrimary({}, 300)
      const outcomes = await Promise.all(Array.from({ length: 1500 }, () => read(store)))
      await control?.clearFaults()
      const after = await Promise.all(Array.from({ length: 50 }, () => read(store)))

      const failed = [...outcomes, ...after].filter((o) => !o.ok)
      console.log(
        `[driver] stalled primary, 1,500 reads abandoned at the store's timeout, then 50 reads: ${failed.length} caller errors, ${events.filter((e) => e.type === 'failover').length} failover events`,
      )
      expect(failed.slice(0, 3)).toEqual([])
    }, 120_000)
  })

  it('fails back to a primary that accepted connections and never answered, once it answers', async () => {
    const [a, b] = [await gatewayWithTable(), await gatewayWithTable()]
    const listener = await holdingListener(a.port)
    cleanup.push(
      () => a.close(),
      () => b.close(),
      () => listener.close(),
    )
    const { store, events } = await failoverStore([`127.0.0.1:${listener.port}?ssl=false`, `127.0.0.1:${b.port}?ssl=false`], {
      timeoutMs: 300,
      hold: { holdsMs: [500] },
      probe: { backoff: { initialMs: 250, maxMs: 1000, multiplier: 2, jitter: 0 } },
    })
    expect(await firstValueFrom(store.findById('a'))).toMatchObject({ on: b.port }) // failed over

    // The hold is over and probes of the primary fail: now the listener starts forwarding.
    await until(() => events.some((e) => e.type === 'probe-failed' && e.cluster === 'primary'), 'a failed probe of the primary', 30_000)
    listener.forward()
    const forwardedAt = performance.now()
    // The store's first successful call answered by the primary (reads go there again after the
    // failback, however gradually the store moves them back).
    let answeredBy: unknown
    await until(
      async () => {
        answeredBy = (await firstValueFrom(store.findById('a')))?.on
        return answeredBy === a.port
      },
      'a read answered by the primary',
      30_000,
    )
    const failbackMs = performance.now() - forwardedAt
    expect(events.some((e) => e.type === 'failback')).toBe(true)
    expect(listener.held().closedByClient).toBe(listener.held().accepted) // no held connection left open by the client

    console.log(
      `[driver] accepting-but-silent primary: first call answered by it ${failbackMs.toFixed(0)} ms after it started forwarding ` +
        `(connect timeout 5000 ms default + probe backoff <= 1000 ms); ${listener.held().accepted} held connections, all closed by the client`,
    )
  }, 60_000)

  it('a document over the size limit is refused before the wire: an answer, no failover, nothing sent to either cluster', async () => {
    const [a, b] = [await gatewayWithTable(), await gatewayWithTable()]
    cleanup.push(
      () => a.close(),
      () => b.close(),
    )
    const { store, events } = await failoverStore([`127.0.0.1:${a.port}?ssl=false`, `127.0.0.1:${b.port}?ssl=false`])
    const [sentToA, sentToB] = [a.requestCount(), b.requestCount()]

    const error = await firstValueFrom(store.insertOrReplace({ _id: 'big', blob: 'x'.repeat(33 * 1024 * 1024) })).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(DocumentTooLargeError)
    expect((error as DocumentTooLargeError).limitBytes).toBe(32 * 1024 * 1024)
    expect(events.filter((e) => e.type === 'failover' || e.type === 'gave-up')).toEqual([])
    expect([a.requestCount(), b.requestCount()]).toEqual([sentToA, sentToB])
  })
})
