/**
 * One gRPC call as a cold Observable: nothing is sent before subscribe, unsubscribe cancels the
 * call (`call.cancel()`, which resets the HTTP/2 stream so the gateway sees the cancellation), one
 * subscription is one call (plus at most one transparent re-authentication after token expiry).
 *
 * Every call carries the deadline it was given (none for `Infinity`), takes a bearer token from
 * the response headers, maps a non-OK status to a typed error and writes one debug log line when
 * it ends. A stream may also have an idle limit: the longest wait for its next message.
 */
import {
  type ClientReadableStream,
  type ClientUnaryCall,
  type Metadata,
  type ServiceError,
  type CallOptions as GrpcCallOptions,
  connectivityState,
  status as Status,
} from '@grpc/grpc-js'
import type { Logger } from 'pino'
import { Observable, type Subscriber } from 'rxjs'
import { AuthenticationError, ClosedError, DeadlineExceededError, type OjaiError, ServerError } from '../ojai/errors.js'
import { TOKEN_EXPIRED } from '../proto/constants.js'
import type { MapRDbServerClient } from '../proto/index.js'
import type { AuthSession, SentCredentials } from './auth.js'
import type { CallLease } from './channels.js'
import { requestHeaders } from './request-headers.js'
import { errorFromStatus } from './status-errors.js'
import { messageOf } from '../ojai/message-of.js'

export type UnaryCallback<Res> = (error: ServiceError | null, response?: Res) => void

/** Starts one unary call on the given client with the given metadata and call options. */
export type UnaryInvoker<Res> = (
  client: MapRDbServerClient,
  metadata: Metadata,
  options: GrpcCallOptions,
  callback: UnaryCallback<Res>,
) => ClientUnaryCall
/** Starts one server-streaming call. */
export type StreamInvoker<Res> = (client: MapRDbServerClient, metadata: Metadata, options: GrpcCallOptions) => ClientReadableStream<Res>

export interface CallSpec {
  /** RPC name as in the .proto, e.g. `FindById`. */
  readonly rpc: string
  /** Table path, for logs. */
  readonly table?: string
  /** Deadline of this call in ms from subscribe (already validated); `Infinity` = none. */
  readonly timeoutMs: number
  /**
   * Streams only: the longest wait for the next message in ms, the first included (already
   * validated); absent or `Infinity` = none. Time the subscriber spends on a message does not count.
   */
  readonly idleMs?: number
  /** The option that set `idleMs`, named in the error when it passes. */
  readonly idleOption?: string
}

/** What an RPC runner needs from its connection. */
export interface RpcHost {
  readonly target: string
  readonly auth: AuthSession
  readonly log: Logger
  /**
   * A lease on the channel for one call, registered so `close()` can end it with `abort`; a
   * ClosedError when the connection is closed.
   */
  lease(abort: (error: OjaiError) => void): CallLease | ClosedError
  /** Appended to an AuthenticationError's message (e.g. a connection-string porting hint). */
  readonly authFailureHint?: string
}

type Outcome = 'ok' | 'error' | 'cancelled' | 'closed'

/** Runs calls for one connection. */
export class RpcRunner {
  constructor(private readonly host: RpcHost) {}

  unary<Res>(spec: CallSpec, invoke: UnaryInvoker<Res>): Observable<Res> {
    return new Observable<Res>((subscriber) => {
      const op = new CallState(this.host, spec, subscriber)
      if (op.finished) return
      let call: ClientUnaryCall | undefined
      const attempt = (forceBasic: boolean): void => {
        const creds = op.credentials(forceBasic)
        call = invoke(op.client, creds.metadata, op.grpcOptions(), (error, response) => {
          if (op.finished) return
          if (error) {
            if (op.shouldReauthenticate(error, creds.bearer)) return op.guard(() => attempt(true))
            return op.fail(error)
          }
          subscriber.next(response as Res)
          op.succeed()
        })
        call.on('metadata', (headers: Metadata) => this.host.auth.onHeaders(headers))
      }
      op.onCancel(() => call?.cancel())
      op.guard(() => attempt(false))
      return () => op.unsubscribe()
    })
  }

  stream<Res>(spec: CallSpec, invoke: StreamInvoker<Res>): Observable<Res> {
    return new Observable<Res>((subscriber) => {
      const op = new CallState(this.host, spec, subscriber)
      if (op.finished) return
      let call: ClientReadableStream<Res> | undefined
      const attempt = (forceBasic: boolean): void => {
        const creds = op.credentials(forceBasic)
        let received = 0
        op.touch()
        const stream = invoke(op.client, creds.metadata, op.grpcOptions())
        call = stream
        stream.on('metadata', (headers: Metadata) => this.host.auth.onHeaders(headers))
        stream.on('data', (message: Res) => {
          if (op.finished || call !== stream) return
          received++
          subscriber.next(message)
          // After next(): time the subscriber spent on the message is not time waiting on the gateway.
          op.touch()
        })
        stream.on('error', (error: ServiceError) => {
          if (op.finished || call !== stream) return
          if (received === 0 && op.shouldReauthenticate(error, creds.bearer)) return op.guard(() => attempt(true))
          op.fail(error)
        })
        stream.on('end', () => {
          if (op.finished || call !== stream) return
          op.succeed()
        })
      }
      op.onCancel(() => call?.cancel())
      op.guard(() => attempt(false))
      op.watchIdle()
      return () => op.unsubscribe()
    })
  }
}

/** The bookkeeping of one logical call: deadline, idle limit, re-auth budget, outcome, log line, close(). */
class CallState<Res> {
  finished = false
  private readonly started = Date.now()
  private readonly deadline: number
  private lastActivity = this.started
  private disarmIdle: (() => void) | undefined
  private reauthenticated = false
  private cancel: () => void = () => undefined
  private readonly lease: CallLease | undefined
  /** What telemetry listeners add to the call's metadata (see request-headers.ts). */
  private readonly headers: Readonly<Record<string, string>> | undefined

  constructor(
    private readonly host: RpcHost,
    private readonly spec: CallSpec,
    private readonly subscriber: Subscriber<Res>,
  ) {
    this.deadline = this.started + spec.timeoutMs
    this.headers = requestHeaders(spec.rpc, spec.table, host.target)
    const lease = host.lease((error) => {
      if (this.finished) return
      this.cancel()
      this.finish('closed')
      subscriber.error(error)
    })
    if (lease instanceof ClosedError) {
      this.lease = undefined
      this.finish('closed')
      subscriber.error(lease)
      return
    }
    this.lease = lease
  }

  /** The client the call runs on (set unless the call finished at once). */
  get client(): MapRDbServerClient {
    if (this.lease === undefined) throw new ClosedError(`${this.spec.rpc} on ${this.host.target}: the connection is closed`)
    return this.lease.client
  }

  /** The metadata of the next try: credentials, and the headers telemetry asked for. */
  credentials(forceBasic: boolean): SentCredentials {
    const creds = this.host.auth.credentials(forceBasic)
    if (this.headers !== undefined) for (const [key, value] of Object.entries(this.headers)) creds.metadata.set(key, value)
    return creds
  }

  onCancel(cancel: () => void): void {
    this.cancel = cancel
  }

  /** The deadline is fixed at subscribe: a re-authentication retry does not extend it. */
  grpcOptions(): GrpcCallOptions {
    // grpc-js sends no grpc-timeout header and arms no timer for an Infinity deadline.
    return { deadline: this.deadline === Infinity ? Infinity : new Date(this.deadline) }
  }

  /** Arms the idle limit of a stream, if it has one. */
  watchIdle(): void {
    const idleMs = this.spec.idleMs
    if (this.finished || idleMs === undefined || idleMs === Infinity) return
    this.lastActivity = Date.now()
    this.armIdle(idleMs, idleMs)
  }

  /** A message arrived (or a new attempt started): the idle limit counts from now. */
  touch(): void {
    this.lastActivity = Date.now()
  }

  private armIdle(delayMs: number, idleMs: number): void {
    const timer = setTimeout(() => this.checkIdle(idleMs), delayMs)
    this.disarmIdle = () => clearTimeout(timer)
  }

  private checkIdle(idleMs: number): void {
    this.disarmIdle = undefined
    if (this.finished) return
    const quiet = Date.now() - this.lastActivity
    if (quiet < idleMs) return this.armIdle(idleMs - quiet, idleMs)
    // The timer may have fired late because this process was busy: messages that arrived
    // meanwhile are read in the poll phase, before setImmediate callbacks run.
    const immediate = setImmediate(() => {
      this.disarmIdle = undefined
      if (this.finished) return
      const quietNow = Date.now() - this.lastActivity
      if (quietNow < idleMs) return this.armIdle(idleMs - quietNow, idleMs)
      this.lease?.abandon(this.cancel)
      const option = this.spec.idleOption ?? 'idleMs'
      const error = new DeadlineExceededError(
        `${this.spec.rpc} on ${this.host.target}: no message from the gateway for ${quietNow} ms (idle limit ${idleMs} ms, ${option}); the call was cancelled`,
      )
      this.finish('error', error)
      this.subscriber.error(error)
    })
    this.disarmIdle = () => clearImmediate(immediate)
  }

  shouldReauthenticate(error: ServiceError, bearer: string | undefined): boolean {
    if (error.code !== Status.UNAUTHENTICATED || error.details !== TOKEN_EXPIRED || bearer === undefined || this.reauthenticated)
      return false
    this.reauthenticated = true
    this.host.auth.expire(bearer)
    this.host.log.debug({ rpc: this.spec.rpc, table: this.spec.table }, 'bearer token expired; re-authenticating with basic credentials')
    return true
  }

  /** Runs code that starts a call; grpc-js throws synchronously only for local misuse. */
  guard(start: () => void): void {
    try {
      start()
    } catch (error) {
      if (this.finished) return
      // grpc-js quotes what it rejects (e.g. a header value), so the text is redacted and the
      // original error, which may hold credentials, is not kept.
      const reason = this.host.auth.redact(messageOf(error))
      const mapped = new ServerError(`${this.spec.rpc} on ${this.host.target}: the call could not be started: ${reason}`, undefined, {
        cause: reason,
      })
      this.finish('error', mapped)
      this.subscriber.error(mapped)
    }
  }

  succeed(): void {
    this.finish('ok')
    this.subscriber.complete()
  }

  fail(error: ServiceError): void {
    const channelReady = this.lease?.channel.getConnectivityState(false) === connectivityState.READY
    const redact = (text: string) => this.host.auth.redact(text)
    let mapped = errorFromStatus(
      { code: error.code, details: error.details ?? '' },
      { rpc: this.spec.rpc, target: this.host.target, channelReady, redact },
    )
    if (mapped instanceof AuthenticationError && this.host.authFailureHint !== undefined)
      mapped = new AuthenticationError(`${mapped.message}${this.host.authFailureHint}`, { cause: mapped.cause })
    this.finish('error', mapped)
    this.subscriber.error(mapped)
  }

  /** The subscriber left: the lease cancels the call, or leaves it to its channel's drop. */
  unsubscribe(): void {
    if (this.finished) return
    this.lease?.abandon(this.cancel)
    this.finish('cancelled')
  }

  private finish(outcome: Outcome, error?: OjaiError): void {
    this.finished = true
    this.disarmIdle?.()
    this.disarmIdle = undefined
    this.lease?.end()
    this.host.log.debug(
      {
        rpc: this.spec.rpc,
        table: this.spec.table,
        durationMs: Date.now() - this.started,
        outcome,
        ...(this.reauthenticated ? { reauthenticated: true } : {}),
        ...(error ? { error: error.code, ...(error.availability ? { unsent: 'unsent' in error ? error.unsent : false } : {}) } : {}),
      },
      `${this.spec.rpc} ${outcome}`,
    )
  }
}
