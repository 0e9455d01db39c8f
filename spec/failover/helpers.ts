/** Shared set-up for the failover marble specs. */
import type { Context } from 'rxjs-marbles'
import { catchError, map, of, type Observable } from 'rxjs'
import { FailoverStore, type FailoverStoreEvent, type FailoverStoreOptions } from '../../lib/failover/index.js'
import { OjaiError, UnavailableError } from '../../lib/ojai/errors.js'
import { affinityOf, keyOf } from '../../lib/failover/session.js'
import { VirtualStore } from './virtual-store.js'

/** Short, readable timings: 10 frames on the active cluster, 30 on the next. */
export const T = 10
export const T2 = 30
/** How long a write that moved on waits for the attempt it left behind. */
export const SETTLE = 50
/** Spec stores are closed at this virtual time, at once (close() is not needed for flush to end). */
export const CLOSE_AT = 1000

export const doc = (v: string) => ({ _id: v, v })
export const refused = () => new UnavailableError('connection refused', { unsent: true })
export const unavailable = () => new UnavailableError('connection reset')

export interface Setup {
  readonly store: FailoverStore
  readonly stores: VirtualStore[]
  readonly events: FailoverStoreEvent[]
}

/** A FailoverStore over `count` VirtualStores named c1, c2…, on the spec's TestScheduler. */
export function setup(
  m: Context,
  options: FailoverStoreOptions & { count?: number; closeAt?: number; pings?: readonly ((() => Observable<unknown>) | undefined)[] } = {},
): Setup {
  const { count = 2, closeAt = CLOSE_AT, pings = [], ...rest } = options
  const stores = Array.from({ length: count }, (_, i) => new VirtualStore({}, `/c${i + 1}/table`))
  const store = new FailoverStore(
    stores.map((s, i) => ({ name: `c${i + 1}`, store: s, ...(pings[i] ? { ping: pings[i] } : {}) })),
    // random 0: no hold or probe jitter; no ramp: a failback moves everything at once: exact timelines.
    // No retry on the same cluster: these timelines show each step alone (retry-same-cluster.spec.ts shows that one).
    {
      timeoutMs: T,
      secondaryTimeoutMs: T2,
      settleMs: SETTLE,
      scheduler: m.scheduler,
      random: () => 0,
      failback: false,
      retrySameCluster: false,
      ...rest,
    },
  )
  const events: FailoverStoreEvent[] = []
  store.events$.subscribe((e) => events.push(e))
  m.scheduler.schedule(() => void store.close({ graceMs: 0 }), closeAt)
  return { store, stores, events }
}

/**
 * A document id whose place in a failback ramp (session.ts) is in [min, max) for a store whose
 * `random` returns `r`: the ramp moves it back at the first step whose share exceeds its place.
 */
export function idWithAffinity(r: number, min: number, max: number): string {
  const salt = Math.floor(r * 0x1_0000_0000)
  for (let i = 0; ; i++) {
    const affinity = affinityOf(keyOf(`k${i}`), salt)
    if (affinity >= min && affinity < max) return `k${i}`
  }
}

export function codeOf(error: unknown): string {
  return error instanceof OjaiError ? error.code : error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/** The operation's values, with an error turned into the value `error:<code>` (marble-comparable). */
export function outcome<T>(source: Observable<T>): Observable<T | string> {
  return source.pipe(catchError((e: unknown) => of(`error:${codeOf(e)}`)))
}

/** The active cluster's name over time. */
export function names(store: FailoverStore): Observable<string> {
  return store.cluster$.pipe(map((s) => s.name))
}

/** Every cluster's health state over time, e.g. `'suspect/held up'` (`/held`: inside its hold). */
export function states(store: FailoverStore): Observable<string> {
  return store.health$.pipe(map((view) => view.map((h) => `${h.state}${h.holdUntil === undefined ? '' : '/held'}`).join(' ')))
}

/** Subscribes and keeps the last error, for assertions on its details after `m.flush()`. */
export function captureError(source: Observable<unknown>): { error?: unknown } {
  const box: { error?: unknown } = {}
  source.subscribe({ error: (e: unknown) => (box.error = e) })
  return box
}
