/** Failover between replicated clusters: FailoverStore and the parts it is built from. */
export { FailoverStore } from './failover-store.js'
export {
  FailoverError,
  PendingWriteError,
  ResumeNotPossibleError,
  UnknownClusterError,
  UnsettledWriteError,
  type ClusterCause,
} from './errors.js'
export {
  DEFAULT_HEDGE_DELAY,
  DEFAULT_LINGER_MS,
  DEFAULT_PROBE_ID,
  DEFAULT_SETTLE_MS,
  DEFAULT_SECONDARY_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type ClusterConfig,
  type FailoverStoreOptions,
  type MaintenanceOptions,
  type HedgeOptions,
  type PercentileDelay,
  type ProbeOptions,
} from './options.js'
export {
  classify,
  DEFAULT_STRATEGIES,
  mayMoveOn,
  OPERATION_CLASSES,
  OPERATION_NAMES,
  Policy,
  type ClassRule,
  type OperationName,
  type PolicyOptions,
} from './policy.js'
export { AUTOMATIC, DEFAULT_FAILBACK_RAMP, type ClusterStatus, type FailbackRampOptions, type RoutingMode } from './cluster-state.js'
export type { ClusterHealth, HealthState } from './health.js'
export { DEFAULT_STALL, type StallOptions } from './timekeeper.js'
export { DEFAULT_SILENCE, type SilenceOptions } from './silence.js'
export { DEFAULT_SESSION, type SessionOptions } from './session.js'
export { MAX_FENCED } from './write-fence.js'
export { StickyHold, DEFAULT_DECAY_AFTER_MS, DEFAULT_HOLD_JITTER, DEFAULT_HOLDS_MS, type StickyHoldOptions } from './sticky-hold.js'
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
export { DEFAULT_HEDGE_BUDGET, HedgeBudget, type HedgeBudgetOptions } from './hedge-budget.js'
export type { FailoverStats, LatencySnapshot, OperationStats } from './stats.js'
export type {
  DrainedEvent,
  FailbackEvent,
  FailoverEvent,
  FailoverStoreEvent,
  FailoverStoreEventType,
  GaveUpEvent,
  HeardEvent,
  HedgeEvent,
  PinnedEvent,
  PossiblyStaleEvent,
  ProbeFailedEvent,
  ProbeOkEvent,
  ReleasedEvent,
  ReroutedEvent,
  SilentEvent,
  StallEvent,
  TimeoutEvent,
  UnsettledEvent,
} from './events.js'
