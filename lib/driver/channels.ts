/**
 * The gRPC channels of one connection. One channel at a time takes new calls; the driver replaces
 * it in two cases, and drops the old one's TCP connection itself instead of letting it linger:
 *
 * - **Too many cancellations.** Cancelling a call sends an RST_STREAM; past the connection's
 *   {@link CancelBudget} (a burst of 500, then 16 per second, half of what Node's and nghttp2's
 *   rapid-reset protection allows) the channel is retired: new calls go to a fresh channel, the
 *   retired one sends no more resets (abandoned calls are left running), and once no call that
 *   someone still waits for is left on it its sockets are destroyed. The gateway then ends every
 *   abandoned call at once, as for any closed connection, instead of counting thousands of resets
 *   and closing the connection under the calls that are still wanted.
 * - **A connection attempt that does not finish** within `connectTimeoutMs` (TCP, TLS and the
 *   HTTP/2 handshake together): grpc-js has no such deadline, so a listener that accepts and never
 *   answers (a half-dead middlebox, a black hole during the dial) would hold the channel in
 *   CONNECTING for ever. The channel is closed (calls waiting for it fail at once as unsent
 *   `UnavailableError`s) and the next call opens a fresh one.
 *
 * A connection that dies once established is grpc-js's job: keepalive pings (see options.ts)
 * close it when the gateway stops answering them, and the channel reconnects on the next call.
 *
 * To own its sockets, the driver wraps the channel credentials: grpc-js hands every new TCP socket
 * to the credentials' connector (`ChannelCredentials._createSecureConnector`, abstract in grpc-js's
 * public typings), which records it before TLS, if any, starts.
 */
import type { Socket } from 'node:net'
import { type ChannelOptions, ChannelCredentials, connectivityState } from '@grpc/grpc-js'
import type { Logger } from 'pino'
import { MapRDbServer, type MapRDbServerClient } from '../proto/index.js'
import { CancelBudget, type CancelBudgetOptions } from './cancel-budget.js'

export type Channel = ReturnType<MapRDbServerClient['getChannel']>
type SecureConnector = ReturnType<ChannelCredentials['_createSecureConnector']>

export interface ChannelsConfig {
  /** `host:port`. */
  readonly target: string
  readonly credentials: ChannelCredentials
  readonly channelOptions: ChannelOptions
  /** Bound of one connection attempt: TCP, TLS and the HTTP/2 handshake (`Infinity`: none). */
  readonly connectTimeoutMs: number
  readonly cancelBudget: CancelBudgetOptions
  readonly log: Logger
}

/** One call's hold on the channel it runs on. Each of `end` and `abandon` counts once. */
export interface CallLease {
  readonly client: MapRDbServerClient
  readonly channel: Channel
  /** The call is over (answered, failed, or ended by close). */
  end(): void
  /** Nobody waits for the call any more: cancel it on the wire if the budget allows. */
  abandon(cancel: () => void): void
}

/**
 * - `current`: takes new calls.
 * - `retired`: takes no new calls, sends no more resets; dropped when no live call is left.
 * - `dropped`: sockets destroyed, channel closed.
 */
type Phase = 'current' | 'retired' | 'dropped'

/** Credentials that record the sockets grpc-js opens for one channel. */
class OwnedCredentials extends ChannelCredentials {
  constructor(
    private readonly inner: ChannelCredentials,
    private readonly owner: Generation,
  ) {
    super()
  }

  _isSecure(): boolean {
    return this.inner._isSecure()
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this
  }

  _createSecureConnector(...args: Parameters<ChannelCredentials['_createSecureConnector']>): SecureConnector {
    const connector = this.inner._createSecureConnector(...args)
    return {
      connect: (socket: Socket) =>
        this.owner.adopt(socket) ? connector.connect(socket) : Promise.reject(new Error('the channel was closed while connecting')),
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    }
  }
}

/** One channel and its sockets. */
class Generation {
  phase: Phase = 'current'
  /** Calls started on this channel that someone still waits for. */
  live = 0
  readonly budget: CancelBudget
  readonly client: MapRDbServerClient
  readonly channel: Channel
  /** Every open socket of the channel, and whether its connection has been READY. */
  private readonly sockets = new Map<Socket, boolean>()
  private connectTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    readonly id: number,
    config: ChannelsConfig,
    private readonly onConnectTimeout: (generation: Generation) => void,
  ) {
    this.budget = new CancelBudget(config.cancelBudget)
    this.client = new MapRDbServer(config.target, new OwnedCredentials(config.credentials, this), config.channelOptions)
    this.channel = this.client.getChannel()
    this.watch(config.connectTimeoutMs)
  }

  /** Records a socket grpc-js just opened; false (and the socket destroyed) once dropped. */
  adopt(socket: Socket): boolean {
    if (this.phase === 'dropped') {
      socket.destroy()
      return false
    }
    this.sockets.set(socket, false)
    socket.once('close', () => this.sockets.delete(socket))
    return true
  }

  get state(): connectivityState {
    return this.closed ? connectivityState.SHUTDOWN : this.channel.getConnectivityState(false)
  }

  /** Follows the channel's state: marks sockets READY, and bounds every CONNECTING spell. */
  private watch(connectTimeoutMs: number): void {
    const state = this.state
    if (state === connectivityState.SHUTDOWN) return this.clearConnectTimer()
    if (state === connectivityState.READY) for (const socket of this.sockets.keys()) this.sockets.set(socket, true)
    if (state !== connectivityState.CONNECTING) this.clearConnectTimer()
    else if (this.connectTimer === undefined && connectTimeoutMs !== Infinity) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = undefined
        if (this.state === connectivityState.CONNECTING) this.onConnectTimeout(this)
      }, connectTimeoutMs)
      this.connectTimer.unref()
    }
    this.channel.watchConnectivityState(state, Infinity, () => this.watch(connectTimeoutMs))
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer)
    this.connectTimer = undefined
  }

  /** Closes the channel: calls waiting for a connection fail, calls on a connection go on. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.clearConnectTimer()
    for (const [socket, ready] of this.sockets) if (!ready) socket.destroy()
    this.client.close()
  }

  /** Destroys every socket (the gateway ends their calls without a reset each) and closes. */
  drop(): void {
    this.phase = 'dropped'
    for (const socket of this.sockets.keys()) socket.destroy()
    this.sockets.clear()
    this.close()
  }
}

export class Channels {
  private current: Generation | undefined
  private readonly retired = new Set<Generation>()
  private opened = 0
  private isClosed = false

  constructor(private readonly config: ChannelsConfig) {}

  /** The channel new calls go to (opened on first use). */
  private channelForCalls(): Generation {
    if (this.current === undefined) {
      this.current = new Generation(++this.opened, this.config, (g) => this.connectTimedOut(g))
      if (this.opened > 1) this.config.log.debug({ channel: this.current.id }, 'new channel')
    }
    return this.current
  }

  /** A hold on the current channel for one call. Throws after {@link close}. */
  lease(): CallLease {
    if (this.isClosed) throw new Error('the channels are closed')
    const generation = this.channelForCalls()
    generation.live++
    let settled = false
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      return true
    }
    return {
      client: generation.client,
      channel: generation.channel,
      end: () => {
        if (settle()) this.release(generation)
      },
      abandon: (cancel) => {
        if (!settle()) return
        if (this.mayCancel(generation)) cancel()
        this.release(generation)
      },
    }
  }

  /** Whether an abandoned call on this channel may be cancelled with a reset. */
  private mayCancel(generation: Generation): boolean {
    if (generation.phase === 'dropped') return true // nothing left to reach the gateway
    if (generation.phase === 'retired') return false
    // Only a READY connection carries streams to reset; a queued call is cancelled for free.
    if (generation.state !== connectivityState.READY || generation.budget.take()) return true
    this.retire(generation, 'cancellations')
    return false
  }

  private release(generation: Generation): void {
    generation.live--
    if (generation.phase === 'retired' && generation.live === 0) this.drop(generation)
  }

  private retire(generation: Generation, reason: 'cancellations' | 'connect timeout'): void {
    if (generation.phase !== 'current') return
    generation.phase = 'retired'
    if (this.current === generation) this.current = undefined
    this.retired.add(generation)
    this.config.log.debug({ channel: generation.id, reason, liveCalls: generation.live }, `channel retired (${reason})`)
    if (generation.live === 0) this.drop(generation)
  }

  private connectTimedOut(generation: Generation): void {
    this.config.log.debug({ channel: generation.id, connectTimeoutMs: this.config.connectTimeoutMs }, 'connection attempt timed out')
    this.retire(generation, 'connect timeout')
    generation.close()
  }

  private drop(generation: Generation): void {
    this.retired.delete(generation)
    if (generation.phase === 'dropped') return
    generation.drop()
    this.config.log.debug({ channel: generation.id }, 'channel dropped')
  }

  /** Drops every channel: sockets destroyed, so calls still running end without a reset each. */
  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const generation of [...this.retired, ...(this.current === undefined ? [] : [this.current])]) {
      generation.phase = 'retired'
      this.drop(generation)
    }
    this.current = undefined
  }
}
