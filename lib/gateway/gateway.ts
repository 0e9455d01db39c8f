/**
 * The embedded OJAI gateway: a real gRPC server speaking `com.mapr.data.db.MapRDbServer`, plus
 * two internal services on the same port (replication between gateways, remote fault control).
 *
 * ```ts
 * const gw = await startGateway({ port: 0 })            // memory storage, no auth, plaintext
 * // connect any OJAI client to gw.address ('127.0.0.1:<port>')
 * gw.faults.set('FindById', { type: 'latency', ms: 200 })
 * await gw.close()
 * ```
 */
import { randomBytes } from 'node:crypto'
import * as grpc from '@grpc/grpc-js'
import { DEFAULT_PORT, MapRDbServer, packageDefinition } from '../proto/index.js'
import { Authenticator } from './auth.js'
import type { AuthOptions } from './auth.js'
import { CallGuard, CallStatusError, emptyCounts } from './call-guard.js'
import type { RequestCounts } from './call-guard.js'
import { ClosedError, InvalidOptionsError } from '../ojai/errors.js'
import { Database } from './database.js'
import { acceptingDocumentResponses, DocumentResponses } from './document-response.js'
import { Faults } from './faults.js'
import type { Fault, FaultTarget } from './faults.js'
import { FindThrottle } from './find-limits.js'
import type { FindLimits } from './find-limits.js'
import { createHandlers } from './handlers.js'
import { HybridClock, skewedClock } from './hlc.js'
import { ControlService, INTERNAL_PACKAGE, internalDefinitions, ReplicationService } from './internal-proto.js'
import type { ApplyRequest, ApplyResponse, ClearFaultsRequest, ControlResponse, SetFaultRequest } from './internal-proto.js'
import { SILENT } from './logger.js'
import type { GatewayLogger } from './logger.js'
import type { OpLogLimits } from './oplog.js'
import { checkGatewayOptions, PEER_ADDRESS } from './options.js'
import { fromMessage, Replicator } from './replication.js'
import type { ReplicationOptions } from './replication.js'
import type { GatewayStats } from './stats.js'
import type { StorageEngine } from './storage/engine.js'
import { LmdbEngine } from './storage/lmdb.js'
import { MemoryEngine } from './storage/memory.js'
import { requireValidUtf8, strictUtf8 } from './strict-utf8.js'
import { messageOf } from '../ojai/message-of.js'

/** @category Gateway */
export interface TlsOptions {
  /** PEM certificate chain. */
  readonly cert: string | Buffer
  /** PEM private key. */
  readonly key: string | Buffer
}

/** @category Gateway */
export interface GatewayOptions {
  /** TCP port. Default 5678 (the Data Access Gateway's); 0 = any free port. */
  readonly port?: number
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string
  /**
   * `'memory'` (default), `{ dir }` for durable LMDB storage in that directory, or an engine
   * instance (not closed by the gateway: reuse it to restart a gateway with its data).
   */
  readonly storage?: 'memory' | { readonly dir: string } | StorageEngine
  /** Require credentials (protocol Section 5). Default: no authentication. */
  readonly auth?: AuthOptions
  /**
   * Credentials of the replication service, apart from the data credentials: with them only peers
   * that know them can apply changes (data users cannot), and this gateway sends them to its peers.
   * Default: the replication service takes the data credentials (`auth`), or none without auth.
   */
  readonly replicationAuth?: AuthOptions
  /** Serve TLS with this key and certificate. Default: plaintext. */
  readonly tls?: TlsOptions
  /** Peer gateways (`host:port`) to replicate every applied write to. Default none. */
  readonly replicateTo?: readonly string[]
  /** Delay before a write is shipped to peers, in ms. Default 0. */
  readonly replicationLagMs?: number
  /** Finer replication settings (batch size, queue bound, retry, peer TLS…). */
  readonly replication?: Omit<ReplicationOptions, 'lagMs'>
  /**
   * Bounds of the per-document operation log replication replays from (see oplog.ts): retention
   * default 10 min, at most 1 000 operations per document. An operation that reaches a peer later
   * than that is applied on top instead of in its place.
   */
  readonly opLog?: OpLogLimits
  /** This gateway's id (origin of its writes, tie-breaker of the operation order). Default random. */
  readonly gatewayId?: string
  /**
   * Bounds of Find streams: how many run at once (per gateway, per connection), how many bytes of
   * results may wait to be flushed, how much a sort may hold, how long one slice of Find work runs.
   * Defaults and their reasons: find-limits.ts and the README.
   */
  readonly findLimits?: FindLimits
  /** Largest request/response message. Default 32 MiB (the gateway's `grpc.service.max-message-size`). */
  readonly maxMessageBytes?: number
  /** How long `close()` waits for in-flight calls before dropping them. Default 5 000 ms. */
  readonly closeGraceMs?: number
  /** Default: silent. A pino logger fits. */
  readonly logger?: GatewayLogger
  /** Wall clock (ms) for token expiry and timestamps; injectable for tests. Default `Date.now`. */
  readonly clock?: () => number
  /**
   * How many ms this gateway's clock runs ahead of `clock` (positive) or behind it (negative), as
   * on a machine whose clock is off by that much: its hybrid clock, hence every timestamp it stamps
   * on writes and table changes and the last-writer-wins order of concurrent writes, runs on the
   * shifted clock (so do token expiry and replication lag, which only measure spans of it). For
   * tests that model clusters whose clocks differ. An integer in [-86 400 000, 86 400 000] (a
   * day). Default 0.
   */
  readonly clockOffsetMs?: number
  /** Random source of probabilistic faults; injectable for tests. Default `Math.random`. */
  readonly random?: () => number
}

/**
 * A running gateway.
 * @category Gateway
 */
export interface OjaiGateway {
  readonly host: string
  readonly port: number
  /** `host:port`, ready for a connection string. */
  readonly address: string
  readonly id: string
  /** Fault controls of this gateway. */
  readonly faults: Faults
  /** The storage engine (for tests that look under the hood). */
  readonly storage: StorageEngine
  /** Resolves when the gateway stopped by a crash (fault or {@link crash}); never rejects. */
  readonly crashed: Promise<void>
  stats(): GatewayStats
  /** Age of the oldest unshipped replicated change, in ms (0 when replication is idle or off). */
  replicationLag(): number
  /** Graceful stop: refuses new calls, lets in-flight ones finish (bounded), stops replication, closes owned storage. */
  close(): Promise<void>
  /**
   * Abrupt stop: drops every connection at once and stops listening, like a killed process.
   * Storage stays open until close(); changes already queued for peers keep draining.
   */
  crash(): void
  /** Listens again on the same host and port with the same storage (after crash()). */
  restart(): Promise<void>
  /**
   * Starts replicating every applied write to more peer gateways (`host:port`), as if they had
   * been in `replicateTo` from the start: each new peer first receives a full snapshot of this
   * gateway's tables and documents, then every later write. Use it to connect gateways started on
   * port 0, whose addresses are known only once they listen; replication is a full mesh, so add
   * each gateway to every other one. Throws InvalidOptionsError for an address that is not
   * `host:port`, is this gateway's own, or is already a peer (nothing is added then), and
   * ClosedError after close().
   */
  addReplicationPeers(addresses: readonly string[]): void
  /** The peer gateways this one replicates to (`replicateTo`, then those added since). */
  replicationPeers(): string[]
}

/**
 * Starts a gateway and resolves once it accepts connections. Rejects with InvalidOptionsError
 * for options it does not know or values they do not accept, before anything starts.
 * @category Gateway
 */
export async function startGateway(options: GatewayOptions = {}): Promise<OjaiGateway> {
  checkGatewayOptions('startGateway options', options)
  const gateway = new GatewayImpl(options)
  try {
    await gateway.listen(options.port ?? DEFAULT_PORT)
  } catch (error) {
    await gateway.close()
    throw error
  }
  return gateway
}

class GatewayImpl implements OjaiGateway {
  readonly host: string
  port = 0
  readonly id: string
  readonly faults: Faults
  readonly storage: StorageEngine
  readonly crashed: Promise<void>
  private readonly incarnation = randomBytes(8).toString('hex')
  private readonly ownsStorage: boolean
  private readonly logger: GatewayLogger
  private readonly counts: RequestCounts = emptyCounts()
  private readonly db: Database
  private replicator: Replicator | undefined
  private readonly auth: Authenticator | undefined
  private readonly guard: CallGuard
  private readonly finds: FindThrottle
  private server: grpc.Server | undefined
  private closing: Promise<void> | undefined
  private markCrashed: () => void = () => {}
  /** This gateway's wall clock: `clock` shifted by `clockOffsetMs`. */
  private readonly now: () => number

  constructor(private readonly options: GatewayOptions) {
    this.now = skewedClock(options.clock ?? Date.now, options.clockOffsetMs ?? 0)
    this.host = options.host ?? '127.0.0.1'
    this.id = options.gatewayId ?? randomBytes(6).toString('hex')
    this.logger = options.logger ?? SILENT
    this.faults = new Faults(options.random)
    const storage = options.storage ?? 'memory'
    if (storage === 'memory') this.storage = new MemoryEngine()
    else if ('dir' in storage && !('tableMeta' in storage)) this.storage = new LmdbEngine({ dir: storage.dir })
    else this.storage = storage as StorageEngine
    this.ownsStorage = typeof storage === 'string' || !('tableMeta' in storage)
    this.crashed = new Promise((resolve) => (this.markCrashed = resolve))
    const now = this.now
    const clock = new HybridClock(now)
    const peers = options.replicateTo ?? []
    this.auth = options.auth === undefined ? undefined : new Authenticator(options.auth, now)
    const replicationAuth = options.replicationAuth === undefined ? undefined : new Authenticator(options.replicationAuth, now)
    this.db = new Database({
      engine: this.storage,
      clock,
      gatewayId: this.id,
      // Peers may be added after start: every local write is offered to the replicator, if any.
      onChange: (change) => this.replicator?.enqueue(change),
      // Full mesh: the gateways this one ships to are the ones that ship to it.
      expectedPeers: peers.length,
      ...(options.opLog === undefined ? {} : { opLog: options.opLog }),
      now,
    })
    if (peers.length > 0) this.replicator = this.newReplicator(peers)
    this.finds = new FindThrottle(options.findLimits)
    this.guard = new CallGuard({ auth: this.auth, replicationAuth, faults: this.faults, counts: this.counts, crash: () => this.crash() })
  }

  private newReplicator(peers: readonly string[]): Replicator {
    const options = this.options
    // Peers are assumed to share this gateway's (replication) credentials.
    const auth = options.replicationAuth ?? options.auth
    return new Replicator(
      peers,
      {
        ...(auth === undefined ? {} : { authorization: `basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` }),
        ...options.replication,
        lagMs: options.replicationLagMs ?? 0,
      },
      {
        source: this.id,
        snapshot: () => this.db.snapshot(),
        localWatermark: () => this.db.localWatermark(),
        logger: this.logger,
        now: this.now,
      },
    )
  }

  addReplicationPeers(addresses: readonly string[]): void {
    if (this.closing !== undefined) throw new ClosedError(`gateway ${this.address} was closed: no peers can be added`)
    if (!Array.isArray(addresses))
      throw new InvalidOptionsError(`addReplicationPeers takes an array of "host:port" addresses, got ${typeof addresses}`)
    const known = new Set(this.replicationPeers())
    for (const address of addresses as readonly unknown[]) {
      if (typeof address !== 'string' || !PEER_ADDRESS.test(address)) {
        throw new InvalidOptionsError(
          `a replication peer must be a "host:port" address such as "127.0.0.1:5679", got ${typeof address === 'string' ? JSON.stringify(address) : typeof address}`,
        )
      }
      if (address === this.address)
        throw new InvalidOptionsError(`${address} is this gateway's own address: a gateway does not replicate to itself`)
      if (known.has(address)) throw new InvalidOptionsError(`${address} is already a replication peer of this gateway`)
      known.add(address)
    }
    if (addresses.length === 0) return
    if (this.replicator === undefined) this.replicator = this.newReplicator(addresses)
    else this.replicator.add(addresses)
    this.db.expectMorePeers(addresses.length)
  }

  replicationPeers(): string[] {
    return this.replicator?.peers() ?? []
  }

  get address(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`
  }

  async listen(port: number): Promise<void> {
    const maxBytes = this.options.maxMessageBytes ?? 32 * 1024 * 1024
    const server = new grpc.Server({ 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': maxBytes })
    const service = acceptingDocumentResponses(strictUtf8(MapRDbServer.service, packageDefinition, 'com.mapr.data.db'))
    server.addService(service, createHandlers(this.db, this.guard, this.finds, new DocumentResponses(service)))
    server.addService(strictUtf8(ReplicationService.service, internalDefinitions, INTERNAL_PACKAGE), {
      Apply: this.guard.internal('replication', (r: ApplyRequest) => this.applyReplicated(r)),
    })
    server.addService(strictUtf8(ControlService.service, internalDefinitions, INTERNAL_PACKAGE), {
      SetFault: this.guard.internal('control', (r: SetFaultRequest) =>
        this.control(() => this.faults.set(r.target as FaultTarget, JSON.parse(r.faultJson) as Fault)),
      ),
      ClearFaults: this.guard.internal('control', (r: ClearFaultsRequest) =>
        this.control(() => this.faults.clear(r.target === '' ? undefined : (r.target as FaultTarget))),
      ),
      GetStats: this.guard.internal('control', () => Promise.resolve<ControlResponse>({ error: '', json: JSON.stringify(this.stats()) })),
    })
    const tls = this.options.tls
    const credentials =
      tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }], false)
    const host = this.host.includes(':') ? `[${this.host}]` : this.host
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
    )
    this.server = server
    this.logger.info(
      { address: this.address, id: this.id, storage: this.storage.kind, tls: tls !== undefined, auth: this.auth !== undefined },
      'gateway listening',
    )
    for (const warning of exposureWarnings(this.options)) this.logger.warn({ address: this.address }, warning)
  }

  stats(): GatewayStats {
    const peers = this.replicator?.stats() ?? []
    return {
      id: this.id,
      incarnation: this.incarnation,
      address: this.address,
      storage: this.storage.kind,
      requests: { ...this.counts },
      totalRequests: Object.values(this.counts).reduce((a, b) => a + b, 0),
      faults: { active: this.faults.list(), ...this.faults.counters() },
      replication: { lagMs: this.replicationLag(), queueDepth: peers.reduce((n, p) => n + p.queueDepth, 0), peers },
      finds: this.finds.snapshot(),
    }
  }

  replicationLag(): number {
    return this.replicator?.lagMs() ?? 0
  }

  crash(): void {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    this.logger.warn({ address: this.address }, 'gateway crashed: dropping every connection')
    dropConnections(server)
    server.forceShutdown()
    this.faults.release()
    this.markCrashed()
  }

  async restart(): Promise<void> {
    if (this.server !== undefined) throw new Error('the gateway is running; crash() or close() it first')
    if (this.closing !== undefined) throw new Error('the gateway was closed')
    await this.listen(this.port)
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.replicator?.close()
    // A stalled call would hold a graceful shutdown forever: let it run now.
    this.faults.clear()
    const server = this.server
    this.server = undefined
    if (server !== undefined) {
      const grace = this.options.closeGraceMs ?? 5000
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown()
          resolve()
        }, grace)
        server.tryShutdown(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    if (this.ownsStorage) await this.storage.close()
    this.logger.info({ address: this.address }, 'gateway closed')
  }

  private async applyReplicated(request: ApplyRequest): Promise<ApplyResponse> {
    try {
      requireValidUtf8(request)
    } catch (error) {
      throw new CallStatusError(grpc.status.INVALID_ARGUMENT, `replication batch refused, nothing applied: ${(error as Error).message}`)
    }
    const sourceBytes = Buffer.byteLength(request.source, 'utf8')
    if (sourceBytes < 1 || sourceBytes > 255)
      throw new CallStatusError(
        grpc.status.INVALID_ARGUMENT,
        'replication batch refused, nothing applied: source gateway id must be 1 to 255 bytes',
      )
    // The whole batch is checked before any of it is applied: a bad change rejects the batch.
    const changes = request.changes.map((m, i) => {
      try {
        return this.db.validateRemote(fromMessage(m))
      } catch (error) {
        throw new CallStatusError(
          grpc.status.INVALID_ARGUMENT,
          `replication batch refused, nothing applied: change ${i + 1} of ${request.changes.length}: ${messageOf(error)}`,
        )
      }
    })
    const applied = changes.length === 0 ? 0 : await this.db.applyRemote(changes)
    // Only now that the batch is durable; and a promise made to an earlier incarnation of this
    // gateway (which may have lost what it acknowledged) is worth nothing.
    this.db.recordWatermark(request.source, request.incarnation === this.incarnation ? (request.watermark ?? 0) : 0)
    return { incarnation: this.incarnation, applied }
  }

  private control(action: () => void): Promise<ControlResponse> {
    try {
      action()
      return Promise.resolve({ error: '', json: '' })
    } catch (error) {
      return Promise.resolve({ error: messageOf(error), json: '' })
    }
  }
}

/** Whether `host` is a loopback interface only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h)
}

/**
 * What is exposed when the gateway listens beyond loopback without authentication or TLS: the
 * warnings the gateway logs and the CLI prints. Empty on loopback.
 */
export function exposureWarnings(options: Pick<GatewayOptions, 'host' | 'auth' | 'tls'>): string[] {
  const host = options.host ?? '127.0.0.1'
  if (isLoopback(host)) return []
  const warnings: string[] = []
  if (options.auth === undefined) {
    warnings.push(
      `listening on ${host} beyond loopback WITHOUT authentication: anyone who can reach this port can read, write and delete every table, apply replication changes, and stall or crash the gateway through its fault controls. Use --user with --password-file (or OJAI_GATEWAY_PASSWORD), or listen on 127.0.0.1.`,
    )
  }
  if (options.tls === undefined) {
    warnings.push(
      `listening on ${host} beyond loopback WITHOUT TLS: ${options.auth === undefined ? 'requests and documents' : 'passwords, bearer tokens and documents'} cross the network in clear text. Use --tls-cert and --tls-key.`,
    )
  }
  return warnings
}

/**
 * Closes every client connection at the socket level, as a dying process would. grpc-js's own
 * forceShutdown cancels each stream first (clients would see CANCELLED instead of the UNAVAILABLE
 * a crash produces), so the sessions are destroyed without an error code before it runs. The
 * session registry is grpc-js internal state; without it forceShutdown alone still stops the
 * gateway.
 */
function dropConnections(server: grpc.Server): void {
  const sessions = (server as unknown as { sessions?: unknown }).sessions
  if (!(sessions instanceof Map)) return
  for (const session of sessions.keys() as Iterable<{ destroy?: () => void }>) {
    try {
      session.destroy?.()
    } catch {
      // already gone
    }
  }
}
