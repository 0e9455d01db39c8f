/**
 * The names ojai-failover's telemetry uses: attribute keys, span event names, metric names and the
 * histogram boundaries. The README's "Observability with OpenTelemetry" tables list the same.
 */

/**
 * `db.system.name` of every span and operation metric. The database semantic conventions have no
 * well-known value for HPE Data Fabric Database (MapR-DB) JSON tables, so this is a custom value
 * in their vendor-prefixed form (as `aws.dynamodb`, `ibm.db2`).
 * @category OpenTelemetry
 */
export const DB_SYSTEM_NAME = 'hpe.maprdb'

/** The instrumentation scope of the tracer and the meter. */
export const SCOPE_NAME = 'ojai-failover'

/** @category OpenTelemetry */
export const ATTR = Object.freeze({
  // OpenTelemetry semantic conventions
  dbSystemName: 'db.system.name',
  dbCollectionName: 'db.collection.name',
  dbOperationName: 'db.operation.name',
  dbResponseStatusCode: 'db.response.status_code',
  dbResponseReturnedRows: 'db.response.returned_rows',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  // ojai-failover's own
  cluster: 'ojai.cluster.name',
  clusterState: 'ojai.cluster.state',
  clustersContacted: 'ojai.clusters_contacted',
  attempts: 'ojai.attempts',
  strategy: 'ojai.failover.strategy',
  operationOutcome: 'ojai.operation.outcome',
  attemptKind: 'ojai.attempt.kind',
  attemptNumber: 'ojai.attempt.number',
  attemptOutcome: 'ojai.attempt.outcome',
  attemptSettled: 'ojai.attempt.settled',
  resumedAfter: 'ojai.find.resumed_after',
  stallMs: 'ojai.stall.duration_ms',
  switchKind: 'ojai.switch.kind',
  switchFrom: 'ojai.switch.from',
  switchTo: 'ojai.switch.to',
  reason: 'ojai.reason',
  probeOutcome: 'ojai.probe.outcome',
  acknowledgedBy: 'ojai.write.acknowledged_by',
} as const)

/** @category OpenTelemetry */
export const SPAN_EVENT = Object.freeze({
  /** The client's own process stalled while the operation ran (GC, CPU-bound code). */
  stall: 'ojai.stall',
  /** A cluster the operation had an attempt on fell silent, or became suspect (no answer in time) or down. */
  suspicion: 'ojai.suspicion',
  /** The store's active cluster changed while the operation ran (failover, failback, pin, drain). */
  switch: 'ojai.switch',
} as const)

/** @category OpenTelemetry */
export const METRIC = Object.freeze({
  operationDuration: 'db.client.operation.duration',
  attemptDuration: 'ojai.client.attempt.duration',
  inFlight: 'ojai.client.operations.in_flight',
  failovers: 'ojai.client.failovers',
  failbacks: 'ojai.client.failbacks',
  hedges: 'ojai.client.hedges',
  retries: 'ojai.client.retries',
  unsettledWrites: 'ojai.client.unsettled_writes',
  possiblyStaleReads: 'ojai.client.possibly_stale_reads',
  probes: 'ojai.client.probes',
  clusterHealth: 'ojai.client.cluster.health',
  clusterActive: 'ojai.client.cluster.active',
  stallDuration: 'ojai.client.stall.duration',
} as const)

/**
 * Bucket boundaries (seconds) of the operation and attempt duration histograms: the ones the
 * database semantic conventions advise for `db.client.operation.duration`.
 * @category OpenTelemetry
 */
export const DURATION_BOUNDARIES: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10])

/**
 * Bucket boundaries (seconds) of the stall histogram: from the default stall threshold (20 ms) up
 * to pauses long enough to fail every operation in flight.
 * @category OpenTelemetry
 */
export const STALL_BOUNDARIES: readonly number[] = Object.freeze([0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
