/**
 * The active cluster: where operations start, since when and why. The sticky part of failover.
 *
 * `cluster$` replays the current status (BehaviorSubject) and emits on every change; every change
 * also emits exactly one `failover` or `failback` event. Outcomes of attempts and probes go to the
 * {@link HealthBook} through {@link report}; the active cluster moves only when routing (routing.ts)
 * finds a cluster in better standing, so N operations that fail together cause one switch, and a
 * slow cluster is never traded for a dead or held one:
 *
 * ```
 * op A on c1  ----X                 (times out at 4: c1 suspect, c2 up: switch)
 * op B on c1  -----X                (times out at 5: c1 no longer active, no switch)
 * cluster$    a---b                 a = {c1, initial}, b = {c2, failover, hold until 4 + 20 s}
 * events$     ----F                 exactly one failover event
 * ```
 *
 * The cluster left behind is held ({@link StickyHold}: 20 s, 60 s, 120 s); the prober probes it
 * once the hold is over and {@link recovered} fails back to it when it answers.
 */
import { BehaviorSubject, type Observable, type SchedulerLike } from 'rxjs'
import type { FailoverStoreEvent } from './events.js'
import type { HealthBook, Outcome } from './health.js'
import type { OperationName } from './policy.js'
import { failbackTarget, failoverTarget } from './routing.js'
import type { StickyHold } from './sticky-hold.js'

/** @category Failover */
export interface ClusterStatus {
  /** Index of the active cluster in the configured list (0 = primary). */
  readonly index: number
  readonly name: string
  /** Scheduler time (ms) when this cluster became active. */
  readonly since: number
  readonly reason: 'initial' | 'failover' | 'failback'
  /** For a failover: the error code (or message) that caused it. */
  readonly cause?: string
  /** For a failover: the scheduler time until which the cluster left behind is not probed. */
  readonly holdUntil?: number
}

/**
 * Ramped failback: after a failback, operations move back in steps instead of all at once, so a
 * fleet of clients does not land on a cluster that just recovered in the same second.
 * @category Failover
 */
export interface FailbackRampOptions {
  /** How long the ramp lasts, ms. Default 30 000. */
  readonly rampMs?: number
  /**
   * Share of operations started on the cluster failed back to, per equal part of the ramp; the
   * rest start on the cluster left. Ascending, in (0, 1], the last 1. Default [0.05, 0.25, 1].
   */
  readonly shares?: readonly number[]
}

/** @category Internals */
export const DEFAULT_FAILBACK_RAMP: Required<FailbackRampOptions> = Object.freeze({ rampMs: 30_000, shares: Object.freeze([0.05, 0.25, 1]) })

/** A failback in progress: operations still start on `from` by the ramp's share. */
interface Ramp {
  readonly from: number
  readonly startedAt: number
}

export interface SwitchCounters {
  failovers: number
  failbacks: number
}

export class ClusterState {
  private readonly subject: BehaviorSubject<ClusterStatus>
  private done = false
  private ramp: Ramp | null = null
  readonly cluster$: Observable<ClusterStatus>

  constructor(
    private readonly names: readonly string[],
    private readonly health: HealthBook,
    private readonly hold: StickyHold,
    private readonly scheduler: SchedulerLike,
    private readonly counters: SwitchCounters,
    private readonly emit: (event: FailoverStoreEvent) => void,
    /** `false`: fail back all at once. */
    private readonly failbackRamp: Required<FailbackRampOptions> | false,
    private readonly random: () => number,
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
   * Where a new operation starts: the active cluster, or during a failback ramp the cluster left,
   * by the ramp's share. The ramp ends early when the cluster left is no longer up: operations are
   * not started on a cluster that timed out or failed.
   */
  startCluster(): number {
    const active = this.subject.value.index
    const ramp = this.ramp
    if (ramp === null || this.failbackRamp === false) return active
    const { rampMs, shares } = this.failbackRamp
    const elapsed = this.scheduler.now() - ramp.startedAt
    const step = Math.floor((elapsed * shares.length) / rampMs)
    if (step >= shares.length || this.health.of(ramp.from).state !== 'up') {
      this.ramp = null
      return active
    }
    return this.random() < (shares[step] as number) ? active : ramp.from
  }

  /**
   * What an attempt of `operation` on `cluster` found. A failure of the active cluster moves it
   * when routing finds a cluster in better standing.
   */
  report(cluster: number, outcome: Outcome, operation: OperationName | 'probe'): void {
    // The happy path: an answer from a cluster already up changes nothing (and reads no clock).
    if (this.done || (outcome.kind === 'answered' && this.health.of(cluster).state === 'up')) return
    const now = this.scheduler.now()
    this.health.record(cluster, outcome, now)
    if (outcome.kind === 'answered' || cluster !== this.active) return
    const target = failoverTarget(this.health.current, cluster, outcome.kind === 'timed-out' ? 'timeout' : 'error', now)
    if (target >= 0) this.failover(target, outcome.why, operation, now)
  }

  /** A probe found `cluster` healthy: release its hold, and fail back if it ranks above the active one. */
  recovered(cluster: number): void {
    if (this.done) return
    const now = this.scheduler.now()
    this.health.record(cluster, { kind: 'answered' }, now)
    this.health.hold(cluster, undefined)
    const from = this.subject.value
    const target = failbackTarget(this.health.current, from.index, now)
    if (target < 0) return
    this.counters.failbacks++
    this.ramp = this.failbackRamp === false ? null : { from: from.index, startedAt: now }
    this.subject.next({ index: target, name: this.names[target] ?? '', since: now, reason: 'failback' })
    this.emit({ type: 'failback', cluster: from.name, operation: 'probe', at: now, elapsedMs: now - from.since, to: this.names[target] ?? '' })
  }

  complete(): void {
    this.done = true
    this.subject.complete()
  }

  private failover(target: number, cause: string, operation: OperationName | 'probe', now: number): void {
    const from = this.subject.value
    const holdUntil = now + this.hold.next(now)
    this.ramp = null
    this.health.hold(from.index, holdUntil)
    this.health.hold(target, undefined)
    this.counters.failovers++
    this.subject.next({ index: target, name: this.names[target] ?? '', since: now, reason: 'failover', cause, holdUntil })
    this.emit({ type: 'failover', cluster: from.name, operation, at: now, elapsedMs: now - from.since, to: this.names[target] ?? '', reason: cause })
  }
}
