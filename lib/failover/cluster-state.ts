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
 *
 * **Maintenance.** An operator can take routing over ({@link RoutingMode}): `pin` makes one cluster
 * active and drains every other, `drain` takes some clusters out (the active one moves off them),
 * `release` hands routing back. A drained cluster gets no traffic at all: no operation starts on
 * it or moves to it, it is never made active and it is not probed; so while pinned, the active
 * cluster never changes by itself.
 *
 * What a cluster may receive, besides its health, is its {@link Admission}:
 * - `open`: operations by health (routing.ts); probed when held or not up. A `pin` or `drain`
 *   that drains it makes it `drained`.
 * - `drained`: no operation, no probe. `release`, or a later `pin` / `drain` that leaves it out,
 *   makes it `awaiting-probe`; a `pin` to it makes it `open`.
 * - `awaiting-probe`: no operation; probed at once. Only its own successful probe (or a `pin` to
 *   it) makes it `open`; a `drain` of it makes it `drained` again.
 *
 * On release a drained cluster is *not known up*: its health from before the drain is not
 * trusted (it may have been switched off or restored meanwhile), so it awaits its own probe. Until
 * that probe succeeds no operation starts on it or moves to it, and routing never makes it active; the
 * success of another cluster's probe does not open it. With the probe, the store fails back to it
 * (if it ranks above the active cluster) with the usual ramp:
 *
 * ```
 * pin(c2) at 5, release at 30; c1 healthy, probed at once on release
 * cluster$    a----p------------------(rb)   a {c1 initial}, p {c2 operator, pinned}, r {c2, automatic}, b {c1 failback}
 * events$     -----P------------------(ROF)  P pinned, R released, O probe-ok, F failback
 *
 * three clusters, pin(c2) at 5, release at 30; c3's probe answers at once, c1's later
 * cluster$    a----p------------------r-----------b    no failback on c3's probe-ok: c1 awaits its own
 * events$     -----P------------------(RO)--------(OF) the first O is c3's probe-ok, the second c1's
 * ```
 */
import { BehaviorSubject, type Observable, type SchedulerLike } from 'rxjs'
import type { FailoverStoreEvent } from './events.js'
import { ANSWERED, type HealthBook, type Outcome } from './health.js'
import type { OperationName } from './policy.js'
import { failbackTarget, failoverTarget, startAvoidingSilence, undrainedTarget } from './routing.js'
import type { StickyHold } from './sticky-hold.js'

/**
 * How the active cluster is chosen: by health (`automatic`), or held by an operator until
 * `release()`: `pinned` to one cluster (every other drained), or with some clusters `drained`
 * (automatic among the others). A drained cluster gets no traffic. `since` is scheduler time.
 * @category Failover
 */
export type RoutingMode =
  | { readonly kind: 'automatic' }
  | { readonly kind: 'pinned'; readonly cluster: string; readonly since: number; readonly reason?: string }
  | { readonly kind: 'drained'; readonly clusters: readonly string[]; readonly since: number; readonly reason?: string }

/**
 * Whether a cluster may receive operations, apart from its health (see the module doc): `open`,
 * `drained` by an operator, or `awaiting-probe` after a release, until its own probe succeeds.
 */
export type Admission = 'open' | 'drained' | 'awaiting-probe'

/** @category Internals */
export const AUTOMATIC: RoutingMode = Object.freeze({ kind: 'automatic' })

/** @category Failover */
export interface ClusterStatus {
  /** Index of the active cluster in the configured list (0 = primary). */
  readonly index: number
  readonly name: string
  /** Scheduler time (ms) when this cluster became active. */
  readonly since: number
  /** Why this cluster became active; `operator`: moved there by `pin` or `drain`. */
  readonly reason: 'initial' | 'failover' | 'failback' | 'operator'
  /** For a failover: the error code (or message) that caused it. */
  readonly cause?: string
  /** For a failover: the scheduler time until which the cluster left behind is not probed. */
  readonly holdUntil?: number
  /** Automatic, or held by an operator (pinned / drained) until `release()`. */
  readonly routing: RoutingMode
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
   * Share of documents moved back to the cluster failed back to, per equal part of the ramp; the
   * rest stay on the cluster left (each document by its place in the ramp, a hash of its `_id`:
   * session.ts). Ascending, in (0, 1], the last 1. Default [0.05, 0.25, 1].
   */
  readonly shares?: readonly number[]
}

/** @category Internals */
export const DEFAULT_FAILBACK_RAMP: Required<FailbackRampOptions> = Object.freeze({
  rampMs: 30_000,
  shares: Object.freeze([0.05, 0.25, 1]),
})

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
  /** Each cluster's admission; the two masks below are derived from it (see {@link admit}). */
  private readonly admissions: Admission[]
  /** Bit c set: cluster c is `drained`. */
  private drainedMask = 0
  /** Bit c set: cluster c is `awaiting-probe`. */
  private awaitingMask = 0
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
    this.admissions = names.map(() => 'open')
    this.subject = new BehaviorSubject<ClusterStatus>({
      index: 0,
      name: names[0] ?? '',
      since: scheduler.now(),
      reason: 'initial',
      routing: AUTOMATIC,
    })
    this.cluster$ = this.subject.asObservable()
  }

  get status(): ClusterStatus {
    return this.subject.value
  }

  get active(): number {
    return this.subject.value.index
  }

  /**
   * The clusters no operation may start on or move to, as a bit set (bit c: cluster c): those
   * `drained` and those `awaiting-probe` ({@link Admission}). 0 when every cluster is open.
   */
  get closedToTraffic(): number {
    return this.drainedMask | this.awaitingMask
  }

  admission(cluster: number): Admission {
    return this.admissions[cluster] ?? 'open'
  }

  isDrained(cluster: number): boolean {
    return (this.drainedMask & (1 << cluster)) !== 0
  }

  /**
   * Where a new operation starts: the active cluster, or during a failback ramp the cluster left
   * while the ramp's share is at most the operation's `affinity` in [0, 1) (a hash of its
   * document's `_id`, so each document moves back at one moment: session.ts; random when it has
   * none). The ramp ends early when the cluster left is no longer up: operations are not started
   * on a cluster that timed out or failed. A cluster that fell silent gets no new operation while
   * another is up and not held (routing.ts, {@link startAvoidingSilence}).
   */
  startCluster(affinity: number = this.random()): number {
    const chosen = this.routed(affinity)
    // The happy path reads one field; a silent cluster is avoided while one in better standing exists.
    return this.health.of(chosen).state === 'silent'
      ? startAvoidingSilence(this.health.current, chosen, this.closedToTraffic, this.scheduler.now())
      : chosen
  }

  /** True while a failback ramp is in progress (it may turn out to be over at the next {@link startCluster}). */
  get ramping(): boolean {
    return this.ramp !== null && this.failbackRamp !== false
  }

  /**
   * True when `cluster` answers and is open to traffic: `up` (held or not: it answered since it
   * failed) and not drained or awaiting its probe. Only such a cluster keeps a document's reads
   * after this store wrote it there (session.ts).
   */
  answersAndIsOpen(cluster: number): boolean {
    return (this.closedToTraffic & (1 << cluster)) === 0 && this.health.of(cluster).state === 'up'
  }

  /** The cluster the routing mode and the failback ramp pick for a new operation of `affinity`. */
  private routed(affinity: number): number {
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
    return affinity < (shares[step] as number) ? active : ramp.from
  }

  /**
   * Silence (silence.ts) made `cluster` suspect: recorded in health, nothing else. The active
   * cluster does not move on suspicion; new operations avoid it (startCluster). Returns true when
   * the health changed (the cluster was up).
   */
  silent(cluster: number, why: string): boolean {
    return !this.done && this.health.record(cluster, { kind: 'silent', why }, this.scheduler.now())
  }

  /**
   * What an attempt of `operation` on `cluster` found. A failure of the active cluster moves it
   * when routing finds a cluster in better standing.
   */
  report(cluster: number, outcome: Outcome, operation: OperationName | 'probe'): void {
    // The happy path: an answer from a cluster already up changes nothing (and reads no clock).
    const before = this.health.of(cluster)
    if (this.done || (outcome.kind === 'answered' && before.state === 'up')) return
    const now = this.scheduler.now()
    this.health.record(cluster, outcome, now)
    if (outcome.kind === 'answered' && before.state === 'silent') {
      this.emit({ type: 'heard', cluster: before.name, operation, at: now, elapsedMs: now - before.since })
    }
    if (outcome.kind === 'answered' || outcome.kind === 'silent' || cluster !== this.active) return
    const target = failoverTarget(
      this.health.current,
      cluster,
      outcome.kind === 'timed-out' ? 'timeout' : 'error',
      now,
      this.closedToTraffic,
    )
    if (target >= 0) this.failover(target, outcome.why, operation, now)
  }

  /**
   * A probe found `cluster` healthy: open it if it was awaiting this probe, release its hold, and
   * fail back if a cluster open to traffic ranks above the active one.
   */
  recovered(cluster: number): void {
    if (this.done) return
    // Opened before its health changes: whoever watches health$ sees a cluster that may take traffic.
    if (this.admission(cluster) === 'awaiting-probe') this.admit(cluster, 'open')
    this.report(cluster, ANSWERED, 'probe')
    const now = this.scheduler.now()
    this.health.hold(cluster, undefined)
    const from = this.subject.value
    const target = failbackTarget(this.health.current, from.index, now, this.closedToTraffic)
    if (target < 0) return
    this.counters.failbacks++
    this.ramp = this.failbackRamp === false ? null : { from: from.index, startedAt: now }
    this.subject.next({ index: target, name: this.names[target] ?? '', since: now, reason: 'failback', routing: from.routing })
    this.emit({
      type: 'failback',
      cluster: from.name,
      operation: 'probe',
      at: now,
      elapsedMs: now - from.since,
      to: this.names[target] ?? '',
    })
  }

  /** An operator makes `target` active and holds it there: every other cluster is drained. */
  pin(target: number, reason: string | undefined): void {
    const now = this.scheduler.now()
    const mode: RoutingMode = { kind: 'pinned', cluster: this.names[target] ?? '', since: now, ...(reason === undefined ? {} : { reason }) }
    const from = this.operatorMode(mode, ((1 << this.names.length) - 1) & ~(1 << target), target, now)
    this.emit({
      type: 'pinned',
      cluster: from.name,
      operation: 'operator',
      at: now,
      elapsedMs: now - from.since,
      to: this.status.name,
      ...(reason === undefined ? {} : { reason }),
    })
  }

  /** An operator drains the clusters in `mask` (at least one stays); the active one moves off them. */
  drain(mask: number, reason: string | undefined): void {
    const now = this.scheduler.now()
    const clusters = this.names.filter((_, c) => (mask & (1 << c)) !== 0)
    const mode: RoutingMode = { kind: 'drained', clusters, since: now, ...(reason === undefined ? {} : { reason }) }
    const active = this.active
    const target = (mask & (1 << active)) === 0 ? active : this.moveOffTarget(mask, now)
    const from = this.operatorMode(mode, mask, target, now)
    this.emit({
      type: 'drained',
      cluster: from.name,
      operation: 'operator',
      at: now,
      elapsedMs: now - from.since,
      to: this.status.name,
      drained: clusters,
      ...(reason === undefined ? {} : { reason }),
    })
  }

  /**
   * Routing is automatic again. Each drained cluster awaits its own probe ({@link Admission}): no
   * traffic until that probe succeeds, then a failback to it with the ramp. It is held until now
   * (or its hold from before, if longer) so that the prober probes it; only {@link recovered}
   * clears that hold and opens it.
   */
  release(): void {
    const status = this.status
    const mode = status.routing
    if (this.done || mode.kind === 'automatic') return
    const now = this.scheduler.now()
    for (let c = 0; c < this.names.length; c++) if (this.isDrained(c)) this.awaitProbe(c, now)
    this.subject.next({ ...status, routing: AUTOMATIC })
    this.emit({ type: 'released', cluster: status.name, operation: 'operator', at: now, elapsedMs: now - mode.since, released: mode })
  }

  complete(): void {
    this.done = true
    this.subject.complete()
  }

  /**
   * Enters an operator's mode with `target` active and the clusters in `drained` drained; returns
   * the status before. `target` is open (the operator decides, as a pin obeys whatever health
   * says); a cluster this mode no longer drains awaits its probe, as on release; one already
   * awaiting its probe keeps awaiting it.
   */
  private operatorMode(mode: RoutingMode, drained: number, target: number, now: number): ClusterStatus {
    const from = this.subject.value
    for (let c = 0; c < this.names.length; c++) {
      if ((drained & (1 << c)) !== 0) this.admit(c, 'drained')
      else if (c === target) this.admit(c, 'open')
      else if (this.isDrained(c)) this.awaitProbe(c, now)
    }
    this.ramp = null
    if (target === from.index) {
      this.subject.next({ ...from, routing: mode })
      return from
    }
    this.health.hold(target, undefined)
    this.subject.next({ index: target, name: this.names[target] ?? '', since: now, reason: 'operator', routing: mode })
    return from
  }

  /**
   * Where the active cluster goes when an operator drains the clusters in `drained`: one open now
   * if any, else one that will await its probe (the operator asked for the move).
   */
  private moveOffTarget(drained: number, now: number): number {
    const open = undrainedTarget(this.health.current, drained | this.closedToTraffic, now)
    return open >= 0 ? open : undrainedTarget(this.health.current, drained, now)
  }

  /**
   * `cluster` (drained until now) awaits its own probe: no traffic until {@link recovered}. Held
   * until now, or longer if its hold from before says so, so that the prober probes it.
   */
  private awaitProbe(cluster: number, now: number): void {
    this.admit(cluster, 'awaiting-probe')
    const held = this.health.of(cluster).holdUntil
    if (held === undefined || held < now) this.health.hold(cluster, now)
  }

  /** Sets one cluster's admission and the masks derived from it. */
  private admit(cluster: number, admission: Admission): void {
    this.admissions[cluster] = admission
    const bit = 1 << cluster
    this.drainedMask = admission === 'drained' ? this.drainedMask | bit : this.drainedMask & ~bit
    this.awaitingMask = admission === 'awaiting-probe' ? this.awaitingMask | bit : this.awaitingMask & ~bit
  }

  private failover(target: number, cause: string, operation: OperationName | 'probe', now: number): void {
    const from = this.subject.value
    const holdUntil = now + this.hold.next(now)
    this.ramp = null
    this.health.hold(from.index, holdUntil)
    this.health.hold(target, undefined)
    this.counters.failovers++
    this.subject.next({
      index: target,
      name: this.names[target] ?? '',
      since: now,
      reason: 'failover',
      cause,
      holdUntil,
      routing: from.routing,
    })
    this.emit({
      type: 'failover',
      cluster: from.name,
      operation,
      at: now,
      elapsedMs: now - from.since,
      to: this.names[target] ?? '',
      reason: cause,
    })
  }
}
