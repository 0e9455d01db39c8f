/**
 * gRPC statuses to the library's typed errors, and the one question failover cares about most:
 * did the request provably never reach the server (`UnavailableError.unsent`)?
 *
 * What this relies on in @grpc/grpc-js (checked against 1.14; see the README of lib/driver):
 * - A fail-fast call (`waitForReady` false, the default) on a channel in TRANSIENT_FAILURE is
 *   failed by the load balancer's picker before any HTTP/2 stream exists, with UNAVAILABLE and
 *   details starting `No connection established` (pick_first's UnavailablePicker; the text goes on
 *   with `Last error: connect ECONNREFUSED ...`).
 * - A target whose name does not resolve fails the same way, details `Name resolution failed`.
 * - A call the server refused with RST_STREAM(REFUSED_STREAM) fails with `Stream refused by server`;
 *   HTTP/2 guarantees such a stream was not processed.
 * - A call still queued for a connection when its deadline passes fails with DEADLINE_EXCEEDED and
 *   details containing `Waiting for LB pick` (no stream was ever created). We report it as an
 *   unsent UnavailableError, not a DeadlineExceededError, because that is what it is: no
 *   connection within the deadline, nothing sent.
 * - A connection lost mid-call gives UNAVAILABLE `Connection dropped` (or a socket error text):
 *   NOT unsent, the server may have applied the request.
 * Because a server could put any text into its own status details, an UNAVAILABLE is only called
 * unsent when, in addition, the channel is not READY when the failure is seen: a status sent by a
 * live server always arrives over a READY connection.
 */
import { status as Status } from '@grpc/grpc-js'
import {
  AccessDeniedError,
  AuthenticationError,
  DeadlineExceededError,
  InvalidArgumentError,
  type OjaiError,
  ResourceExhaustedError,
  ServerError,
  UnavailableError,
  UnsupportedOperationError,
} from '../ojai/errors.js'

/** The part of a gRPC status the mapping looks at. */
export interface StatusLike {
  readonly code: number
  readonly details: string
}

export interface StatusContext {
  /** The RPC name, for the message. */
  readonly rpc: string
  /** The gateway address, for the message. */
  readonly target: string
  /** Whether the channel was READY when the failure arrived. */
  readonly channelReady: boolean
}

const NEVER_SENT_UNAVAILABLE = [/^No connection established/, /^Name resolution failed/, /^Stream refused by server/]

/** True when the status proves the request never reached the server. */
export function provesUnsent(status: StatusLike, channelReady: boolean): boolean {
  if (status.code === Status.UNAVAILABLE) {
    return !channelReady && NEVER_SENT_UNAVAILABLE.some((re) => re.test(status.details))
  }
  if (status.code === Status.DEADLINE_EXCEEDED) {
    return status.details.includes('Waiting for LB pick')
  }
  return false
}

function statusName(code: number): string {
  const name = (Status as unknown as Record<number, string | undefined>)[code]
  return name ?? `status ${code}`
}

/** The typed error for a non-OK gRPC status. */
export function errorFromStatus(status: StatusLike, context: StatusContext): OjaiError {
  const where = `${context.rpc} on ${context.target}`
  const details = status.details || statusName(status.code)
  const cause = { code: status.code, details: status.details }
  const unsent = provesUnsent(status, context.channelReady)
  switch (status.code) {
    case Status.UNAVAILABLE:
      return new UnavailableError(`${where}: gateway unavailable: ${details}`, { unsent, cause })
    case Status.DEADLINE_EXCEEDED:
      if (unsent) return new UnavailableError(`${where}: no connection to the gateway within the deadline (request not sent): ${details}`, { unsent, cause })
      return new DeadlineExceededError(`${where}: deadline exceeded: ${details}`, { cause })
    case Status.RESOURCE_EXHAUSTED:
      return new ResourceExhaustedError(`${where}: resource exhausted: ${details}`, { cause })
    case Status.UNAUTHENTICATED:
      return new AuthenticationError(`${where}: authentication failed: ${details}`, { cause })
    case Status.PERMISSION_DENIED:
      return new AccessDeniedError(`${where}: permission denied: ${details}`, { cause })
    case Status.INVALID_ARGUMENT:
      return new InvalidArgumentError(`${where}: ${details}`, { cause })
    case Status.UNIMPLEMENTED:
      return new UnsupportedOperationError(`${where}: not implemented by the gateway: ${details}`, { cause })
    case Status.CANCELLED:
      // The driver never surfaces its own cancellations, so this one came from the server side
      // (e.g. a gateway shutting down): the cluster may be going away.
      return new UnavailableError(`${where}: call cancelled by the gateway: ${details}`, { cause })
    default:
      return new ServerError(`${where}: ${statusName(status.code)}: ${details}`, undefined, { cause })
  }
}
