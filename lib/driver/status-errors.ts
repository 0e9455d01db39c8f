/**
 * gRPC statuses to the library's typed errors: which failures are outages (availability errors,
 * may fail over) and which are answers, and the one question failover cares about most: did the
 * request provably never reach the server (`UnavailableError.unsent`)?
 *
 * The classification goes in two steps: {@link classifyStatus} reads a status (code and details)
 * into a {@link FailureKind}, {@link errorFromStatus} turns the kind into a typed error. The table
 * of every status grpc-js 1.14 produces on the client, and where each lands, is in the README of
 * lib/driver and pinned by `status-errors.spec.ts`.
 *
 * What this relies on in @grpc/grpc-js (checked against 1.14):
 * - A fail-fast call (`waitForReady` false, the default) on a channel in TRANSIENT_FAILURE is
 *   failed by the load balancer's picker before any HTTP/2 stream exists, with UNAVAILABLE and
 *   details starting `No connection established` (pick_first's UnavailablePicker; the text goes on
 *   with `Last error: connect ECONNREFUSED ...`).
 * - A target whose name does not resolve fails the same way, details `Name resolution failed`.
 * - A call the server refused with RST_STREAM(REFUSED_STREAM) fails with `Stream refused by server`;
 *   HTTP/2 guarantees such a stream was not processed.
 * - A call still queued for a connection when its channel is closed fails with UNAVAILABLE
 *   `Channel closed before call started` (the driver closes a channel whose connection attempt
 *   outlived its deadline): no stream was ever created.
 * - A call still queued for a connection when its deadline passes fails with DEADLINE_EXCEEDED and
 *   details containing `Waiting for LB pick` (no stream was ever created). We report it as an
 *   unsent UnavailableError, not a DeadlineExceededError, because that is what it is: no
 *   connection within the deadline, nothing sent.
 * - A connection lost mid-call gives UNAVAILABLE `Connection dropped` (or a socket error text):
 *   NOT unsent, the server may have applied the request.
 * - A connection the server closed with GOAWAY (e.g. its HTTP/2 rapid-reset protection after
 *   about 1,000 cancelled streams), a broken HTTP/2 session or a stream reset without a gRPC
 *   status all end as INTERNAL `Received RST_STREAM with code N ...`: a transport failure, so an
 *   availability error, NOT unsent.
 * Because a server could put any text into its own status details, an UNAVAILABLE is only called
 * unsent when, in addition, the channel is not READY when the failure is seen: a status sent by a
 * live server always arrives over a READY connection. A server that writes transport-like text
 * into an INTERNAL status is believed: the worst outcome is a failover for a read that another
 * cluster answers the same way, never a write repeated (transport failures are never unsent).
 */
import { status as Status } from '@grpc/grpc-js'
import {
  AccessDeniedError,
  AuthenticationError,
  DeadlineExceededError,
  DocumentTooLargeError,
  InvalidArgumentError,
  type OjaiError,
  ResourceExhaustedError,
  ServerError,
  UnavailableError,
  UnsupportedOperationError,
} from '../ojai/errors.js'

/**
 * The part of a gRPC status the mapping looks at.
 * @category Internals
 */
export interface StatusLike {
  readonly code: number
  readonly details: string
}

/** @category Internals */
export interface StatusContext {
  /** The RPC name, for the message. */
  readonly rpc: string
  /** The gateway address, for the message. */
  readonly target: string
  /** Whether the channel was READY when the failure arrived. */
  readonly channelReady: boolean
  /** Removes credentials from text a server wrote (its details may quote them). Default: none. */
  readonly redact?: (text: string) => string
}

/**
 * What a failed call says about the cluster:
 * - `unsent`: provably never reached a server (unsent UnavailableError);
 * - `transport`: the connection failed under the call, which may have been applied
 *   (UnavailableError, not unsent);
 * - `deadline`: the call started but no answer came in time (DeadlineExceededError);
 * - `overloaded`: the gateway is out of some resource (ResourceExhaustedError);
 * - `too-large`: a message over a size limit (DocumentTooLargeError, an answer);
 * - `answer`: the gateway is up and said no; the status code picks the typed error.
 * @category Internals
 */
export type FailureKind = 'unsent' | 'transport' | 'deadline' | 'overloaded' | 'too-large' | 'answer'

const NEVER_SENT_UNAVAILABLE = [
  /^No connection established/,
  /^Name resolution failed/,
  /^Stream refused by server/,
  /^Channel closed before call started/,
]

/**
 * Details grpc-js writes when the HTTP/2 connection or stream failed under a call (the status did
 * not come from the gateway), and proxy answers that are not gRPC at all.
 */
const TRANSPORT_DETAILS = [
  /^Received RST_STREAM with code \d+/, // stream reset without a gRPC status, GOAWAY, session errors
  /^Failed to start HTTP\/2 stream/, // the session closed between pick and stream creation
  /^No status information received/, // the stream ended without trailers
  /^Failed to decompress/, // a message corrupted in transit
  /^Received HTTP status code 5\d\d/, // a proxy in front of the gateway failed
  /Session closed|GOAWAY|ERR_HTTP2_|protocol error|ECONNRESET|EPIPE|ETIMEDOUT/i,
]

/**
 * RESOURCE_EXHAUSTED details that mean "message over a size limit": grpc-js (client and server)
 * and gRPC core write `... larger than max ...` / `... size larger than N`, grpc-java
 * `gRPC message exceeds maximum size N: M`.
 */
const TOO_LARGE_DETAILS = [/larger than max/i, /size larger than/i, /exceeds maximum size/i]

/**
 * True when the status proves the request never reached the server.
 * @category Internals
 */
export function provesUnsent(status: StatusLike, channelReady: boolean): boolean {
  if (status.code === Status.UNAVAILABLE) {
    return !channelReady && NEVER_SENT_UNAVAILABLE.some((re) => re.test(status.details))
  }
  if (status.code === Status.DEADLINE_EXCEEDED) {
    return status.details.includes('Waiting for LB pick')
  }
  return false
}

/**
 * True when the details say the HTTP/2 transport failed rather than the gateway answering.
 * @category Internals
 */
export function isTransportFailure(status: StatusLike): boolean {
  switch (status.code) {
    case Status.UNAVAILABLE:
    case Status.CANCELLED:
      return true
    case Status.INTERNAL:
    case Status.UNKNOWN:
      return TRANSPORT_DETAILS.some((re) => re.test(status.details))
    default:
      return false
  }
}

/**
 * Reads a non-OK status into what it says about the cluster; see {@link FailureKind}.
 * @category Internals
 */
export function classifyStatus(status: StatusLike, channelReady: boolean): FailureKind {
  if (provesUnsent(status, channelReady)) return 'unsent'
  if (isTransportFailure(status)) return 'transport'
  if (status.code === Status.DEADLINE_EXCEEDED) return 'deadline'
  if (status.code === Status.RESOURCE_EXHAUSTED) return TOO_LARGE_DETAILS.some((re) => re.test(status.details)) ? 'too-large' : 'overloaded'
  return 'answer'
}

function statusName(code: number): string {
  const name = (Status as unknown as Record<number, string | undefined>)[code]
  return name ?? `status ${code}`
}

function answer(code: number, where: string, details: string, cause: StatusLike): OjaiError {
  switch (code) {
    case Status.UNAUTHENTICATED:
      return new AuthenticationError(`${where}: authentication failed: ${details}`, { cause })
    case Status.PERMISSION_DENIED:
      return new AccessDeniedError(`${where}: permission denied: ${details}`, { cause })
    case Status.INVALID_ARGUMENT:
      return new InvalidArgumentError(`${where}: ${details}`, { cause })
    case Status.UNIMPLEMENTED:
      return new UnsupportedOperationError(`${where}: not implemented by the gateway: ${details}`, { cause })
    default:
      return new ServerError(`${where}: ${statusName(code)}: ${details}`, undefined, { cause })
  }
}

/**
 * The typed error for a non-OK gRPC status.
 * @category Internals
 */
export function errorFromStatus(status: StatusLike, context: StatusContext): OjaiError {
  const where = `${context.rpc} on ${context.target}`
  const safe = context.redact === undefined ? status.details : context.redact(status.details)
  const details = safe || statusName(status.code)
  const cause = { code: status.code, details: safe }
  switch (classifyStatus(status, context.channelReady)) {
    case 'unsent':
      if (status.code === Status.DEADLINE_EXCEEDED) {
        return new UnavailableError(`${where}: no connection to the gateway within the deadline (request not sent): ${details}`, {
          unsent: true,
          cause,
        })
      }
      return new UnavailableError(`${where}: gateway unavailable (request not sent): ${details}`, { unsent: true, cause })
    case 'transport':
      if (status.code === Status.CANCELLED) {
        // The driver never surfaces its own cancellations, so this one came from the server side
        // (e.g. a gateway shutting down): the cluster may be going away.
        return new UnavailableError(`${where}: call cancelled by the gateway: ${details}`, { cause })
      }
      if (status.code === Status.UNAVAILABLE) return new UnavailableError(`${where}: gateway unavailable: ${details}`, { cause })
      return new UnavailableError(
        `${where}: the connection failed during the call (it may have been applied): ${statusName(status.code)}: ${details}`,
        { cause },
      )
    case 'deadline':
      return new DeadlineExceededError(`${where}: deadline exceeded: ${details}`, { cause })
    case 'overloaded':
      return new ResourceExhaustedError(`${where}: resource exhausted: ${details}`, { cause })
    case 'too-large':
      return new DocumentTooLargeError(
        `${where}: message over the size limit: ${details} (the limit is the gateway's grpc.service.max-message-size, 32 MiB by default, and the connection's grpc.max_send_message_length / grpc.max_receive_message_length)`,
        {},
        { cause },
      )
    case 'answer':
      return answer(status.code, where, details, cause)
  }
}
