/**
 * What `FailoverStore.events$` emits. Every event names the cluster it is about, the operation
 * (`'probe'` for health probes) and its timing in scheduler milliseconds: `at` is when it
 * happened, `elapsedMs` how long the operation (or probe) had been running.
 *
 * Events are emitted only off the happy path (plus probes), so subscribing costs nothing per
 * successful operation.
 */
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

/** An attempt got no answer within its time limit; it was cancelled. */
export interface TimeoutEvent extends EventBase {
  readonly type: 'timeout'
  readonly timeoutMs: number
}

/** An operation moved on to another cluster after an availability error or timeout. */
export interface FailoverEvent extends EventBase {
  readonly type: 'failover'
  /** The cluster the operation moves on to. */
  readonly to: string
  /** Error code (or message) of the failure. */
  readonly reason: string
  /** True when this failure also switched the active cluster (the first of a burst does). */
  readonly switched: boolean
  /** For a find: documents already delivered, continued after (resume) or repeated (restart). */
  readonly delivered?: number
}

/** The active cluster went back to the primary after a successful probe. */
export interface FailbackEvent extends EventBase {
  readonly type: 'failback'
  /** The cluster made active again. */
  readonly to: string
}

export interface ProbeOkEvent extends EventBase {
  readonly type: 'probe-ok'
  /** 1-based number of the probe since the hold ended. */
  readonly attempt: number
}

export interface ProbeFailedEvent extends EventBase {
  readonly type: 'probe-failed'
  readonly attempt: number
  readonly reason: string
  /** Delay before the next probe, ms (backoff with jitter). */
  readonly nextDelayMs: number
}

/** A read was also sent to another cluster because the first had not answered within the hedge delay. */
export interface HedgeEvent extends EventBase {
  readonly type: 'hedge'
  readonly to: string
  readonly delayMs: number
}

/** An operation failed with an availability error and had nowhere (or no permission) to go on. */
export interface GaveUpEvent extends EventBase {
  readonly type: 'gave-up'
  readonly reason: string
  /** Each cluster tried, in order, with its error code. */
  readonly causes: readonly { readonly cluster: string; readonly reason: string }[]
}

export type FailoverStoreEvent =
  | TimeoutEvent
  | FailoverEvent
  | FailbackEvent
  | ProbeOkEvent
  | ProbeFailedEvent
  | HedgeEvent
  | GaveUpEvent

export type FailoverStoreEventType = FailoverStoreEvent['type']
