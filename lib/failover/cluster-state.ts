/**
 * Which cluster operations go to, since when and why: the sticky part of failover.
 *
 * `cluster$` replays the current status to every subscriber (BehaviorSubject) and emits on every
 * change. A failure reported against a cluster switches only if that cluster is still the active
 * one, so N operations that fail together on the primary cause one switch, not N:
 *
 * ```
 * op A on 0   ----X                 (fails at 4: reports 0)
 * op B on 0   -----X                (fails at 5: reports 0, already left: no switch)
 * cluster$    a---b                 a = {index 0, initial}, b = {index 1, failover}
 * ```
 *
 * A failover moves to the next cluster in ring order and earns a hold from {@link StickyHold};
 * the HealthMonitor probes the primary once the hold is over and calls {@link failback}.
 */
import { BehaviorSubject, type Observable, type SchedulerLike } from 'rxjs'
import { OjaiError } from '../ojai/errors.js'
import type { StickyHold } from './sticky-hold.js'

export interface ClusterStatus {
  /** Index of the active cluster in the configured list (0 = primary). */
  readonly index: number
  readonly name: string
  /** Scheduler time (ms) when this cluster became active. */
  readonly since: number
  readonly reason: 'initial' | 'failover' | 'failback'
  /** For a failover: the error code (or message) that caused it. */
  readonly cause?: string
  /** For a failover: the scheduler time until which the primary is not probed. */
  readonly holdUntil?: number
}

export class ClusterState {
  private readonly subject: BehaviorSubject<ClusterStatus>
  private done = false
  readonly cluster$: Observable<ClusterStatus>

  constructor(
    private readonly names: readonly string[],
    private readonly hold: StickyHold,
    private readonly scheduler: SchedulerLike,
  ) {
    this.subject = new BehaviorSubject<ClusterStatus>({ index: 0, name: names[0] ?? '', since: scheduler.now(), reason: 'initial' })
    this.cluster$ = this.subject.asObservable()
  }

  get status(): ClusterStatus {
    return this.subject.value
  }

  get active(): number {
    return this.subject.value.index
  }

  /**
   * Cluster `failed` just failed with an availability error. Switches to the next cluster when
   * `failed` is still the active one; returns the new status, or undefined when nothing changed.
   */
  reportFailure(failed: number, error: unknown): ClusterStatus | undefined {
    if (this.done || failed !== this.subject.value.index) return undefined
    const now = this.scheduler.now()
    const index = (failed + 1) % this.names.length
    const status: ClusterStatus = {
      index,
      name: this.names[index] ?? '',
      since: now,
      reason: 'failover',
      cause: error instanceof OjaiError ? error.code : error instanceof Error ? error.message : String(error),
      holdUntil: now + this.hold.next(now),
    }
    this.subject.next(status)
    return status
  }

  /** Makes `index` active again after a successful probe. */
  failback(index: number): ClusterStatus | undefined {
    if (this.done || index === this.subject.value.index) return undefined
    const status: ClusterStatus = { index, name: this.names[index] ?? '', since: this.scheduler.now(), reason: 'failback' }
    this.subject.next(status)
    return status
  }

  complete(): void {
    this.done = true
    this.subject.complete()
  }
}
