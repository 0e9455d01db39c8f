/**
 * The second argument of `connect`: everything that is not part of the connection string.
 */
import type { ChannelOptions } from '@grpc/grpc-js'
import type { Logger } from 'pino'
import { GRACE_MS } from '../graceful-close.js'
import { InvalidOptionsError } from '../ojai/errors.js'
import {
  checkedBy,
  checkOptions,
  integerAtLeast,
  integerIn,
  MAX_TIMER_MS,
  mustBe,
  nested,
  nonEmptyString,
  oneOf,
  rule,
  timeLimit,
  withMethods,
  type Rule,
  type Rules,
} from '../ojai/check-options.js'
import { didYouMean } from '../ojai/suggest.js'
import type { CancelBudgetOptions } from './cancel-budget.js'

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

const positiveInteger = integerIn(1, MAX_TIMER_MS)
const sizeLimit = rule(
  'a positive integer of bytes, or -1 for no limit',
  (v) => v === -1 || (typeof v === 'number' && Number.isInteger(v) && v >= 1),
)

/** The channel options the driver sets or relies on, and what each must be. */
const OWNED_CHANNEL_OPTIONS: Readonly<Record<string, Rule>> = {
  'grpc.initial_reconnect_backoff_ms': positiveInteger,
  'grpc.max_reconnect_backoff_ms': positiveInteger,
  'grpc.keepalive_time_ms': rule(
    `an integer in [1, 2^31-1], or -1 for no keepalive`,
    (v) => v === -1 || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_TIMER_MS),
  ),
  'grpc.keepalive_timeout_ms': positiveInteger,
  'grpc.keepalive_permit_without_calls': oneOf([0, 1]),
  'grpc.max_receive_message_length': sizeLimit,
  'grpc.max_send_message_length': sizeLimit,
  'grpc.use_local_subchannel_pool': rule('1 (each connection owns its TCP connections; see lib/driver/channels.ts)', (v) => v === 1),
  'grpc.ssl_target_name_override': nonEmptyString(),
}
const OWNED_CHANNEL_OPTION_NAMES = Object.keys(OWNED_CHANNEL_OPTIONS)

/**
 * The channel options the driver owns must hold values it can work with; a key that is a near
 * miss of one of them (`grpc.keepalive_time`) is rejected. Other keys go to grpc-js unchecked.
 */
const CHANNEL_OPTIONS: Rule = checkedBy('an object of gRPC channel options', (channelOptions, name) => {
  if (typeof channelOptions !== 'object' || channelOptions === null || Array.isArray(channelOptions))
    mustBe(name, 'an object', channelOptions)
  for (const [key, value] of Object.entries(channelOptions)) {
    const check = OWNED_CHANNEL_OPTIONS[key]
    if (check !== undefined) check(value, `${name}[${JSON.stringify(key)}]`)
    else {
      const suggestion = didYouMean(key, OWNED_CHANNEL_OPTION_NAMES)
      if (suggestion.startsWith(' (did you mean'))
        throw new InvalidOptionsError(`${name}: unknown option ${JSON.stringify(key)}${suggestion}`)
    }
  }
})

const CONNECT: Rules<ConnectOptions> = {
  logger: withMethods('a pino logger (an object with a child() method)', ['child']),
  deadlineMs: timeLimit,
  findIdleMs: timeLimit,
  findDeadlineMs: timeLimit,
  connectTimeoutMs: timeLimit,
  cancelBudget: nested<CancelBudgetOptions>({
    burst: integerAtLeast(1),
    perSecond: rule('a number above 0', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0),
  }),
  channelOptions: CHANNEL_OPTIONS,
  tls: nested<TlsOptions>({
    ca: rule('PEM text or bytes', (v) => typeof v === 'string' || v instanceof Uint8Array),
    targetNameOverride: nonEmptyString(),
  }),
  closeGraceMs: GRACE_MS,
}

/**
 * The keys of {@link ConnectOptions}.
 * @category Internals
 */
export const CONNECT_OPTIONS = Object.freeze(Object.keys(CONNECT)) as readonly (keyof ConnectOptions)[]

/** Checks the options object at connect time; throws InvalidOptionsError. */
export function checkConnectOptions(options: ConnectOptions): void {
  checkOptions('connect options', options, CONNECT)
}
