/**
 * Two embedded gateways on real loopback ports for the failover integration specs: a table on
 * each (no replication between them, so which gateway answered is visible in the data), a
 * FailoverStore over both built with connectFailover, and bounded waits.
 */
import { firstValueFrom, from, lastValueFrom, mergeMap, type Observable } from 'rxjs'
import { connectFailover, type ConnectFailoverOptions } from '../../lib/connect-failover.js'
import { connect, type Connection, type DocumentStore } from '../../lib/driver/index.js'
import type { ClusterStatus, FailoverStore, FailoverStoreEvent } from '../../lib/failover/index.js'
import { startGateway, type OjaiGateway } from '../../lib/gateway/index.js'
import type { Document, DocumentWithId } from '../../lib/ojai/values.js'

export { closedPort } from '../support/ports.js'

export const TABLE = '/it/users'

export const connectionString = (address: string): string => `${address}?ssl=false`

export async function startGateways(count = 2): Promise<OjaiGateway[]> {
  const gateways: OjaiGateway[] = []
  try {
    for (let i = 0; i < count; i++) gateways.push(await startGateway({ host: '127.0.0.1', port: 0, closeGraceMs: 200 }))
  } catch (error) {
    await Promise.all(gateways.map((g) => g.close()))
    throw error
  }
  return gateways
}

/** Runs `work` over a connection of its own to `address` (not the store under test), then closes it. */
export async function direct<T>(address: string, work: (store: DocumentStore, connection: Connection) => Promise<T>): Promise<T> {
  const c = connect(connectionString(address), { deadlineMs: 5000 })
  try {
    return await work(c.store(TABLE), c)
  } finally {
    c.close()
  }
}

/** Creates the table on the gateway and stores `docs` (64 writes in flight at a time). */
export async function seed(gateway: OjaiGateway, docs: readonly DocumentWithId[]): Promise<void> {
  await direct(gateway.address, async (store, c) => {
    await firstValueFrom(c.createStore(TABLE))
    await lastValueFrom(from(docs).pipe(mergeMap((d) => store.insertOrReplace(d), 64)), { defaultValue: undefined })
  })
}

/** The document as stored on that gateway, read over a separate connection. */
export function read(address: string, id: string): Promise<Document | null> {
  return direct(address, (store) => firstValueFrom(store.findById(id)))
}

/**
 * A FailoverStore from connectFailover, with the events and cluster statuses it emits recorded.
 * Stall events are left out: they depend on the machine's load, not on the clusters.
 */
export interface Recorded {
  readonly store: FailoverStore
  readonly events: FailoverStoreEvent[]
  readonly statuses: ClusterStatus[]
  /** The event types so far, e.g. `['timeout', 'failover']`. */
  types(): string[]
}

export type Options = Omit<ConnectFailoverOptions, 'clusters' | 'table'>

/**
 * Fast by default: 200 ms on the active cluster, 2 s on the next, holds never end unless asked, and
 * a failback moves every operation at once (the specs check who serves right after it).
 */
export function open(addresses: readonly string[], options: Options = {}): Recorded {
  const store = connectFailover({
    clusters: addresses.map((a, i) => ({
      name: i === 0 ? 'primary' : i === 1 ? 'secondary' : `c${i + 1}`,
      connectionString: connectionString(a),
    })),
    table: TABLE,
    timeoutMs: 200,
    secondaryTimeoutMs: 2000,
    hold: { holdsMs: [600_000] },
    failback: false,
    ...options,
  })
  const events: FailoverStoreEvent[] = []
  const statuses: ClusterStatus[] = []
  store.events$.subscribe((e) => {
    if (e.type !== 'stall') events.push(e)
  })
  store.cluster$.subscribe((s) => statuses.push(s))
  return { store, events, statuses, types: () => events.map((e) => e.type) }
}

/** `promise`, or a rejection naming `what` once `ms` passed: no spec waits unbounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

/** Polls `condition` every 10 ms until true; rejects after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The single value of a single-answer operation (undefined for void ones), bounded. */
export function result<T>(source: Observable<T>, ms = 5000, what = 'operation'): Promise<T | undefined> {
  return within(lastValueFrom(source, { defaultValue: undefined }), ms, what)
}

/** The error of an operation expected to fail, bounded; rejects if it succeeds. */
export async function failure(source: Observable<unknown>, ms = 5000, what = 'operation'): Promise<unknown> {
  try {
    await result(source, ms, what)
  } catch (error) {
    return error
  }
  throw new Error(`${what}: expected an error, got success`)
}
