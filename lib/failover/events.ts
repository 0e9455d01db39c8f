/**
 * What `FailoverStore.events$` emits. Every event names the cluster it is about, the operation
 * (`'probe'` for health probes) and its timing in scheduler milliseconds: `at` is when it
 * happened, `elapsedMs` how long the operation (or probe) had been running.
 *
 * Events are emitted only off the happy path (plus probes), so subscribing costs nothing per
 * successful operation.
 */
import type { RoutingMode } from './cluster-state.js'
import type { DocumentId } from '../ojai/values.js'
import type { OperationName } from './policy.js'

interface EventBase {
  /** The cluster the event is about (for failover / failback / hedge: the one left behind or asked first). */
  readonly cluster: string
  readonly operation: OperationName | 'probe'
  /** Scheduler time of the event, ms. */
  readonly at: number
  /** Time since the operation or probe started, ms. */
  readonly elapsedMs: number
}

/**
 * An attempt got no answer within its time limit; it was cancelled.
 * @category Events
 */
export interface TimeoutEvent extends EventBase {
  readonly type: 'timeout'
  readonly timeoutMs: number
}

/**
 * The active cluster changed because it failed: exactly one per change. `operation` is the one
 * whose failure decided it; `elapsedMs` is how long the cluster left behind had been active.
 * @category Events
 */
export interface FailoverEvent extends EventBase {
  readonly type: 'failover'
  /** The cluster that is active now. */
  readonly to: string
  /** Error code (or message) of the failure. */
  readonly reason: string
}

/**
 * One operation moved on to another cluster after an availability error or timeout.
 * @category Events
 */
export interface ReroutedEvent extends EventBase {
  readonly type: 'rerouted'
  /** The cluster the operation moves on to. */
  readonly to: string
  /** Error code (or message) of the failure. */
  readonly reason: string
  /**
   * For a find: documents it delivered before moving on (repeats of an earlier restart included).
   * A resume continues after them; a restart delivers the result again from its first document.
   */
  readonly delivered?: number
}

/**
 * The client's own process could not run for `stalledMs` (GC pause, CPU-bound code, a loaded
 * machine). The time is not charged to any cluster: limits of the operations in flight move out
 * by as much. `cluster` is the active cluster, `operation` is `'clock'`.
 * @category Events
 */
export interface StallEvent extends Omit<EventBase, 'operation'> {
  readonly type: 'stall'
  readonly operation: 'clock'
  readonly stalledMs: number
}

/**
 * A write was applied elsewhere, but an earlier attempt of it may still land: it failed after it
 * may have been sent (reset, closed connection), or it was still unanswered when the settle bound
 * passed. The write ends with UnsettledWriteError instead of an acknowledgment.
 * @category Events
 */
export interface UnsettledEvent extends EventBase {
  readonly type: 'unsettled'
  /** The clusters whose attempts may still be applied. */
  readonly pending: readonly string[]
  /** Why each may still land, e.g. `UNAVAILABLE` (failed after send) or `no answer within 5000 ms`. */
  readonly reason: string
}

/**
 * A cluster fell silent: it has requests outstanding and answered none of them for `silentMs`,
 * longer than its own answer latency explains (`thresholdMs`, see silence.ts). It is suspect:
 * new operations start elsewhere while a cluster in better standing exists, reads in flight on
 * it move on at once, writes keep their attempts. The active cluster does not change on this.
 * `operation` is `'silence'`.
 * @category Events
 */
export interface SilentEvent extends Omit<EventBase, 'operation'> {
  readonly type: 'silent'
  readonly operation: 'silence'
  readonly silentMs: number
  readonly thresholdMs: number
  /** Attempts outstanding on the cluster when it was found silent (each read among them that moves on emits `rerouted`). */
  readonly outstanding: number
}

/**
 * A read of a document this store wrote less than `session.windowMs` ago was answered by
 * `cluster`, not by `acknowledgedBy`, the cluster that acknowledged the write: that one was not
 * in good standing (it failed, is held, or fell silent), and the answer may predate the write if
 * it had not replicated yet. Emitted before the answer reaches the caller. Counted in
 * `possiblyStaleReads`.
 * @category Events
 */
export interface PossiblyStaleEvent extends EventBase {
  readonly type: 'possibly-stale'
  readonly operation: 'findById'
  /** The `_id` of the document read. */
  readonly id: DocumentId
  /** The cluster that acknowledged this store's latest write of it. */
  readonly acknowledgedBy: string
  /** How long before the read that write was acknowledged, ms. */
  readonly writtenMsAgo: number
}

/**
 * A cluster that was silent answered again (an operation or a probe): the suspicion ended.
 * `elapsedMs` is how long it lasted; `operation` what answered.
 * @category Events
 */
export interface HeardEvent extends EventBase {
  readonly type: 'heard'
}

/**
 * What an operator's maintenance call (`pin`, `drain`, `release`) did. `operation` is
 * `'operator'`; `cluster` is the cluster active before the call and `elapsedMs` how long it had
 * been active (for `released`: how long the operator's mode lasted).
 */
interface OperatorEventBase extends Omit<EventBase, 'operation'> {
  readonly operation: 'operator'
  /** The reason the operator gave, if any. */
  readonly reason?: string
}

/**
 * An operator pinned the active cluster: `to` is active and held there, every other cluster is
 * drained, until `release()`. When `to` differs from `cluster`, this is the one event of that
 * change of the active cluster.
 * @category Events
 */
export interface PinnedEvent extends OperatorEventBase {
  readonly type: 'pinned'
  readonly to: string
}

/**
 * An operator drained clusters: they get no traffic until `release()`. `to` is the active cluster
 * now (moved off a drained one: then this is the one event of that change).
 * @category Events
 */
export interface DrainedEvent extends OperatorEventBase {
  readonly type: 'drained'
  readonly to: string
  /** The clusters drained. */
  readonly drained: readonly string[]
}

/**
 * An operator released a pin or drain: routing is automatic again. Each drained cluster gets
 * traffic again only after its own probe succeeds (`probe-ok` naming it), then through the usual
 * failback (with its ramp), not at once.
 * @category Events
 */
export interface ReleasedEvent extends Omit<OperatorEventBase, 'reason'> {
  readonly type: 'released'
  /** The mode that ended. */
  readonly released: Exclude<RoutingMode, { readonly kind: 'automatic' }>
}

/**
 * The active cluster went back to a cluster of higher priority after a successful probe.
 * @category Events
 */
export interface FailbackEvent extends EventBase {
  readonly type: 'failback'
  /** The cluster made active again. */
  readonly to: string
}

/** @category Events */
export interface ProbeOkEvent extends EventBase {
  readonly type: 'probe-ok'
  /** 1-based number of the probe since the hold ended. */
  readonly attempt: number
}

/** @category Events */
export interface ProbeFailedEvent extends EventBase {
  readonly type: 'probe-failed'
  readonly attempt: number
  readonly reason: string
  /** Delay before the next probe, ms (backoff with jitter). */
  readonly nextDelayMs: number
}

/**
 * A read was also sent to another cluster because the first had not answered within the hedge delay.
 * @category Events
 */
export interface HedgeEvent extends EventBase {
  readonly type: 'hedge'
  readonly to: string
  readonly delayMs: number
}

/**
 * An operation failed with an availability error and had nowhere (or no permission) to go on.
 * @category Events
 */
export interface GaveUpEvent extends EventBase {
  readonly type: 'gave-up'
  readonly reason: string
  /** Each cluster tried, in order, with its error code. */
  readonly causes: readonly { readonly cluster: string; readonly reason: string }[]
}

/** @category Events */
export type FailoverStoreEvent =
  | TimeoutEvent
  | FailoverEvent
  | ReroutedEvent
  | StallEvent
  | UnsettledEvent
  | PossiblyStaleEvent
  | SilentEvent
  | HeardEvent
  | FailbackEvent
  | ProbeOkEvent
  | ProbeFailedEvent
  | HedgeEvent
  | GaveUpEvent
  | PinnedEvent
  | DrainedEvent
  | ReleasedEvent

/** @category Events */
export type FailoverStoreEventType = FailoverStoreEvent['type']
