/**
 * Session consistency: a store reads its own writes, and a document's operations go to one
 * cluster at a time.
 *
 * Replication between clusters is asynchronous, and last-writer-wins by the origin's clock. So a
 * store that writes a document on one cluster and reads it on the other within the replication
 * lag sees the older version, and two writes of one document sent to two clusters milliseconds
 * apart are ordered by two clocks, not by the order the caller made them. Three rules keep a
 * store's own operations of a document on the cluster that acknowledged its latest write:
 *
 * 1. **Read-your-writes window.** The store remembers, for the `maxDocuments` documents it wrote
 *    last, which cluster acknowledged the write and when. For `windowMs` after that, a read of the
 *    document starts on that cluster while the cluster is in *good standing*: `up` and open to
 *    traffic (not drained or awaiting its probe), wherever the active cluster or a failback ramp
 *    would send it. A hold does not count here: a cluster left by a failover that then answered
 *    this write is the one cluster known to have it. Such a read is not hedged, and does not move
 *    on when its cluster falls silent: it moves on at its time limit or on an error, as any read
 *    did before suspicion, and is then said (below).
 * 2. **Handoff.** A write of such a document that routing sends to *another* cluster waits out
 *    the rest of the window first. When the cluster left is healthy, the previous write has
 *    replicated by then. When it failed (a failover), the previous write may ship only when it
 *    comes back, but the new write's timestamp is then later than the previous one's by the
 *    window (on clocks that agree within it), so last-writer-wins keeps the new one. The same wait
 *    applies when a write fails over to another cluster in flight. It happens at most once per
 *    document and move, and only to a document written less than a window ago.
 * 3. **Document-affine ramp.** During a failback ramp, a document moves back at one moment: when
 *    the ramp's share passes the document's affinity, a hash of its `_id` in [0, 1) (salted per
 *    store, so a fleet does not move the same documents first). Until then its reads and writes
 *    go to the cluster left, after it to the cluster failed back to. An operation with no `_id` (a
 *    find, a write of a document without a string or binary `_id`) draws its affinity at random,
 *    as the ramp did before. A find goes to the cluster of this store's latest acknowledged write
 *    while that is inside the window (in good standing), else where the ramp sends it.
 *
 * ```
 * windowMs 1000; c1 active; w = write of d, r = read of d; failback to c1 with d's moment at 4
 * c2 (left)    -w--r--------          d written on c2 at 1, read there at 4 (inside the window)
 * c1           ---------w-r-          d's write at 6 waits until 1001, then lands on c1; reads follow
 * ```
 *
 * What cannot be avoided, and is said: when the cluster that acknowledged a write inside the
 * window is not in good standing (it failed, or fell silent), the read is answered by another
 * cluster, which may not have the write yet. That read emits a `possibly-stale` event and counts
 * in `possiblyStaleReads`. A write may not have shipped when a cluster (the one that acknowledged
 * it, or the peer it ships to) was away inside its window, so it keeps counting after the window:
 * while that cluster is away, and for a window after it is back. A replication link that fails
 * while both clusters answer this store is invisible to it: past the window, a read may then be
 * stale without a word.
 *
 * The window should outlast the clusters' replication lag: the embedded gateways replicate within
 * a few milliseconds (see the README for the figures), and `windowMs` defaults to 1 000 ms to
 * leave room for real clusters under load.
 */
import type { DocumentId } from '../ojai/values.js'
import type { ClusterState } from './cluster-state.js'

/**
 * Read-your-writes across failover and failback (see the README's "Session consistency").
 * @category Failover
 */
export interface SessionOptions {
  /**
   * How long after its acknowledgment a write keeps its document's reads on the cluster that
   * acknowledged it, and holds back a move of its next write. Should outlast the clusters'
   * replication lag. Default 1 000 ms.
   */
  readonly windowMs?: number
  /** How many recently written documents are remembered (least recently written forgotten first). Default 10 000. */
  readonly maxDocuments?: number
}

/** @category Internals */
export const DEFAULT_SESSION: Required<SessionOptions> = Object.freeze({ windowMs: 1_000, maxDocuments: 10_000 })

/** Which cluster acknowledged this store's latest write of a document, and when (scheduler ms). */
export interface Acknowledgment {
  readonly cluster: number
  readonly at: number
}

/** The key of a document id: strings and binary ids never collide. */
export function keyOf(id: DocumentId): string {
  return typeof id === 'string' ? `s${id}` : `b${Buffer.from(id).toString('hex')}`
}

/**
 * A document's place in a failback ramp, in [0, 1): FNV-1a of its key, mixed with the store's
 * `salt`. The document moves back when the ramp's share exceeds it.
 */
export function affinityOf(key: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  // A final avalanche, so ids that differ in their last character spread over the whole range.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return (h >>> 0) / 0x1_0000_0000
}

/**
 * The acknowledgments of this store's recent writes: at most `maxDocuments`, least recently
 * written forgotten first (a Map keeps insertion order; a write moves its key to the end).
 */
export class RecentWrites {
  private readonly acks = new Map<string, Acknowledgment>()
  private latest: Acknowledgment | null = null

  constructor(private readonly options: Required<SessionOptions>) {}

  get windowMs(): number {
    return this.options.windowMs
  }

  /** Documents remembered now. */
  get size(): number {
    return this.acks.size
  }

  /** `cluster` acknowledged a write of the document `key` at scheduler time `now`. */
  acknowledged(key: string, cluster: number, now: number): void {
    const ack = { cluster, at: now }
    this.acks.delete(key)
    this.acks.set(key, ack)
    this.latest = ack
    if (this.acks.size > this.options.maxDocuments) this.acks.delete(this.acks.keys().next().value as string)
  }

  /** The acknowledgment of this store's latest write of `key`, if remembered, inside the window or not. */
  latestOf(key: string): Acknowledgment | undefined {
    return this.acks.size === 0 ? undefined : this.acks.get(key)
  }

  /** The acknowledgment of this store's latest write of any document, if it is inside the window at `now`. */
  latestWithin(now: number): Acknowledgment | undefined {
    const ack = this.latest
    return ack !== null && now - ack.at < this.options.windowMs ? ack : undefined
  }
}

/** Whether a cluster ever left `up`, and if so whether it is back (times in scheduler ms). */
type Reach =
  | { readonly kind: 'never-left' }
  | { readonly kind: 'away'; readonly leftAt: number }
  | { readonly kind: 'back'; readonly leftAt: number; readonly backAt: number }

/** A write that moves its document to `cluster`: it waits `waitMs` before its first attempt (rule 2). */
export interface Handoff {
  readonly cluster: number
  readonly waitMs: number
}

/** Where the operations of one document start, by the three rules of the module doc. */
export class Session {
  /** Null when the window is off (`session: false`): only the document-affine ramp applies. */
  private readonly recent: RecentWrites | null
  /** Drawn at the first ramp that needs it (a store that never ramps draws nothing from `random`). */
  private salt = -1
  /** Per cluster: when it last left `up`, and whether (and when) it came back (scheduler ms). */
  private readonly reach: Reach[]

  constructor(
    options: Required<SessionOptions> | false,
    clusters: number,
    private readonly state: ClusterState,
    private readonly random: () => number,
  ) {
    this.recent = options === false ? null : new RecentWrites(options)
    this.reach = Array.from({ length: clusters }, (): Reach => ({ kind: 'never-left' }))
  }

  /** Cluster `c` entered (`up`) or left `up` at `now`. */
  upChanged(c: number, up: boolean, now: number): void {
    const reach = this.reach[c] as Reach
    if (!up) this.reach[c] = { kind: 'away', leftAt: now }
    else if (reach.kind === 'away') this.reach[c] = { kind: 'back', leftAt: reach.leftAt, backAt: now }
  }

  /**
   * True when `ack`, past its window, may still not have shipped, as far as this store can tell: a
   * cluster (the one that acknowledged it, or a peer it ships to) was away at some time inside the
   * window, and is still away or came back less than a window ago (what was queued ships then).
   */
  private mayNotHaveShipped(ack: Acknowledgment, windowMs: number, now: number): boolean {
    for (const reach of this.reach) {
      if (reach.kind === 'never-left' || reach.leftAt >= ack.at + windowMs) continue
      if (reach.kind === 'away' || (reach.backAt > ack.at && now - reach.backAt < windowMs)) return true
    }
    return false
  }

  /** The document's place in a ramp, if one is in progress (else any value does: the ramp is not asked). */
  private affinity(key: string): number {
    if (!this.state.ramping) return 0
    if (this.salt < 0) this.salt = Math.floor(this.random() * 0x1_0000_0000)
    return affinityOf(key, this.salt)
  }

  /** Documents remembered now. */
  get remembered(): number {
    return this.recent?.size ?? 0
  }

  /**
   * The acknowledgment of this store's latest write of `key`, while inside the window at `now`;
   * after the window too while it may not have shipped (a cluster was away inside the window):
   * reads then go to that cluster while it answers, and one answered elsewhere is said.
   */
  ownWrite(key: string, now: number): Acknowledgment | undefined {
    const ack = this.recent?.latestOf(key)
    if (ack === undefined) return undefined
    const windowMs = (this.recent as RecentWrites).windowMs
    return now - ack.at < windowMs || this.mayNotHaveShipped(ack, windowMs, now) ? ack : undefined
  }

  /** `cluster` acknowledged a write of `key` at `now`. */
  acknowledged(key: string, cluster: number, now: number): void {
    this.recent?.acknowledged(key, cluster, now)
  }

  /** Where a read of `key` starts: the cluster of `ownWrite` while in good standing (rule 1), else by the ramp (rule 3). */
  placeRead(key: string, ownWrite: Acknowledgment | undefined): number {
    if (ownWrite !== undefined && this.state.answersAndIsOpen(ownWrite.cluster)) return ownWrite.cluster
    return this.state.startCluster(this.affinity(key))
  }

  /**
   * Where a write of `key` starts (rule 3), or how long it waits first when that moves the
   * document off the cluster of `ownWrite` inside its window (rule 2).
   */
  placeWrite(key: string, ownWrite: Acknowledgment | undefined, now: number): number | Handoff {
    const cluster = this.state.startCluster(this.affinity(key))
    const waitMs = this.handoffMs(ownWrite, cluster, now)
    return waitMs > 0 ? { cluster, waitMs } : cluster
  }

  /** How long a write sent to `cluster` at `now` waits first (rule 2): the rest of `ownWrite`'s window when it was elsewhere. */
  handoffMs(ownWrite: Acknowledgment | undefined, cluster: number, now: number): number {
    if (ownWrite === undefined || ownWrite.cluster === cluster) return 0
    return Math.max(0, ownWrite.at + (this.recent as RecentWrites).windowMs - now)
  }

  /** Where a find starts: with this store's latest write, while inside the window and in good standing; else by the ramp. */
  placeFind(now: number): number {
    const latest = this.recent?.latestWithin(now)
    if (latest !== undefined && this.state.answersAndIsOpen(latest.cluster)) return latest.cluster
    return this.state.startCluster()
  }
}
