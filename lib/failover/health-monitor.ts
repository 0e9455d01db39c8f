/**
 * Failback: while another cluster is active, wait out the hold, then probe the primary (ping if
 * the cluster has one, then a cheap findById) on exponential backoff with jitter, and make it
 * active again on the first probe that succeeds. Never blind, unlike the 2017 prototype.
 *
 * ```
 * cluster$   a--b-----------------------c        a: primary, b: failover (hold 20), c: failback
 * probes        ····(hold)·········X-X--✓        X failed (next after 1, 2, 4 … ms), ✓ ok
 * ```
 *
 * Probes run on their own subscription, never in the path of a user operation, and stop when the
 * active cluster changes (a new hold starts) or on {@link stop}.
 */
import { concat, defer, EMPTY, ignoreElements, of, retry, switchMap, tap, throwError, timeout, timer, type Subscription } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import { OjaiError, TimeoutError } from '../ojai/errors.js'
import type { DocumentId } from '../ojai/values.js'
import type { Backoff } from './backoff.js'
import type { ClusterState } from './cluster-state.js'
import type { FailoverStoreEvent } from './events.js'
import type { ClusterConfig } from './options.js'
import type { StatsRecorder } from './stats.js'

export interface HealthMonitorDeps {
  readonly clusters: readonly ClusterConfig[]
  readonly state: ClusterState
  readonly scheduler: SchedulerLike
  readonly backoff: Backoff
  readonly probeId: DocumentId
  readonly probeTimeoutMs: number
  readonly stats: StatsRecorder
  emit(event: FailoverStoreEvent): void
}

const PRIMARY = 0

export class HealthMonitor {
  private subscription: Subscription | undefined

  constructor(private readonly d: HealthMonitorDeps) {}

  start(): void {
    const { state, scheduler } = this.d
    this.subscription = state.cluster$
      .pipe(
        switchMap((status) => {
          if (status.index === PRIMARY) return EMPTY
          const wait = Math.max(0, (status.holdUntil ?? scheduler.now()) - scheduler.now())
          return timer(wait, scheduler).pipe(switchMap(() => this.probeUntilOk()))
        }),
      )
      .subscribe(() => {
        const from = state.status
        const now = scheduler.now()
        if (state.failback(PRIMARY) !== undefined) {
          this.d.stats.failbacks++
          this.d.emit({ type: 'failback', cluster: from.name, operation: 'probe', at: now, elapsedMs: now - from.since, to: this.name(PRIMARY) })
        }
      })
  }

  stop(): void {
    this.subscription?.unsubscribe()
    this.subscription = undefined
  }

  private name(index: number): string {
    return this.d.clusters[index]?.name ?? String(index)
  }

  /** Probes until one succeeds; emits once then. */
  private probeUntilOk(): Observable<number> {
    const { scheduler, backoff, stats } = this.d
    let attempt = 0
    let startedAt = 0
    return defer(() => {
      attempt++
      startedAt = scheduler.now()
      return this.probeOnce()
    }).pipe(
      retry({
        delay: (error: unknown, count: number) => {
          const now = scheduler.now()
          const nextDelayMs = backoff.delay(count - 1)
          stats.probesFailed++
          this.d.emit({
            type: 'probe-failed',
            cluster: this.name(PRIMARY),
            operation: 'probe',
            at: now,
            elapsedMs: now - startedAt,
            attempt,
            reason: error instanceof OjaiError ? error.code : error instanceof Error ? error.message : String(error),
            nextDelayMs,
          })
          return timer(nextDelayMs, scheduler)
        },
      }),
      tap(() => {
        const now = scheduler.now()
        stats.probesOk++
        this.d.emit({ type: 'probe-ok', cluster: this.name(PRIMARY), operation: 'probe', at: now, elapsedMs: now - startedAt, attempt })
      }),
    )
  }

  /** Ping (when the cluster has one), then a cheap read; the whole probe within probeTimeoutMs. */
  private probeOnce(): Observable<number> {
    const { clusters, probeId, probeTimeoutMs, scheduler } = this.d
    const cluster = clusters[PRIMARY] as ClusterConfig
    const ping = cluster.ping
    const read = defer(() => cluster.store.findById(probeId)).pipe(ignoreElements())
    const steps = ping === undefined ? read : concat(defer(ping).pipe(ignoreElements()), read)
    return concat(steps, of(PRIMARY)).pipe(
      timeout({
        first: probeTimeoutMs,
        scheduler,
        with: () => throwError(() => new TimeoutError(`probe of ${cluster.name}: no answer within ${probeTimeoutMs} ms`, probeTimeoutMs)),
      }),
    )
  }
}
