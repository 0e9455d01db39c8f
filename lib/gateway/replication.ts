/**
 * Asynchronous replication to peer gateways, so two gateways behave like two replicated clusters.
 *
 * Every durable local write is an operation (a put of a whole document or tombstone, or a
 * mutation; table create/drop) queued per peer and shipped in batches over the internal
 * `ojai.failover.internal.Replication` service after `lagMs`. The peer integrates each document
 * operation into that document's log and replays in (hybrid timestamp, origin id) order (see
 * oplog.ts), so both sides apply the same operations in the same order and every acknowledged
 * increment survives concurrent writes on the other side; table entries are last-writer-wins. A
 * peer does not forward what it receives, so replication is a full mesh: list every other gateway
 * in `replicateTo` (or add it with `addReplicationPeers`) on each gateway.
 *
 * Each batch carries this gateway's watermark for the peer: every local write up to that
 * timestamp is in this batch or an earlier acknowledged one (0 while a resync is due, or before
 * the peer's incarnation is known). The peer folds its logs up to the smallest watermark of its
 * peers.
 *
 * Failure handling:
 * - A peer that does not answer is retried with exponential backoff; its queue keeps growing.
 * - The queue is bounded (`maxQueue`). On overflow the queue is dropped and the link switches to
 *   resync: when the peer answers again it gets a full snapshot (every table entry and every
 *   document's state: its base and its log of unfolded operations, tombstones included) and then
 *   the newer queued writes. The peer merges each state (the newer base, the union of the logs,
 *   duplicates ignored), so nothing is lost, only re-sent. `overflows` counts these events.
 * - Every peer answer carries the peer's incarnation id (new on each start). A link resyncs on
 *   its first contact and whenever the incarnation changes, so a peer restarted empty (memory
 *   storage) is refilled, and writes made while the link was down on either side converge.
 * - An idle link sends an empty batch every `heartbeatMs` to notice restarts and report
 *   `connected`.
 * Queued changes live in memory: when the sending gateway itself stops, its unsent operations
 * are re-shipped by the resync its links perform on their first contact after the restart,
 * because they are still in the durable (LMDB) documents' logs, or in bases the peer has not
 * reached yet (a log is folded only up to what every peer has shipped, never up to what they
 * acknowledged: see oplog.ts). A memory gateway that stops loses them, as a crashed cluster
 * without persistent storage would.
 */
import * as grpc from '@grpc/grpc-js'
import { InvalidArgumentError } from '../ojai/errors.js'
import { AUTHORIZATION } from '../proto/index.js'
import { changeTs } from './database.js'
import type { Change, DocOp } from './database.js'
import { ChangeKind, DocOpKind, ReplicationService } from './internal-proto.js'
import type { ApplyRequest, ApplyResponse, ChangeMessage } from './internal-proto.js'
import type { GatewayLogger } from './logger.js'
import { messageOf } from '../ojai/message-of.js'

/** @category Gateway */
export interface ReplicationOptions {
  /** Minimum delay between a write and its shipment, in ms. Default 0. */
  readonly lagMs?: number
  /** Changes per Apply call. Default 512. */
  readonly batchSize?: number
  /** Queued changes per peer before the link falls back to a full resync. Default 100 000. */
  readonly maxQueue?: number
  /** First retry delay after a failed shipment. Default 50 ms; doubles up to `retryMaxMs`. */
  readonly retryMinMs?: number
  /** Longest retry delay. Default 2 000 ms. */
  readonly retryMaxMs?: number
  /** Idle heartbeat period. Default 1 000 ms. */
  readonly heartbeatMs?: number
  /** Deadline of one Apply call. Default 10 000 ms. */
  readonly callTimeoutMs?: number
  /** Credentials for peers (default plaintext). */
  readonly credentials?: grpc.ChannelCredentials
  /** Channel options, e.g. `grpc.ssl_target_name_override`. */
  readonly channelOptions?: grpc.ChannelOptions
  /** `authorization` value sent to peers (e.g. basic credentials shared by the gateways). */
  readonly authorization?: string
}

/** @category Gateway */
export interface PeerStats {
  readonly address: string
  /** Changes waiting to be shipped. */
  readonly queueDepth: number
  /** Age in ms of the oldest unshipped change (0 when none). */
  readonly lagMs: number
  readonly shipped: number
  readonly failures: number
  readonly overflows: number
  readonly resyncs: number
  readonly connected: boolean
  readonly resyncPending: boolean
}

/** Whether a link has shipped everything: connected, nothing queued, no resync due. */
export function isCaughtUp(link: PeerStats): boolean {
  return link.connected && link.queueDepth === 0 && !link.resyncPending
}

interface Queued {
  readonly change: Change
  readonly at: number
  readonly ts: number
}

export interface ReplicatorDeps {
  readonly source: string
  readonly snapshot: () => Iterable<Change[]>
  /** Every local write up to this timestamp has been handed to `enqueue` (default: no promise). */
  readonly localWatermark?: () => number
  readonly logger: GatewayLogger
  readonly now?: () => number
}

type PeerLinkOptions = Required<Omit<ReplicationOptions, 'credentials' | 'channelOptions' | 'authorization'>> & ReplicationOptions

class PeerLink {
  private queue: Queued[] = []
  private timer: NodeJS.Timeout | undefined
  private busy = false
  private closed = false
  private failures = 0
  private incarnation: string | undefined
  private resync = false
  private readonly client: grpc.Client & {
    Apply: (
      req: ApplyRequest,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: ApplyResponse) => void,
    ) => grpc.ClientUnaryCall
  }
  private readonly counters = { shipped: 0, failures: 0, overflows: 0, resyncs: 0 }
  private connected = false

  constructor(
    readonly address: string,
    private readonly options: PeerLinkOptions,
    private readonly deps: ReplicatorDeps,
  ) {
    this.client = new ReplicationService(
      address,
      options.credentials ?? grpc.credentials.createInsecure(),
      options.channelOptions,
    ) as unknown as PeerLink['client']
    this.schedule(0)
  }

  enqueue(change: Change): void {
    if (this.closed) return
    if (this.queue.length >= this.options.maxQueue) {
      this.queue = []
      this.resync = true
      this.counters.overflows++
      this.deps.logger.warn(
        { peer: this.address, maxQueue: this.options.maxQueue },
        'replication queue overflow: dropping the queue, the peer will get a full resync',
      )
      return
    }
    this.queue.push({ change, at: this.now(), ts: changeTs(change) })
    if (!this.busy && this.queue.length === 1) this.schedule(this.options.lagMs)
  }

  stats(): PeerStats {
    const oldest = this.queue[0]
    return {
      address: this.address,
      queueDepth: this.queue.length,
      lagMs: oldest === undefined ? 0 : Math.max(0, this.now() - oldest.at),
      ...this.counters,
      connected: this.connected,
      resyncPending: this.resync,
    }
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.client.close()
  }

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }

  private schedule(ms: number): void {
    if (this.closed) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        void this.pump()
      },
      Math.max(0, ms),
    )
    this.timer.unref()
  }

  /** Ships what is due, then schedules the next round. One round at a time. */
  private async pump(): Promise<void> {
    if (this.busy || this.closed) return
    this.busy = true
    try {
      let sent = false
      // Learn the peer's incarnation first, so a resync it triggers happens before the batches.
      if (this.incarnation === undefined) {
        await this.send([], 0)
        sent = true
      }
      if (this.resync) {
        await this.shipSnapshot()
        sent = true
      }
      for (;;) {
        const due = this.dueCount()
        if (due === 0) break
        const batch = this.queue.slice(0, Math.min(due, this.options.batchSize))
        await this.send(
          batch.map((q) => q.change),
          this.watermark(batch.length),
        )
        sent = true
        // Only now: a failed send keeps them queued. An overflow meanwhile may have emptied the queue.
        if (this.queue[0] === batch[0]) this.queue.splice(0, batch.length)
        this.counters.shipped += batch.length
        if (this.resync) await this.shipSnapshot()
      }
      // Heartbeat: notices a restarted peer even when this side has nothing to say.
      if (!sent) await this.send([], this.watermark(0))
      this.failures = 0
      const oldest = this.queue[0]
      this.schedule(oldest === undefined ? this.options.heartbeatMs : oldest.at + this.options.lagMs - this.now())
    } catch (error) {
      this.connected = false
      this.failures++
      this.counters.failures++
      const delay = Math.min(this.options.retryMaxMs, this.options.retryMinMs * 2 ** Math.min(this.failures - 1, 20))
      const details = { peer: this.address, err: messageOf(error), retryInMs: delay }
      // A refused batch (the peer found a change invalid: a version mismatch or a bug) will be refused
      // again: say so loudly. An unreachable peer is routine.
      const refused =
        (error as Partial<grpc.ServiceError>).code === grpc.status.INVALID_ARGUMENT ||
        (error as Partial<grpc.ServiceError>).code === grpc.status.UNAUTHENTICATED
      if (refused)
        this.deps.logger.warn(
          details,
          "the peer refuses this gateway's replication batch; it is retried but will not be applied until the cause is fixed",
        )
      else this.deps.logger.debug(details, 'replication to peer failed')
      this.schedule(delay)
    } finally {
      this.busy = false
    }
    if (!this.closed && this.queue.length > 0 && this.timer === undefined) this.schedule(0)
  }

  /** This gateway's promise to the peer once the first `shipped` queued changes are delivered. */
  private watermark(shipped: number): number {
    if (this.resync || this.incarnation === undefined || this.deps.localWatermark === undefined) return 0
    let wm = this.deps.localWatermark()
    for (let i = shipped; i < this.queue.length; i++) {
      const ts = (this.queue[i] as Queued).ts
      if (ts - 1 < wm) wm = ts - 1
    }
    return Math.max(0, wm)
  }

  private dueCount(): number {
    const cutoff = this.now() - this.options.lagMs
    let n = 0
    while (n < this.queue.length && (this.queue[n] as Queued).at <= cutoff) n++
    return n
  }

  private async shipSnapshot(): Promise<void> {
    this.resync = false
    this.counters.resyncs++
    try {
      for (const batch of this.deps.snapshot()) {
        for (let i = 0; i < batch.length; i += this.options.batchSize) await this.send(batch.slice(i, i + this.options.batchSize), 0)
      }
    } catch (error) {
      this.resync = true
      throw error
    }
  }

  private send(changes: readonly Change[], watermark: number): Promise<void> {
    const request: ApplyRequest = {
      source: this.deps.source,
      changes: changes.map(toMessage),
      watermark,
      incarnation: this.incarnation ?? '',
    }
    const metadata = new grpc.Metadata()
    if (this.options.authorization !== undefined) metadata.set(AUTHORIZATION, this.options.authorization)
    return new Promise((resolve, reject) => {
      this.client.Apply(request, metadata, { deadline: Date.now() + this.options.callTimeoutMs }, (err, res) => {
        if (err !== null || res === undefined) {
          reject(err ?? new Error('empty replication answer'))
          return
        }
        this.connected = true
        if (this.incarnation !== res.incarnation) {
          // First contact, or the peer restarted: it may lack anything sent before.
          this.resync = true
          this.incarnation = res.incarnation
        }
        resolve()
      })
    })
  }
}

export class Replicator {
  private readonly links: PeerLink[] = []
  private readonly resolved: PeerLinkOptions
  private closed = false

  constructor(
    peers: readonly string[],
    options: ReplicationOptions,
    private readonly deps: ReplicatorDeps,
  ) {
    this.resolved = {
      lagMs: options.lagMs ?? 0,
      batchSize: options.batchSize ?? 512,
      maxQueue: options.maxQueue ?? 100_000,
      retryMinMs: options.retryMinMs ?? 50,
      retryMaxMs: options.retryMaxMs ?? 2000,
      heartbeatMs: options.heartbeatMs ?? 1000,
      callTimeoutMs: options.callTimeoutMs ?? 10_000,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.channelOptions === undefined ? {} : { channelOptions: options.channelOptions }),
      ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
    }
    this.add(peers)
  }

  /**
   * Starts replicating to more peers. Each new link first learns the peer's incarnation and sends
   * it a full snapshot (as any link's first contact does), then every later write.
   */
  add(peers: readonly string[]): void {
    if (this.closed) return
    for (const p of peers) this.links.push(new PeerLink(p, this.resolved, this.deps))
  }

  /** The peers replicated to, in the order they were added. */
  peers(): string[] {
    return this.links.map((l) => l.address)
  }

  enqueue(change: Change): void {
    for (const link of this.links) link.enqueue(change)
  }

  stats(): PeerStats[] {
    return this.links.map((l) => l.stats())
  }

  /** Largest age of an unshipped change across peers, in ms. */
  lagMs(): number {
    return this.links.reduce((max, l) => Math.max(max, l.stats().lagMs), 0)
  }

  close(): void {
    this.closed = true
    for (const link of this.links) link.close()
  }
}

export function toMessage(change: Change): ChangeMessage {
  if (change.kind === 'table') {
    return {
      kind: ChangeKind.TABLE,
      tablePath: change.meta.path,
      key: EMPTY,
      jsonDocument: '',
      ts: change.meta.ts,
      origin: change.meta.origin,
      tombstone: change.meta.dropped,
    }
  }
  const base = { kind: ChangeKind.DOCUMENT, tablePath: change.table, key: change.key }
  const op = change.op
  switch (op.type) {
    case 'put':
      return { ...base, op: DocOpKind.PUT, jsonDocument: op.text ?? '', ts: op.ts, origin: op.origin, tombstone: op.text === null }
    case 'mutate':
      return { ...base, op: DocOpKind.MUTATE, jsonDocument: op.mutation, ts: op.ts, origin: op.origin, tombstone: false }
    case 'state': {
      const r = op.record
      const h = r.history
      // A state without history is the document as of its version: exactly a put.
      if (h === undefined)
        return { ...base, op: DocOpKind.PUT, jsonDocument: r.text ?? '', ts: r.ts, origin: r.origin, tombstone: r.text === null }
      return {
        ...base,
        op: DocOpKind.STATE,
        jsonDocument: h.base ?? '',
        tombstone: h.base === null,
        ts: h.baseTs,
        origin: h.baseOrigin,
        resetTs: h.resetTs,
        resetOrigin: h.resetOrigin,
        inexact: !h.exact,
        log: h.log.map((l) => ({ ts: l.ts, origin: l.origin, mutation: l.mutation })),
      }
    }
  }
}

/** The change a message carries; throws InvalidArgumentError for an unknown kind or operation (then see `Database.validateRemote`). */
export function fromMessage(m: ChangeMessage): Change {
  if (m.kind === ChangeKind.TABLE) return { kind: 'table', meta: { path: m.tablePath, ts: m.ts, origin: m.origin, dropped: m.tombstone } }
  if (m.kind !== ChangeKind.DOCUMENT) throw new InvalidArgumentError(`unknown change kind ${String(m.kind)}`)
  return { kind: 'doc', table: m.tablePath, key: Buffer.from(m.key), op: docOpOf(m) }
}

function docOpOf(m: ChangeMessage): DocOp {
  const text = m.tombstone ? null : m.jsonDocument
  if (m.tombstone && m.jsonDocument !== '') throw new InvalidArgumentError('a tombstone carries no document')
  if (m.op === DocOpKind.MUTATE) {
    if (m.tombstone) throw new InvalidArgumentError('a mutation cannot be a tombstone')
    return { type: 'mutate', ts: m.ts, origin: m.origin, mutation: m.jsonDocument }
  }
  if (m.op !== undefined && m.op !== DocOpKind.PUT && m.op !== DocOpKind.STATE)
    throw new InvalidArgumentError(`unknown document operation ${String(m.op)}`)
  if (m.op !== DocOpKind.STATE) return { type: 'put', ts: m.ts, origin: m.origin, text }
  const log = (m.log ?? []).map((l) => ({ ts: l.ts, origin: l.origin, mutation: l.mutation }))
  const last = log[log.length - 1]
  return {
    type: 'state',
    record: {
      // The record's text is recomputed by the receiver's replay; only the version matters here.
      text,
      ts: last?.ts ?? m.ts,
      origin: last?.origin ?? m.origin,
      history: {
        base: text,
        baseTs: m.ts,
        baseOrigin: m.origin,
        resetTs: m.resetTs ?? m.ts,
        resetOrigin: m.resetOrigin ?? m.origin,
        exact: m.inexact !== true,
        log,
      },
    },
  }
}

const EMPTY = Buffer.alloc(0)
