/**
 * The one telemetry hook of the driver: before a gRPC call starts, listeners of
 * `ojai-failover:grpc:request` (on `node:diagnostics_channel`) may add metadata to it, e.g. the
 * W3C `traceparent` that `ojai-failover/otel` adds when asked to propagate trace context. Free when
 * nobody listens; a listener can add headers, never remove or read the call's own (credentials).
 */
import { channel } from 'node:diagnostics_channel'

/** @category Observability */
export const REQUEST_CHANNEL = 'ojai-failover:grpc:request'

/**
 * What a listener of {@link REQUEST_CHANNEL} gets, synchronously, as the call is started.
 * @category Observability
 */
export interface GrpcRequestMessage {
  /** RPC name as in the .proto, e.g. `FindById`. */
  readonly rpc: string
  readonly table: string | undefined
  /** The gateway, `host:port`. */
  readonly target: string
  /** Metadata to add to the call: lower-case keys, ASCII values. Every attempt of the call (a re-authentication included) carries it. */
  readonly headers: Record<string, string>
}

const request = channel(REQUEST_CHANNEL)

/** The headers listeners want on a call, or undefined (nobody listens, or nobody added any). */
export function requestHeaders(rpc: string, table: string | undefined, target: string): Readonly<Record<string, string>> | undefined {
  if (!request.hasSubscribers) return undefined
  const message: GrpcRequestMessage = { rpc, table, target, headers: {} }
  request.publish(message)
  return Object.keys(message.headers).length === 0 ? undefined : message.headers
}
