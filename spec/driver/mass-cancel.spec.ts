/**
 * Abandoning many calls at once never poisons a connection. Node's HTTP/2 server (so the embedded
 * gateway, like any server with rapid-reset protection) closes a connection that resets about
 * 1,000 streams at once, failing every other call on it. The driver cancels within a budget and
 * past it replaces the channel and drops the old connection once (channels.ts); and when a
 * connection is closed under calls anyway, they fail as outages, never as answers.
 */
import { type Subscription, firstValueFrom } from 'rxjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Connection, type ConnectOptions, type DocumentStore, connect } from '../../lib/driver/index.js'
import { UnavailableError, isAvailabilityError, isUnsent } from '../../lib/ojai/errors.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'
import { captureLog } from './helpers/log-capture.js'
import { until } from './helpers/until.js'

interface Outcome {
  readonly ok: boolean
  readonly error?: unknown
}

function settle(store: DocumentStore, id: string): { promise: Promise<Outcome>; subscription: Subscription } {
  let subscription!: Subscription
  const promise = new Promise<Outcome>((resolve) => {
    subscription = store
      .findById(id)
      .subscribe({ next: () => resolve({ ok: true }), error: (error: unknown) => resolve({ ok: false, error }) })
  })
  return { promise, subscription }
}

describe('many calls abandoned at once', () => {
  let gw: TestGateway
  let connection: Connection | undefined
  beforeEach(async () => {
    gw = await startTestGateway()
  })
  afterEach(async () => {
    connection?.close()
    await gw.close()
  })

  async function open(options: ConnectOptions): Promise<DocumentStore> {
    connection = connect(`127.0.0.1:${gw.port}?ssl=false`, { deadlineMs: 60_000, ...options })
    const store = await firstValueFrom(connection.createStore('/t'))
    await firstValueFrom(store.insertOrReplace({ _id: 'a' }), { defaultValue: undefined })
    return store
  }

  /** `kept` and `abandoned` FindById calls stalled on the gateway; all on the wire when it returns. */
  async function stalledCalls(store: DocumentStore, kept: number, abandoned: number) {
    gw.stall('FindById')
    const keptCalls = Array.from({ length: kept }, () => settle(store, 'a'))
    const abandonedCalls = Array.from({ length: abandoned }, () => settle(store, 'a'))
    await until(() => gw.gateway.stats().faults.stalled === kept + abandoned, 'every call to reach the gateway', 60_000)
    return { keptCalls, abandonedCalls }
  }

  it('5,000 abandoned calls: the calls still wanted and every later read succeed on the same gateway', async () => {
    const log = captureLog()
    const store = await open({ logger: log.logger })
    const { keptCalls, abandonedCalls } = await stalledCalls(store, 20, 5000)

    for (const call of abandonedCalls) call.subscription.unsubscribe()
    // Give the gateway time to read whatever was sent; a connection it closed would fail the
    // kept calls below.
    await new Promise((r) => setTimeout(r, 300))
    gw.gateway.faults.clear()

    const kept = await Promise.all(keptCalls.map((c) => c.promise))
    expect(kept.filter((o) => !o.ok).map((o) => String(o.error))).toEqual([])
    for (let round = 0; round < 4; round++) {
      const reads = await Promise.all(Array.from({ length: 50 }, () => settle(store, 'a').promise))
      expect(reads.filter((o) => !o.ok).map((o) => String(o.error))).toEqual([])
    }
    // The mechanism: one channel retired for its cancellations, and dropped once the kept calls ended.
    const retired = log.lines().filter((l) => l.msg === 'channel retired (cancellations)')
    expect(retired).toHaveLength(1)
    expect(log.lines().some((l) => l.msg === 'channel dropped' && l.channel === retired[0]?.channel)).toBe(true)
    // Nothing left stalled on the gateway: the abandoned calls ended with their connection.
    await until(() => gw.gateway.stats().faults.stalled === 0, 'the gateway to have no call left')
  }, 120_000)

  it('without a budget, the gateway closes the connection under the calls still in flight: they fail as outages, not answers, and the connection heals', async () => {
    const store = await open({ cancelBudget: { burst: 1_000_000, perSecond: 1_000_000 } })
    const { keptCalls, abandonedCalls } = await stalledCalls(store, 20, 2000)

    for (const call of abandonedCalls) call.subscription.unsubscribe()
    const kept = await Promise.all(keptCalls.map((c) => c.promise))

    expect(kept.filter((o) => o.ok)).toHaveLength(0)
    for (const { error } of kept) {
      expect(error).toBeInstanceOf(UnavailableError)
      expect(isAvailabilityError(error)).toBe(true)
      expect(isUnsent(error)).toBe(false) // they had reached the gateway
      expect(String(error)).toMatch(/RST_STREAM|GOAWAY|Session closed|Connection dropped/)
    }
    gw.gateway.faults.clear()
    const reads = await Promise.all(Array.from({ length: 50 }, () => settle(store, 'a').promise))
    expect(reads.filter((o) => !o.ok).map((o) => String(o.error))).toEqual([])
  }, 120_000)
})
