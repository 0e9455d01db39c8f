/**
 * The second argument of `connect`: everything that is not part of the connection string.
 */
import type { ChannelOptions } from '@grpc/grpc-js'
import type { Logger } from 'pino'
import { InvalidOptionsError } from '../ojai/errors.js'

/** TLS settings that override or complete the connection string. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). Overrides the file named by `sslCA`. */
  readonly ca?: string | Uint8Array
  /** Host name expected in the server certificate. Overrides `sslTargetNameOverride`. */
  readonly targetNameOverride?: string
}

export interface ConnectOptions {
  /**
   * A pino logger. The driver logs at `debug` level (one line per call: rpc, table, duration,
   * outcome) through a child logger that redacts passwords and authorization headers.
   * Default: no logging.
   */
  readonly logger?: Logger
  /**
   * The gRPC deadline of every single-answer call (ping, admin calls, findById, writes) that does
   * not set its own `timeoutMs`, and the default of {@link ConnectOptions.findIdleMs}. Default 10 000 ms.
   *
   * `Infinity` sends calls without a deadline, as the official Node client does. The risk: a
   * gateway that accepts a call and never answers it (a stalled process, a half-open connection
   * the OS has not noticed) keeps the call, and whoever awaits it, waiting until the caller
   * unsubscribes or closes the connection. Keep a bound (or an RxJS `timeout`) on anything that
   * must finish.
   */
  readonly deadlineMs?: number
  /**
   * The longest a `find` waits for its next message, the first one included (the gateway's time
   * to its first result, e.g. a filter that matches nothing for a while). When it passes, the call
   * is cancelled and fails with a DeadlineExceededError. A find is bounded by this gap, not by its
   * total length: a scan that keeps streaming finishes however long it takes. Time the subscriber
   * spends synchronously on a message does not count. Default: `deadlineMs`. `Infinity`: no limit.
   */
  readonly findIdleMs?: number
  /**
   * A bound on the whole length of every `find` stream (its gRPC deadline), for callers who want
   * one. Default: none (`Infinity`). A per-call `timeoutMs` on `find` sets it for that call.
   */
  readonly findDeadlineMs?: number
  /**
   * Extra gRPC channel options, applied over the driver's defaults (see
   * {@link DEFAULT_CHANNEL_OPTIONS}).
   */
  readonly channelOptions?: ChannelOptions
  /** TLS overrides; see {@link TlsOptions}. */
  readonly tls?: TlsOptions
}

export const DEFAULT_DEADLINE_MS = 10_000

/** The deadlines of one connection, resolved from {@link ConnectOptions}; `Infinity` = none. */
export interface Deadlines {
  /** Single-answer calls. */
  readonly deadlineMs: number
  /** The gap between two messages of a find (and before its first). */
  readonly findIdleMs: number
  /** The whole length of a find. */
  readonly findDeadlineMs: number
}

/** The connection's deadlines, with the documented defaults filled in (options already checked). */
export function resolveDeadlines(options: ConnectOptions): Deadlines {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS
  return { deadlineMs, findIdleMs: options.findIdleMs ?? deadlineMs, findDeadlineMs: options.findDeadlineMs ?? Infinity }
}

/** The largest timer Node can arm (about 24.8 days). */
export const MAX_DEADLINE_MS = 2_147_483_647

/**
 * Channel options chosen so that a refused gateway is reported at once and a gateway that comes
 * back is found again within about a second:
 * - reconnect backoff starts at 100 ms and is capped at 1 s (gRPC's defaults are 1 s and 120 s,
 *   which can leave a recovered primary unused for two minutes);
 * - messages up to 32 MB, the gateway's own limit (gRPC's default receive limit is 4 MB).
 * Calls are fail-fast (`waitForReady` false, the gRPC default): while the channel is in
 * TRANSIENT_FAILURE a call fails immediately with UNAVAILABLE instead of waiting for the deadline.
 */
export const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.max_receive_message_length': 32 * 1024 * 1024,
  'grpc.max_send_message_length': 32 * 1024 * 1024,
}

/** Checks a deadline or timeout in milliseconds (`Infinity` = none); throws InvalidOptionsError. */
export function checkTimeout(value: unknown, what: string): number {
  if (value === Infinity) return value
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_DEADLINE_MS) {
    throw new InvalidOptionsError(`${what} must be a number of milliseconds from 1 to ${MAX_DEADLINE_MS}, or Infinity for no limit, got ${String(value)}`)
  }
  return value
}

/** Checks the options object at connect time; throws InvalidOptionsError. */
export function checkConnectOptions(options: ConnectOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('connect options must be an object')
  const known = new Set(['logger', 'deadlineMs', 'findIdleMs', 'findDeadlineMs', 'channelOptions', 'tls'])
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidOptionsError(`unknown connect option ${JSON.stringify(key)} (known: ${[...known].join(', ')})`)
  }
  if (options.deadlineMs !== undefined) checkTimeout(options.deadlineMs, 'deadlineMs')
  if (options.findIdleMs !== undefined) checkTimeout(options.findIdleMs, 'findIdleMs')
  if (options.findDeadlineMs !== undefined) checkTimeout(options.findDeadlineMs, 'findDeadlineMs')
  if (options.channelOptions !== undefined && (options.channelOptions === null || typeof options.channelOptions !== 'object')) {
    throw new InvalidOptionsError('channelOptions must be an object of gRPC channel options')
  }
  const tls = options.tls
  if (tls !== undefined) {
    if (tls === null || typeof tls !== 'object') throw new InvalidOptionsError('tls must be an object')
    if (tls.ca !== undefined && typeof tls.ca !== 'string' && !(tls.ca instanceof Uint8Array)) throw new InvalidOptionsError('tls.ca must be PEM text or bytes')
    if (tls.targetNameOverride !== undefined && typeof tls.targetNameOverride !== 'string') throw new InvalidOptionsError('tls.targetNameOverride must be a string')
  }
}
