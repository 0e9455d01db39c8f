/**
 * A TCP proxy on loopback that injects network faults a client sees as real sockets: a cut cable
 * (black hole), resets, refused connections, one-way links and added latency. The mode changes at
 * run time; neither the client nor the target restarts.
 *
 * Why a proxy rather than faults inside the gateway: a gateway that "stalls" still answers TCP
 * keep-alives and HTTP/2 pings, so the client's transport never notices. Only a proxy that holds
 * bytes on the wire reproduces what a partition does to a gRPC channel.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { Subject, type Observable } from 'rxjs'
import { sampleDelay, type Delay } from './distribution.js'

/** `upstream`: client to target. `downstream`: target to client. */
export type Direction = 'upstream' | 'downstream'

/**
 * What the proxy does to connections, existing and new.
 * - `pass`: forwards both ways.
 * - `latency`: forwards after a delay per chunk and direction (fixed or sampled); order is kept,
 *   so a sampled delay never reorders bytes (a chunk waits at least for the one before it).
 * - `blackhole`: accepts connections and holds them, forwarding nothing and closing nothing (no
 *   FIN, no RST), like a cut cable. Bytes sent meanwhile wait in socket buffers and flow when the
 *   mode changes back, as TCP retransmission would deliver them after a heal.
 * - `reset`: destroys every connection with RST, and resets new ones as soon as they connect.
 * - `refuse`: resets existing connections and stops listening, so connects fail with
 *   ECONNREFUSED (the host is up, the service is not); leaving the mode listens again on the
 *   same port.
 * - `half-open`: forwards one direction only (default `upstream`: requests arrive, answers never
 *   come back); the other direction is held as in `blackhole`.
 * - `reset-client`: a middlebox that lost one side of its flows. Every existing connection's client
 *   side is destroyed with RST, while the proxy's own connection to the target stays open: bytes
 *   already read from the client still reach the target (a request in flight still arrives and
 *   is still applied), the target sees neither FIN nor RST, and what it sends back is dropped. Such
 *   an orphaned upstream lives until the target closes it, a `reset` or `refuse` mode, or
 *   {@link FaultProxy.close}. The mode acts once, on the connections open when it is set: new
 *   connections are forwarded as in `pass` (a fresh flow through the middlebox works).
 */
export type ProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'latency'; readonly upstreamMs?: Delay; readonly downstreamMs?: Delay }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'half-open'; readonly forward?: Direction }
  | { readonly kind: 'reset-client' }

export type ProxyModeKind = ProxyMode['kind']

export interface ProxyTarget {
  /** Default `127.0.0.1`. */
  readonly host?: string
  readonly port: number
}

export interface FaultProxyOptions {
  /** Where to forward. May be left out and set later with {@link FaultProxy.setTarget}; until then connections are reset. */
  readonly target?: ProxyTarget
  /** Listen address. Default `127.0.0.1` (the proxy is for loopback tests only). */
  readonly host?: string
  /** Listen port. Default 0 (any free port, kept across `refuse` and back). */
  readonly port?: number
  /** Initial mode. Default `pass`. */
  readonly mode?: ProxyMode
  /** A name carried in events, handy when several proxies share a log. Default `proxy`. */
  readonly name?: string
  /** Bytes queued per direction (latency mode) before the source is paused. Default 1 MiB. */
  readonly maxQueuedBytes?: number
  /** How long `refuse -> *` keeps retrying to listen on the same port when it is busy. Default 2000 ms. */
  readonly relistenTimeoutMs?: number
}

export type ProxyEvent =
  | { readonly type: 'connection'; readonly proxy: string; readonly id: number }
  | { readonly type: 'close'; readonly proxy: string; readonly id: number }
  | { readonly type: 'reset'; readonly proxy: string; readonly id: number; readonly reason: string }
  | { readonly type: 'mode'; readonly proxy: string; readonly mode: ProxyModeKind }

export interface ProxyStats {
  /** Connections accepted since listen. */
  readonly connectionsAccepted: number
  /** Connections currently held or forwarding (an orphaned upstream of `reset-client` included). */
  readonly connectionsOpen: number
  /** Connections the proxy destroyed with RST (reset/refuse mode, upstream failures), or whose client side it reset (`reset-client`). */
  readonly connectionsReset: number
  /** Bytes delivered from clients to the target. */
  readonly bytesUpstream: number
  /** Bytes delivered from the target to clients. */
  readonly bytesDownstream: number
}

const LOOPBACK = '127.0.0.1'

export class FaultProxy {
  private readonly options: FaultProxyOptions
  private readonly name: string
  private readonly host: string
  private target: ProxyTarget | undefined
  private currentMode: ProxyMode
  private server: net.Server | undefined
  private boundPort: number | undefined
  private readonly links = new Set<Link>()
  private nextId = 1
  private closed = false
  private modeChange: Promise<void> = Promise.resolve()
  private readonly eventsSubject = new Subject<ProxyEvent>()
  private counters = { connectionsAccepted: 0, connectionsReset: 0, bytesUpstream: 0, bytesDownstream: 0 }

  /** Connections, closes, resets and mode changes. Completes on {@link close}. */
  readonly events$: Observable<ProxyEvent> = this.eventsSubject.asObservable()

  constructor(options: FaultProxyOptions = {}) {
    this.options = options
    this.name = options.name ?? 'proxy'
    this.host = options.host ?? LOOPBACK
    this.target = options.target
    this.currentMode = options.mode ?? { kind: 'pass' }
  }

  /** The listening port (stable for the proxy's life). Throws before {@link listen}. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error(`${this.name}: not listening yet`)
    return this.boundPort
  }

  /** `host:port` clients should connect to. */
  get address(): string {
    return `${this.host}:${this.port}`
  }

  get mode(): ProxyMode {
    return this.currentMode
  }

  stats(): ProxyStats {
    return { ...this.counters, connectionsOpen: this.links.size }
  }

  /** Binds the port (even when starting in `refuse`, so the port is known) and resolves it. */
  async listen(): Promise<number> {
    if (this.closed) throw new Error(`${this.name}: closed`)
    if (this.boundPort !== undefined) return this.boundPort
    await this.bind(this.options.port ?? 0)
    if (this.currentMode.kind === 'refuse') await this.unbind()
    return this.port
  }

  /** Where new upstream connections go; existing ones keep their target. */
  setTarget(target: ProxyTarget | undefined): void {
    this.target = target
  }

  /**
   * Switches mode for existing and new connections. Calls are applied in order; the promise
   * resolves once the new mode is in force (for `refuse`, once the port is closed or bound again).
   */
  setMode(mode: ProxyMode): Promise<void> {
    const next = this.modeChange.then(() => this.applyMode(mode))
    // A failed change must not wedge later ones; the caller still sees this one's error.
    this.modeChange = next.catch(() => undefined)
    return next
  }

  pass(): Promise<void> {
    return this.setMode({ kind: 'pass' })
  }

  latency(upstreamMs: Delay, downstreamMs: Delay = upstreamMs): Promise<void> {
    return this.setMode({ kind: 'latency', upstreamMs, downstreamMs })
  }

  blackhole(): Promise<void> {
    return this.setMode({ kind: 'blackhole' })
  }

  reset(): Promise<void> {
    return this.setMode({ kind: 'reset' })
  }

  refuse(): Promise<void> {
    return this.setMode({ kind: 'refuse' })
  }

  halfOpen(forward: Direction = 'upstream'): Promise<void> {
    return this.setMode({ kind: 'half-open', forward })
  }

  resetClient(): Promise<void> {
    return this.setMode({ kind: 'reset-client' })
  }

  /** Stops listening and destroys every connection and timer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.modeChange
    for (const link of [...this.links]) link.destroy()
    this.links.clear()
    await this.unbind()
    this.eventsSubject.complete()
  }

  // -------------------------------------------------------------------------------------------
  // Link host interface (used by Link; not public API)

  /** @internal */
  flowing(direction: Direction): boolean {
    const mode = this.currentMode
    switch (mode.kind) {
      case 'pass':
      case 'latency':
      case 'reset-client':
        return true
      case 'half-open':
        return (mode.forward ?? 'upstream') === direction
      default:
        return false
    }
  }

  /** @internal True when connections should exist but hold everything (propagate nothing). */
  holding(): boolean {
    const kind = this.currentMode.kind
    return kind === 'blackhole'
  }

  /** @internal */
  delayFor(direction: Direction): number {
    const mode = this.currentMode
    if (mode.kind !== 'latency') return 0
    const delay = direction === 'upstream' ? mode.upstreamMs : mode.downstreamMs
    return delay === undefined ? 0 : sampleDelay(delay)
  }

  /** @internal */
  countBytes(direction: Direction, bytes: number): void {
    if (direction === 'upstream') this.counters.bytesUpstream += bytes
    else this.counters.bytesDownstream += bytes
  }

  /** @internal */
  get maxQueuedBytes(): number {
    return this.options.maxQueuedBytes ?? 1024 * 1024
  }

  /** @internal */
  currentTarget(): ProxyTarget | undefined {
    return this.target
  }

  /** @internal */
  linkReset(link: Link, reason: string): void {
    this.counters.connectionsReset++
    this.emit({ type: 'reset', proxy: this.name, id: link.id, reason })
  }

  /** @internal */
  linkClosed(link: Link): void {
    if (this.links.delete(link)) this.emit({ type: 'close', proxy: this.name, id: link.id })
  }

  // -------------------------------------------------------------------------------------------

  private emit(event: ProxyEvent): void {
    if (!this.closed || event.type === 'close') this.eventsSubject.next(event)
  }

  private async applyMode(mode: ProxyMode): Promise<void> {
    if (this.closed) throw new Error(`${this.name}: closed`)
    const previous = this.currentMode
    this.currentMode = mode
    this.emit({ type: 'mode', proxy: this.name, mode: mode.kind })
    if (mode.kind === 'reset' || mode.kind === 'refuse') {
      for (const link of [...this.links]) link.reset(`mode ${mode.kind}`)
    }
    if (mode.kind === 'reset-client') {
      for (const link of [...this.links]) link.resetClient(`mode ${mode.kind}`)
    }
    if (mode.kind === 'refuse') {
      await this.unbind()
    } else {
      if (previous.kind === 'refuse' && this.boundPort !== undefined) await this.bindWithRetry(this.boundPort)
      for (const link of [...this.links]) link.modeChanged()
    }
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy()
      return
    }
    const id = this.nextId++
    this.counters.connectionsAccepted++
    const link = new Link(id, socket, this)
    this.links.add(link)
    this.emit({ type: 'connection', proxy: this.name, id })
    const kind = this.currentMode.kind
    // A connection can slip in while the mode flips to refuse: treat it as reset.
    if (kind === 'reset' || kind === 'refuse') link.reset(`mode ${kind}`)
    else link.modeChanged()
  }

  private bind(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.onConnection(socket))
      const onError = (error: Error) => {
        server.close()
        reject(error)
      }
      server.once('error', onError)
      server.listen({ host: this.host, port, exclusive: true }, () => {
        server.off('error', onError)
        // Errors after listen (rare: EMFILE on accept) must not crash the test process.
        server.on('error', () => undefined)
        const address = server.address()
        if (address === null || typeof address === 'string') {
          server.close()
          reject(new Error(`${this.name}: unexpected listen address`))
          return
        }
        this.server = server
        this.boundPort = address.port
        resolve()
      })
    })
  }

  private async bindWithRetry(port: number): Promise<void> {
    const deadline = performance.now() + (this.options.relistenTimeoutMs ?? 2000)
    for (;;) {
      try {
        await this.bind(port)
        return
      } catch (error) {
        const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        if (!busy || performance.now() >= deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
  }

  private unbind(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return Promise.resolve()
    // close() stops accepting at once; its callback waits for connections we track ourselves.
    return new Promise((resolve) => {
      server.close(() => resolve())
      // Our links are destroyed or handed over separately; do not wait on them here.
      setImmediate(resolve)
    })
  }
}

interface Queued {
  readonly chunk: Buffer
  readonly releaseAt: number
}

/** One direction of a link: reads from `src`, holds or delays, writes to `dst`. */
class Pipe {
  private readonly queue: Queued[] = []
  private queuedBytes = 0
  private lastReleaseAt = 0
  private timer: NodeJS.Timeout | undefined
  private waitingDrain = false
  private srcEnded = false
  private endForwarded = false
  /** The destination is gone for good (`reset-client`): bytes are read and dropped. */
  private discarding = false
  dst: net.Socket | undefined

  constructor(
    readonly direction: Direction,
    private readonly src: net.Socket,
    private readonly host: FaultProxy,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk))
    src.on('end', () => {
      this.srcEnded = true
      this.pump()
    })
  }

  /**
   * From now on reads the source and drops what it sends, as a middlebox drops packets of a flow
   * whose other side it lost; the source's end (FIN) closes it, so the link can end.
   */
  discard(): void {
    this.stop()
    this.discarding = true
    this.dst = undefined
    this.pump()
  }

  private onData(chunk: Buffer): void {
    if (this.discarding) return
    const now = performance.now()
    const releaseAt = Math.max(this.lastReleaseAt, now + this.host.delayFor(this.direction))
    this.lastReleaseAt = releaseAt
    this.queue.push({ chunk, releaseAt })
    this.queuedBytes += chunk.length
    this.pump()
  }

  /** Forwards whatever may go now and arranges the rest. Safe to call at any time. */
  pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.discarding) {
      if (this.srcEnded) this.src.destroy()
      else this.src.resume()
      return
    }
    const dst = this.dst
    if (!this.host.flowing(this.direction) || dst === undefined || dst.connecting || dst.destroyed) {
      // Holding: stop reading so bytes back up in kernel buffers, as behind a cut cable.
      this.src.pause()
      return
    }
    if (this.waitingDrain) return
    const now = performance.now()
    while (this.queue.length > 0) {
      const head = this.queue[0] as Queued
      if (head.releaseAt > now) {
        // Timers can fire up to a millisecond early against performance.now(); re-check then.
        this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(head.releaseAt - now)))
        break
      }
      this.queue.shift()
      this.queuedBytes -= head.chunk.length
      this.host.countBytes(this.direction, head.chunk.length)
      if (!dst.write(head.chunk)) {
        this.waitingDrain = true
        this.src.pause()
        dst.once('drain', () => {
          this.waitingDrain = false
          this.pump()
        })
        return
      }
    }
    if (this.queue.length === 0 && this.srcEnded && !this.endForwarded) {
      this.endForwarded = true
      dst.end()
      return
    }
    if (this.queuedBytes < this.host.maxQueuedBytes) this.src.resume()
    else this.src.pause()
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.queue.length = 0
    this.queuedBytes = 0
  }
}

/** One accepted client connection and its upstream connection. */
class Link {
  private upstream: net.Socket | undefined
  private readonly up: Pipe
  private down: Pipe | undefined
  /** A reset from one side that a black hole must not pass on yet. */
  private pendingReset = false
  /** `reset-client` destroyed the client side; the upstream lives on alone. */
  private clientGone = false
  private done = false

  constructor(
    readonly id: number,
    private readonly client: net.Socket,
    private readonly host: FaultProxy,
  ) {
    client.on('error', () => this.sideFailed('client'))
    client.on('close', () => this.sideClosed('client'))
    this.up = new Pipe('upstream', client, host)
  }

  /** Brings the link in line with the proxy's current mode. */
  modeChanged(): void {
    if (this.done) return
    if (this.host.holding()) {
      this.up.pump()
      this.down?.pump()
      return
    }
    if (this.pendingReset) {
      this.reset('peer reset')
      return
    }
    if (this.upstream === undefined) this.connectUpstream()
    this.up.pump()
    this.down?.pump()
  }

  reset(reason: string): void {
    if (this.done) return
    this.done = true
    this.up.stop()
    this.down?.stop()
    resetSocket(this.client)
    if (this.upstream !== undefined) resetSocket(this.upstream)
    this.host.linkReset(this, reason)
    this.host.linkClosed(this)
  }

  /**
   * Destroys the client side with RST and keeps the upstream: bytes already read from the client
   * still go up, and what the target sends is dropped. A link with no upstream yet has nothing
   * to keep and is reset whole.
   */
  resetClient(reason: string): void {
    if (this.done || this.clientGone) return
    if (this.upstream === undefined || this.upstream.destroyed) {
      this.reset(reason)
      return
    }
    this.clientGone = true
    resetSocket(this.client)
    this.down?.discard()
    this.host.linkReset(this, reason)
  }

  destroy(): void {
    if (this.done) return
    this.done = true
    this.up.stop()
    this.down?.stop()
    this.client.destroy()
    this.upstream?.destroy()
    this.host.linkClosed(this)
  }

  private connectUpstream(): void {
    const target = this.host.currentTarget()
    if (target === undefined) {
      this.reset('no target')
      return
    }
    const upstream = net.connect({ host: target.host ?? LOOPBACK, port: target.port, allowHalfOpen: true })
    upstream.setNoDelay(true)
    this.client.setNoDelay(true)
    this.upstream = upstream
    this.up.dst = upstream
    this.down = new Pipe('downstream', upstream, this.host)
    this.down.dst = this.client
    upstream.on('connect', () => {
      this.up.pump()
      this.down?.pump()
    })
    upstream.on('error', () => this.sideFailed('upstream'))
    upstream.on('close', () => this.sideClosed('upstream'))
  }

  private sideFailed(side: 'client' | 'upstream'): void {
    if (this.done) return
    // The client side this proxy reset itself: the orphaned upstream must live on.
    if (side === 'client' && this.clientGone) return
    if (this.host.holding()) {
      this.pendingReset = true
      return
    }
    this.reset('peer reset')
  }

  private sideClosed(_side: 'client' | 'upstream'): void {
    if (this.done) return
    // FINs travel through the pipes (after any queued bytes), so a clean close needs no action
    // here until both sockets are gone.
    const bothClosed = this.client.destroyed && (this.upstream === undefined || this.upstream.destroyed)
    if (!bothClosed) return
    this.done = true
    this.up.stop()
    this.down?.stop()
    this.host.linkClosed(this)
  }
}

function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return
  try {
    socket.resetAndDestroy()
  } catch {
    socket.destroy()
  }
}
