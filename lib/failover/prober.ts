/**
 * Background probes of the clusters not serving: each cluster that is held (left by a failover)
 * or not known up is probed once its hold is over (ping if the cluster has one, then a cheap
 * findById), on exponential backoff with jitter, until a probe succeeds; then its hold is
 * released and, if it ranks above the active cluster, the store fails back to it.
 *
 * ```
 * cluster$   a--b-----------------------c        a: primary, b: failover (hold 20), c: failback
 * probes        ····(hold)·········X-X--✓        X failed (next after 1, 2, 4 … ms), ✓ ok
 * ```
 *
 * Probes run on their own subscriptions, never in the path of a user operation, only while the
 * store has demand (demand.ts), never of a cluster an operator drained, and stop on close. A probe's limit is kept by the timekeeper, on
 * the runnable clock like an operation's: a stall of this process does not fail a probe.
 */
import {
  combineLatest,
  concat,
  defer,
  distinctUntilChanged,
  EMPTY,
  ignoreElements,
  map,
  merge,
  Observable,
  of,
  retry,
  switchMap,
  tap,
  timer,
  type SchedulerLike,
  type Subscription,
} from 'rxjs'
import { TimeoutError } from '../ojai/errors.js'
import type { DocumentId } from '../ojai/values.js'
import type { Backoff } from './backoff.js'
import type { ClusterState } from './cluster-state.js'
import type { FailoverStoreEvent } from './events.js'
import type { HealthBook } from './health.js'
import type { ClusterConfig } from './options.js'
import { needsProbe } from './routing.js'
import { reasonOf } from './run.js'
import type { StatsRecorder } from './stats.js'
import type { DeadlineList, TimedEntry, Timekeeper } from './timekeeper.js'

export interface ProberDeps {
  readonly clusters: readonly ClusterConfig[]
  readonly state: ClusterState
  readonly health: HealthBook
  readonly demand$: Observable<boolean>
  readonly scheduler: SchedulerLike
  readonly backoff: Backoff
  readonly probeId: DocumentId
  readonly probeTimeoutMs: number
  /** Keeps each probe's limit on the runnable clock. */
  readonly clock: Timekeeper
  readonly stats: StatsRecorder
  emit(event: FailoverStoreEvent): void
}

/** One probe's limit, armed in the timekeeper. */
class ProbeLimit implements TimedEntry {
  due = 0
  prevEntry: TimedEntry | null = null
  nextEntry: TimedEntry | null = null
  list: DeadlineList | null = null
  constructor(readonly expire: () => void) {}
}

/** Not probing. */
const IDLE = -1

export class Prober {
  private subscription: Subscription | undefined

  constructor(private readonly d: ProberDeps) {}

  start(): void {
    const { clusters, demand$ } = this.d
    const all = merge(...clusters.map((_, c) => this.probeWhenNeeded(c)))
    this.subscription = demand$.pipe(switchMap((busy) => (busy ? all : EMPTY))).subscribe()
  }

  stop(): void {
    this.subscription?.unsubscribe()
    this.subscription = undefined
  }

  /** Probes cluster `c` whenever it needs it, from the end of its hold. */
  private probeWhenNeeded(c: number): Observable<unknown> {
    const { health, state, scheduler } = this.d
    return combineLatest([health.health$, state.cluster$]).pipe(
      map(([view, status]) => {
        const h = view[c]
        return h !== undefined && needsProbe(h, status.index === c, state.isDrained(c)) ? (h.holdUntil ?? 0) : IDLE
      }),
      distinctUntilChanged(),
      switchMap((from) =>
        from === IDLE ? EMPTY : timer(Math.max(0, from - scheduler.now()), scheduler).pipe(switchMap(() => this.probeUntilOk(c))),
      ),
    )
  }

  private probeUntilOk(c: number): Observable<unknown> {
    const { scheduler, backoff, stats, state } = this.d
    const name = this.d.clusters[c]?.name ?? String(c)
    let attempt = 0
    let startedAt = 0
    return defer(() => {
      attempt++
      startedAt = scheduler.now()
      return this.probeOnce(c)
    }).pipe(
      retry({
        delay: (error: unknown, count: number) => {
          const now = scheduler.now()
          const nextDelayMs = backoff.delay(count - 1)
          stats.probesFailed++
          state.report(c, { kind: 'failed', why: reasonOf(error) }, 'probe')
          this.d.emit({
            type: 'probe-failed',
            cluster: name,
            operation: 'probe',
            at: now,
            elapsedMs: now - startedAt,
            attempt,
            reason: reasonOf(error),
            nextDelayMs,
          })
          return timer(nextDelayMs, scheduler)
        },
      }),
      tap(() => {
        const now = scheduler.now()
        stats.probesOk++
        this.d.emit({ type: 'probe-ok', cluster: name, operation: 'probe', at: now, elapsedMs: now - startedAt, attempt })
        state.recovered(c)
      }),
    )
  }

  /** Ping (when the cluster has one), then a cheap read; the whole probe within probeTimeoutMs. */
  private probeOnce(c: number): Observable<number> {
    const { clusters, probeId, probeTimeoutMs, clock } = this.d
    const cluster = clusters[c] as ClusterConfig
    const ping = cluster.ping
    const read = defer(() => cluster.store.findById(probeId)).pipe(ignoreElements())
    const steps = ping === undefined ? read : concat(defer(ping).pipe(ignoreElements()), read)
    return new Observable<number>((out) => {
      const limit = new ProbeLimit(() =>
        out.error(new TimeoutError(`probe of ${cluster.name}: no answer within ${probeTimeoutMs} ms`, probeTimeoutMs)),
      )
      clock.arm(limit, probeTimeoutMs)
      const probe = concat(steps, of(c)).subscribe(out)
      return () => {
        clock.disarm(limit)
        probe.unsubscribe()
      }
    })
  }
}
