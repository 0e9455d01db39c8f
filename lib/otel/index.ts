/**
 * OpenTelemetry for ojai-failover: spans and metrics of every FailoverStore operation, through
 * `@opentelemetry/api` (an optional peer dependency: install it to use this entry).
 *
 * ```ts
 * import { enableOpenTelemetry } from 'ojai-failover/otel'
 * enableOpenTelemetry()   // after the OpenTelemetry SDK registered its providers
 * ```
 *
 * Nothing of it runs until it is enabled: the library publishes operation and attempt lifecycles
 * on `node:diagnostics_channel`, which costs nothing while nobody subscribes.
 *
 * @module ojai-failover/otel
 * @categoryDescription OpenTelemetry
 * {@link enableOpenTelemetry}, its options, and the names of the attributes, span events and
 * metrics it produces.
 * @categoryDescription Observability
 * The `node:diagnostics_channel` channels the library publishes on, and their messages: for a
 * tracer other than OpenTelemetry.
 */
export { enableOpenTelemetry, type OpenTelemetryInstrumentation, type OpenTelemetryOptions } from './instrumentation.js'
export { ATTR, DB_SYSTEM_NAME, DURATION_BOUNDARIES, METRIC, SPAN_EVENT, STALL_BOUNDARIES } from './names.js'
export {
  CHANNELS,
  type AttemptKind,
  type AttemptOutcome,
  type AttemptRecord,
  type ClusterInfo,
  type FailoverStoreInfo,
  type OperationRecord,
  type SettleOutcome,
} from '../failover/diagnostics.js'
export { REQUEST_CHANNEL, type GrpcRequestMessage } from '../driver/request-headers.js'
