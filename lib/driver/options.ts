/**
 * The second argument of `connect`: everything that is not part of the connection string.
 */
import type { ChannelOptions } from '@grpc/grpc-js'
import type { Logger } from 'pino'
import { checkGraceMs } from '../graceful-close.js'
import { MAX_TIMER_MS } from '../max-timer.js'
import { InvalidOptionsError } from '../ojai/errors.js'
import type { CancelBudgetOptions } from './cancel-budget.js'
import { didYouMean } from './suggest.js'

/**
 * TLS settings that override or complete the connection string.
 * @category Client
 */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). Overrides the file named by `sslCA`. */
  readonly ca?: string | Uint8Array
  /** Host name expected in the server certificate. Overrides `sslTargetNameOverride`. */
  readonly targetNameOverride?: string
}

/** @category Client */
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
   * Bound of one connection attempt (TCP connect, TLS and HTTP/2 handshakes together). An attempt
   * still unfinished then is abandoned: calls waiting for it fail at once with an unsent
   * UnavailableError and the next call starts a fresh attempt. Default
   * {@link DEFAULT_CONNECT_TIMEOUT_MS}.
   */
  readonly connectTimeoutMs?: number
  /**
   * How many calls the connection may cancel on the wire (each sends an HTTP/2 RST_STREAM) before
   * it is replaced instead; see {@link DEFAULT_CANCEL_BUDGET} and lib/driver/README.md.
   */
  readonly cancelBudget?: CancelBudgetOptions
  /**
   * Extra gRPC channel options, applied over the driver's defaults (see
   * {@link DEFAULT_CHANNEL_OPTIONS}). The keys the driver sets are checked (type, range, and
   * near-miss spellings); other keys go to grpc-js as given.
   */
  readonly channelOptions?: ChannelOptions
  /** TLS overrides; see {@link TlsOptions}. */
  readonly tls?: TlsOptions
  /**
   * How long `close()` lets calls in flight finish before it cuts them off (ClosedError), ms;
   * `close({ graceMs })` overrides it per call, `0` cuts off at once. Default 10 000
   * (`DEFAULT_CLOSE_GRACE_MS`: as long as the default call deadline).
   */
  readonly closeGraceMs?: number
}

/**
 * The keys of {@link ConnectOptions}.
 * @category Internals
 */
export const CONNECT_OPTIONS = ['logger', 'deadlineMs', 'findIdleMs', 'findDeadlineMs', 'connectTimeoutMs', 'cancelBudget', 'channelOptions', 'tls', 'closeGraceMs'] as const
const TLS_OPTIONS = ['ca', 'targetNameOverride'] as const
const CANCEL_BUDGET_OPTIONS = ['burst', 'perSecond'] as const

/** @category Internals */
export const DEFAULT_DEADLINE_MS = 10_000

/**
 * 5 s: a connection attempt on a LAN takes milliseconds and a cross-region TLS handshake a few
 * hundred; 5 s leaves ten times that, and is far below what the operating system would wait for
 * a SYN that is never answered (about 2 minutes on Linux). grpc-js itself has no bound at all.
 * @category Internals
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000

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

/**
 * The gateway's message size limit (`grpc.service.max-message-size`), 32 MiB.
 * @category Internals
 */
export const GATEWAY_MAX_MESSAGE_BYTES = 32 * 1024 * 1024

/**
 * Channel options chosen so that a refused gateway is reported at once, a gateway that comes back
 * is found again within about a second, and a connection that stops answering is replaced:
 * - reconnect backoff starts at 100 ms and is capped at 1 s (gRPC's defaults are 1 s and 120 s,
 *   which can leave a recovered primary unused for two minutes);
 * - keepalive: while calls are in flight, an HTTP/2 PING every 10 s, and the connection is closed
 *   (its calls fail with UNAVAILABLE, the channel reconnects) when one goes unanswered for 5 s.
 *   A connection idle for longer than 10 s is pinged as soon as the next call starts. gRPC's
 *   defaults send no keepalive at all, so a connection cut without FIN or RST (a partition, a
 *   middlebox that lost its state) holds calls until their deadline and is never replaced.
 *   No pings without calls: servers refuse those by default (grpc-java answers GOAWAY
 *   `too_many_pings`, and grpc-js then doubles the interval);
 * - messages up to 32 MiB, the gateway's own limit (gRPC's default receive limit is 4 MiB);
 * - subchannels of their own (`grpc.use_local_subchannel_pool`): a connection owns its TCP
 *   connections, so replacing one never reuses another connection's (see channels.ts).
 * Calls are fail-fast (`waitForReady` false, the gRPC default): while the channel is in
 * TRANSIENT_FAILURE a call fails immediately with UNAVAILABLE instead of waiting for the deadline.
 * @category Internals
 */
export const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 0,
  'grpc.max_receive_message_length': GATEWAY_MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': GATEWAY_MAX_MESSAGE_BYTES,
  'grpc.use_local_subchannel_pool': 1,
}

type ValueCheck = (value: unknown) => string | undefined

const positiveInteger: ValueCheck = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_TIMER_MS ? undefined : `an integer from 1 to ${MAX_TIMER_MS}`)
const sizeLimit: ValueCheck = (v) => (v === -1 || (typeof v === 'number' && Number.isInteger(v) && v >= 1) ? undefined : 'a positive integer of bytes, or -1 for no limit')
const flag: ValueCheck = (v) => (v === 0 || v === 1 ? undefined : '0 or 1')

/** The channel options the driver sets or relies on, and what each must be. */
const OWNED_CHANNEL_OPTIONS: Readonly<Record<string, ValueCheck>> = {
  'grpc.initial_reconnect_backoff_ms': positiveInteger,
  'grpc.max_reconnect_backoff_ms': positiveInteger,
  'grpc.keepalive_time_ms': (v) => (v === -1 || positiveInteger(v) === undefined ? undefined : `an integer from 1 to ${MAX_TIMER_MS}, or -1 for no keepalive`),
  'grpc.keepalive_timeout_ms': positiveInteger,
  'grpc.keepalive_permit_without_calls': flag,
  'grpc.max_receive_message_length': sizeLimit,
  'grpc.max_send_message_length': sizeLimit,
  'grpc.use_local_subchannel_pool': (v) => (v === 1 ? undefined : '1 (each connection owns its TCP connections; see lib/driver/channels.ts)'),
  'grpc.ssl_target_name_override': (v) => (typeof v === 'string' && v !== '' ? undefined : 'a non-empty host name'),
}
const OWNED_CHANNEL_OPTION_NAMES = Object.keys(OWNED_CHANNEL_OPTIONS)

/** Checks a deadline or timeout in milliseconds (`Infinity` = none); throws InvalidOptionsError. */
export function checkTimeout(value: unknown, what: string): number {
  if (value === Infinity) return value
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new InvalidOptionsError(`${what} must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, or Infinity for no limit, got ${String(value)}`)
  }
  return value
}

/** Rejects keys outside `known`, naming the nearest known one. */
function checkKeys(value: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new InvalidOptionsError(`unknown ${what} ${JSON.stringify(key)}${didYouMean(key, known)}`)
  }
}

function checkObject(value: unknown, what: string): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionsError(`${what} must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`)
}

/**
 * The channel options the driver owns must hold values it can work with; a key that is a near
 * miss of one of them (`grpc.keepalive_time`) is rejected. Other keys go to grpc-js unchecked.
 */
function checkChannelOptions(channelOptions: unknown): void {
  checkObject(channelOptions, 'channelOptions')
  for (const [key, value] of Object.entries(channelOptions)) {
    const check = OWNED_CHANNEL_OPTIONS[key]
    if (check === undefined) {
      const suggestion = didYouMean(key, OWNED_CHANNEL_OPTION_NAMES)
      if (suggestion.startsWith(' (did you mean')) throw new InvalidOptionsError(`unknown channel option ${JSON.stringify(key)}${suggestion}`)
      continue
    }
    const expected = check(value)
    if (expected !== undefined) throw new InvalidOptionsError(`channel option "${key}" must be ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
  }
}

function checkCancelBudget(budget: unknown): void {
  checkObject(budget, 'cancelBudget')
  checkKeys(budget, CANCEL_BUDGET_OPTIONS, 'cancelBudget option')
  const { burst, perSecond } = budget as CancelBudgetOptions
  if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1)) throw new InvalidOptionsError(`cancelBudget.burst must be an integer of at least 1, got ${String(burst)}`)
  if (perSecond !== undefined && !(typeof perSecond === 'number' && Number.isFinite(perSecond) && perSecond > 0)) {
    throw new InvalidOptionsError(`cancelBudget.perSecond must be a number above 0, got ${String(perSecond)}`)
  }
}

/** Checks the options object at connect time; throws InvalidOptionsError. */
export function checkConnectOptions(options: ConnectOptions): void {
  checkObject(options, 'connect options')
  checkKeys(options, CONNECT_OPTIONS, 'connect option')
  if (options.logger !== undefined && typeof (options.logger as { child?: unknown } | null)?.child !== 'function') {
    throw new InvalidOptionsError('logger must be a pino logger (an object with a child() method)')
  }
  if (options.deadlineMs !== undefined) checkTimeout(options.deadlineMs, 'deadlineMs')
  if (options.findIdleMs !== undefined) checkTimeout(options.findIdleMs, 'findIdleMs')
  if (options.findDeadlineMs !== undefined) checkTimeout(options.findDeadlineMs, 'findDeadlineMs')
  if (options.connectTimeoutMs !== undefined) checkTimeout(options.connectTimeoutMs, 'connectTimeoutMs')
  if (options.closeGraceMs !== undefined) checkGraceMs('closeGraceMs', options.closeGraceMs)
  if (options.cancelBudget !== undefined) checkCancelBudget(options.cancelBudget)
  if (options.channelOptions !== undefined) checkChannelOptions(options.channelOptions)
  const tls = options.tls
  if (tls !== undefined) {
    checkObject(tls, 'tls')
    checkKeys(tls, TLS_OPTIONS, 'tls option')
    if (tls.ca !== undefined && typeof tls.ca !== 'string' && !(tls.ca instanceof Uint8Array)) throw new InvalidOptionsError('tls.ca must be PEM text or bytes')
    if (tls.targetNameOverride !== undefined && typeof tls.targetNameOverride !== 'string') throw new InvalidOptionsError('tls.targetNameOverride must be a string')
  }
}
