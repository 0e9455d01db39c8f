/**
 * A connection to one gateway: its gRPC channels (one at a time takes calls; see channels.ts for
 * when it is replaced), one authentication session, the admin calls and the factory of
 * {@link DocumentStore}s.
 *
 * `connect()` validates and returns at once. It never touches the network: the channel starts
 * IDLE and connects on the first call, so connecting to a gateway that is down never blocks and
 * never throws; the first operation reports it (quickly, see DEFAULT_CHANNEL_OPTIONS).
 */
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { type ChannelOptions, credentials as grpcCredentials } from '@grpc/grpc-js'
import type { Logger } from 'pino'
import { Observable, asyncScheduler, map } from 'rxjs'
import { type CloseOptions, DEFAULT_CLOSE_GRACE_MS, GracefulClose, closeGrace } from '../graceful-close.js'
import { ClosedError, InvalidConnectionStringError, InvalidOptionsError, type OjaiError } from '../ojai/errors.js'
import type { DocumentShape } from '../ojai/values.js'
import { WireErrorCode, errorFromWire } from '../proto/error-codes.js'
import type { CallOptions } from '../store.js'
import { AuthSession } from './auth.js'
import { Channels } from './channels.js'
import { type ConnectionSettings, HIDDEN, describeSettings, parseConnectionString } from './connection-string.js'
import { DocumentStore } from './document-store.js'
import { callTimeout, checkRequestSize, checkTablePath } from './inputs.js'
import { driverLogger } from './logging.js'
import {
  type ConnectOptions,
  DEFAULT_CHANNEL_OPTIONS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Deadlines,
  checkConnectOptions,
  resolveDeadlines,
} from './options.js'
import { RpcRunner } from './rpc.js'
import { messageOf } from '../ojai/message-of.js'

/**
 * What a connection reports about itself; never includes credentials.
 * @category Client
 */
export interface ConnectionInfo extends Deadlines {
  readonly target: string
  readonly ssl: boolean
  readonly auth: 'basic' | 'none'
  readonly connectTimeoutMs: number
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error)
    throw new InvalidConnectionStringError(`sslCA file ${JSON.stringify(file)} cannot be read (${reason})`, { cause: error })
  }
}

function channelCredentials(settings: ConnectionSettings, options: ConnectOptions) {
  if (!settings.ssl) return grpcCredentials.createInsecure()
  const ca = options.tls?.ca !== undefined ? Buffer.from(options.tls.ca) : readCa(settings.sslCA ?? '')
  if (!ca.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
    throw new InvalidConnectionStringError(
      `sslCA ${options.tls?.ca !== undefined ? '(tls.ca)' : JSON.stringify(settings.sslCA)} holds no PEM certificate`,
    )
  }
  try {
    return grpcCredentials.createSsl(ca)
  } catch (error) {
    throw new InvalidOptionsError(`the TLS trust certificates cannot be used: ${messageOf(error)}`, { cause: error })
  }
}

/** A porting snag: the official Node client read `+` in the connection string as a space. */
const PLUS_IN_PASSWORD_HINT =
  '; note: this driver reads "+" in the connection string as a plus sign, where the official Node client read it as a space: if the password contains a space, write it as %20'

/** The send limit in bytes a channel's options set; undefined when there is none (-1). */
function sendLimit(options: ChannelOptions): number | undefined {
  const limit: unknown = options['grpc.max_send_message_length']
  return typeof limit === 'number' && limit >= 0 ? limit : undefined
}

/** The method each admin RPC serves, as messages name it. */
const ADMIN_METHODS = { CreateTable: 'createStore', DeleteTable: 'deleteStore', TableExists: 'storeExists' } as const

/** @category Client */
export class Connection {
  readonly info: ConnectionInfo
  // Private fields: an object dump or JSON of a connection never reaches its credentials.
  readonly #auth: AuthSession
  readonly #log: Logger
  readonly #channels: Channels
  readonly #runner: RpcRunner
  readonly #inFlight = new Set<(error: OjaiError) => void>()
  readonly #deadlines: Deadlines
  readonly #maxRequestBytes: number | undefined
  readonly #closeGraceMs: number
  readonly #lifecycle: GracefulClose
  #closed = false

  /** Use {@link connect}. */
  constructor(connectionString: string, options: ConnectOptions = {}) {
    checkConnectOptions(options)
    const settings = parseConnectionString(connectionString, { caProvided: options.tls?.ca !== undefined })
    this.#deadlines = resolveDeadlines(options)
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.#auth =
      settings.auth === 'basic' && settings.user !== undefined && settings.password !== undefined
        ? AuthSession.basic(settings.user, settings.password)
        : AuthSession.none()
    this.info = { target: settings.target, ssl: settings.ssl, auth: settings.auth, ...this.#deadlines, connectTimeoutMs }
    this.#log = driverLogger(options.logger, { target: settings.target })

    const targetNameOverride = options.tls?.targetNameOverride ?? settings.sslTargetNameOverride
    const channelOptions: ChannelOptions = {
      ...DEFAULT_CHANNEL_OPTIONS,
      ...(settings.ssl && targetNameOverride ? { 'grpc.ssl_target_name_override': targetNameOverride } : {}),
      ...options.channelOptions,
    }
    this.#maxRequestBytes = sendLimit(channelOptions)
    this.#closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS
    this.#lifecycle = new GracefulClose(asyncScheduler, {
      inFlight: () => this.#inFlight.size,
      cutOff: () => this.cutOff(),
      release: () => this.release(),
    })
    this.#channels = new Channels({
      target: settings.target,
      credentials: channelCredentials(settings, options),
      channelOptions,
      connectTimeoutMs,
      cancelBudget: options.cancelBudget ?? {},
      log: this.#log,
    })

    this.#runner = new RpcRunner({
      target: settings.target,
      auth: this.#auth,
      log: this.#log,
      lease: (abort: (error: OjaiError) => void) => {
        if (this.#closed) return this.closedError()
        const lease = this.#channels.lease()
        this.#inFlight.add(abort)
        return {
          client: lease.client,
          channel: lease.channel,
          end: () => {
            this.#inFlight.delete(abort)
            lease.end()
            this.#lifecycle.ended()
          },
          abandon: (cancel: () => void) => {
            this.#inFlight.delete(abort)
            lease.abandon(cancel)
            this.#lifecycle.ended()
          },
        }
      },
      ...(settings.password?.includes('+') ? { authFailureHint: PLUS_IN_PASSWORD_HINT } : {}),
    })
    // The connection string as parsed, credentials shown as ***: no spelling can slip through.
    this.#log.debug({ connectionString: describeSettings(settings), ...this.info }, 'connection created')
  }

  /** True from the first {@link close} call on: new calls fail with ClosedError. */
  get closed(): boolean {
    return this.#closed
  }

  private closedError(): ClosedError {
    return new ClosedError(`the connection to ${this.info.target} is closed`)
  }

  /** Checks the options of one call of `operation`; returns its deadline. */
  private timeout(operation: string, options: CallOptions | undefined): number {
    return callTimeout(operation, options, this.#deadlines.deadlineMs)
  }

  private admin<T>(
    rpc: 'CreateTable' | 'DeleteTable' | 'TableExists',
    path: string,
    options: CallOptions | undefined,
    interpret: (code: number, message: string) => T,
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      let table: string
      let timeoutMs: number
      let request: { tablePath: string }
      try {
        table = checkTablePath(path)
        timeoutMs = this.timeout(ADMIN_METHODS[rpc], options)
        request = { tablePath: table }
        checkRequestSize(rpc, table, request, this.#maxRequestBytes)
      } catch (error) {
        subscriber.error(error)
        return
      }
      return this.#runner
        .unary<{ error: { errCode: number | string; errorMessage: string } | null }>({ rpc, table, timeoutMs }, (client, md, o, cb) => {
          if (rpc === 'CreateTable') return client.createTable(request, md, o, cb)
          if (rpc === 'DeleteTable') return client.deleteTable(request, md, o, cb)
          return client.tableExists(request, md, o, cb)
        })
        .pipe(map((response) => interpret(Number(response.error?.errCode ?? 0), response.error?.errorMessage ?? '')))
        .subscribe(subscriber)
    })
  }

  /** Creates the table; fails with TableExistsError when it exists. Emits the new store (typed as {@link store} is). */
  createStore(path: string, options?: CallOptions): Observable<DocumentStore>
  createStore<T extends DocumentShape<T>>(path: string, options?: CallOptions): Observable<DocumentStore<T>>
  createStore<T extends DocumentShape<T>>(path: string, options?: CallOptions): Observable<DocumentStore<T>> {
    return this.admin('CreateTable', path, options, (code, message) => {
      if (code !== WireErrorCode.NO_ERROR) throw errorFromWire(code, message)
      return this.store<T>(path)
    })
  }

  /** Deletes the table; fails with TableNotFoundError when it does not exist. */
  deleteStore(path: string, options?: CallOptions): Observable<void> {
    return this.admin('DeleteTable', path, options, (code, message) => {
      if (code !== WireErrorCode.NO_ERROR) throw errorFromWire(code, message)
    })
  }

  /** Whether the table exists. */
  storeExists(path: string, options?: CallOptions): Observable<boolean> {
    return this.admin('TableExists', path, options, (code, message) => {
      if (code === WireErrorCode.NO_ERROR) return true
      if (code === WireErrorCode.TABLE_NOT_FOUND) return false
      throw errorFromWire(code, message)
    })
  }

  /**
   * The store for a table, without a network round trip (a missing table shows up as
   * TableNotFoundError on the first operation). Throws InvalidArgumentError for a bad path. After
   * {@link close} the store's operations fail with ClosedError.
   *
   * `T` types its documents (`connection.store<User>('/apps/users')`); default: untyped
   * `Document`s. It is a compile-time promise about the table, not checked at run time, and
   * it is only ever given explicitly: without a type argument the first signature applies, so the
   * type is never guessed from where the store is used.
   */
  store(path: string): DocumentStore
  store<T extends DocumentShape<T>>(path: string): DocumentStore<T>
  store<T extends DocumentShape<T>>(path: string): DocumentStore<T> {
    const table = checkTablePath(path)
    return new DocumentStore<T>(table, {
      runner: this.#runner,
      ...this.#deadlines,
      maxRequestBytes: this.#maxRequestBytes,
      target: this.info.target,
    })
  }

  /** Same as {@link store}; the official clients' name. */
  getStore(path: string): DocumentStore
  getStore<T extends DocumentShape<T>>(path: string): DocumentStore<T>
  getStore<T extends DocumentShape<T>>(path: string): DocumentStore<T> {
    return this.store<T>(path)
  }

  /** Gateway health check (`Ping`). */
  ping(options?: CallOptions): Observable<void> {
    return new Observable<void>((subscriber) => {
      let timeoutMs: number
      try {
        timeoutMs = this.timeout('ping', options)
      } catch (error) {
        subscriber.error(error)
        return
      }
      return this.#runner
        .unary({ rpc: 'Ping', timeoutMs }, (client, md, o, cb) => client.ping({}, md, o, cb))
        .pipe(map(() => undefined))
        .subscribe(subscriber)
    })
  }

  /**
   * Closes the connection. New calls fail with ClosedError at once; calls in flight may finish
   * within `graceMs` (default: the `closeGraceMs` connect option, 10 s); then the TCP connections
   * are destroyed and the calls still running end with ClosedError. Destroying the connections
   * rather than cancelling each call sends no storm of stream resets, however many calls are cut
   * off. `close({ graceMs: 0 })` does that at once. The promise resolves when every call has ended
   * and the channels are closed, leaving nothing that keeps the process alive; it never rejects
   * for calls that were cut off. Idempotent: a second call returns the same promise (a shorter
   * `graceMs` brings the cut-off forward). Bad options reject without closing anything.
   */
  close(options?: CloseOptions): Promise<void> {
    let graceMs: number
    try {
      graceMs = closeGrace(options, this.#closeGraceMs)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!this.#closed) {
      this.#closed = true
      this.#log.debug({ inFlight: this.#inFlight.size, graceMs }, 'connection closing')
    }
    return this.#lifecycle.close(graceMs)
  }

  /** The end of the grace: sockets destroyed first, so ending the calls left sends nothing. */
  private cutOff(): void {
    this.#channels.close()
    const error = this.closedError()
    for (const abort of [...this.#inFlight]) abort(error)
    this.#inFlight.clear()
  }

  private release(): void {
    this.#channels.close()
    this.#log.debug('connection closed')
  }

  toJSON(): ConnectionInfo & { credentials?: string; closed: boolean } {
    return { ...this.info, ...(this.#auth.enabled ? { credentials: HIDDEN } : {}), closed: this.#closed }
  }

  [inspect.custom](): string {
    return `Connection ${inspect(this.toJSON())}`
  }
}

/**
 * Opens a connection to a gateway. Returns at once; see {@link Connection}. Throws
 * InvalidConnectionStringError (naming the bad part) or InvalidOptionsError.
 *
 * ```ts
 * const connection = connect('localhost:5678?auth=basic;user=mapr;password=s%3Bcret;ssl=true;sslCA=/etc/ca.pem')
 * const users = connection.store('/apps/users')
 * const doc = await firstValueFrom(users.findById('u1'))
 * ```
 * @category Client
 */
export function connect(connectionString: string, options?: ConnectOptions): Connection {
  return new Connection(connectionString, options)
}
