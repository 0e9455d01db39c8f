/**
 * FailoverStore: one Store over N >= 2 replicated clusters (primary first). Swapping a plain
 * DocumentStore for it is one line; every operation is a cold Observable as before.
 *
 * ```ts
 * const store = new FailoverStore([
 *   { name: 'cluster1', store: conn1.store('/apps/users'), ping: () => conn1.ping() },
 *   { name: 'cluster2', store: conn2.store('/apps/users'), ping: () => conn2.ping() },
 * ], { timeoutMs: 500 })
 * ```
 *
 * Per operation (the pipeline in pipeline.ts): the attempt on the active cluster races `timeoutMs`
 * on the runnable clock (a stall of this process is not charged to the cluster); on a timeout or
 * availability error, and when the policy allows it, the operation moves on to the best cluster
 * by health, bounded by `secondaryTimeoutMs`; with nowhere better to go it keeps waiting instead;
 * semantic errors go straight to the caller. Across operations (see {@link ClusterState},
 * {@link HealthBook}, {@link Prober}): a failure of the active cluster switches it when a cluster
 * in better standing exists, later operations go straight to the new one, and the cluster left
 * behind comes back only after a hold and a successful probe.
 *
 * Constructing one never blocks and never touches the network: stores are used on demand.
 * `connectFailover` (lib/connect-failover.ts) builds one from connection strings and a table path.
 */
import { Observable, Subject } from 'rxjs'
import type { Logger } from 'pino'
import { closeGrace, GracefulClose, type CloseOptions } from '../graceful-close.js'
import { callOptionRules, checkCallOptions } from '../call-options.js'
import { integerIn, MAX_TIMER_MS, shown } from '../ojai/check-options.js'
import { ClosedError, InvalidArgumentError, UnavailableError } from '../ojai/errors.js'
import { didYouMean } from '../ojai/suggest.js'
import { Query } from '../ojai/query.js'
import type { Document, DocumentId, DocumentShape, Projected, WithId } from '../ojai/values.js'
import type {
  CallOptions,
  ConditionInput,
  FailoverStrategy,
  FindByIdOptions,
  FindOptions,
  MutationInput,
  OperationClass,
  QueryInput,
  Store,
  WholeDocumentOptions,
} from '../store.js'
import { Backoff } from './backoff.js'
import { ClusterState, type ClusterStatus, type RoutingMode } from './cluster-state.js'
import { UnknownClusterError } from './errors.js'
import { Demand } from './demand.js'
import { traceOperation } from './diagnostics.js'
import type { FailoverStoreEvent } from './events.js'
import { HealthBook, type ClusterHealth } from './health.js'
import { HedgeBudget } from './hedge-budget.js'
import { InFlight } from './in-flight.js'
import {
  maintenanceReason,
  resolveOptions,
  validateClusters,
  type ClusterConfig,
  type FailoverStoreOptions,
  type MaintenanceOptions,
  type ResolvedOptions,
} from './options.js'
import { operation } from './pipeline.js'
import { classify, OPERATION_NAMES, Policy, READ_OPERATIONS, settlesBeforeAck, type OperationName } from './policy.js'
import { Prober } from './prober.js'
import { Run, type AttemptFactory, type Core, type FindPlan } from './run.js'
import { keyOf, Session, type Acknowledgment, type Handoff } from './session.js'
import { SilenceWatch, type Silence } from './silence.js'
import { WriteFence } from './write-fence.js'
import { abandonWitnesses, moveReadsOff } from './steps/attempt.js'
import { StatsRecorder, type FailoverStats } from './stats.js'
import { StickyHold } from './sticky-hold.js'
import { Timekeeper } from './timekeeper.js'

/** Keys of CallOptions / FindOptions that only the FailoverStore reads; not forwarded to cluster stores. */
const FAILOVER_ONLY = new Set(['timeoutMs', 'strategy', 'hedge', 'allowRestart'])

/**
 * The options to hand to a cluster's store: without the failover-only keys (a DocumentStore
 * would take `timeoutMs` as its gRPC deadline and cut the secondary's longer bound short).
 */
function forward<O extends CallOptions>(options: O | undefined): O | undefined {
  // Anything but an object is refused when the operation is subscribed (checkCallOptions), before any attempt.
  if (typeof options !== 'object' || options === null) return undefined
  let out: Record<string, unknown> | undefined
  for (const key of Object.keys(options)) {
    if (FAILOVER_ONLY.has(key)) continue
    ;(out ??= {})[key] = (options as Record<string, unknown>)[key]
  }
  return out as O | undefined
}

/** An `_id` the write fence and the session can key on; anything else is the cluster store's to refuse. */
function keyable(id: unknown): DocumentId | undefined {
  return typeof id === 'string' || id instanceof Uint8Array ? id : undefined
}

/** The `_id` of a document to write, when keyable. */
function idOf(doc: { readonly _id?: unknown }): DocumentId | undefined {
  return keyable((doc as { _id?: unknown } | null | undefined)?._id)
}

/** Per-call options as the driver takes them, but a time limit is always a bound (integer ms). */
const CALL_OPTIONS = callOptionRules(integerIn(1, MAX_TIMER_MS))

/** A primary-only operation while an operator drained the primary: refused, nothing sent. */
function drainedPrimary(mode: RoutingMode, primary: string, operation: OperationName): UnavailableError {
  const why = mode.kind === 'automatic' || mode.reason === undefined ? '' : ` (${mode.reason})`
  return new UnavailableError(`${operation} is primary-only and the primary ${primary} is drained for maintenance${why}; not sent`, {
    unsent: true,
  })
}

class Context implements Core {
  readonly stores: readonly Store[]
  readonly names: readonly string[]
  readonly clock: Timekeeper
  readonly health: HealthBook
  readonly state: ClusterState
  readonly stats: StatsRecorder
  readonly budget: HedgeBudget
  readonly silence: SilenceWatch
  readonly fence: WriteFence
  readonly session: Session
  readonly policy: Policy
  readonly demand: Demand
  readonly inFlight = new InFlight<Run<unknown>>()
  readonly events = new Subject<FailoverStoreEvent>()
  readonly secondaryTimeoutMs: number
  readonly settleMs: number
  closed = false
  private readonly logger: Logger | undefined
  private readonly percentileCache: { samples: number; value: number }[]

  constructor(
    clusters: readonly ClusterConfig[],
    readonly o: ResolvedOptions,
  ) {
    const scheduler = o.scheduler
    this.stores = clusters.map((c) => c.store)
    this.names = clusters.map((c) => c.name)
    this.secondaryTimeoutMs = o.secondaryTimeoutMs
    this.settleMs = o.settleMs
    this.stats = new StatsRecorder(this.names)
    this.silence = new SilenceWatch(
      this.names.length,
      o.silence,
      (c) => this.health.of(c).state === 'up',
      (silence) => this.onSilent(silence),
    )
    this.clock = new Timekeeper(
      scheduler,
      o.stall,
      (stall) =>
        this.emit({
          type: 'stall',
          cluster: this.state.status.name,
          operation: 'clock',
          at: stall.at,
          elapsedMs: stall.stalledMs,
          stalledMs: stall.stalledMs,
        }),
      (now) => this.silence.check(now),
    )
    this.health = new HealthBook(this.names, scheduler.now())
    this.fence = new WriteFence(this.names, this.health, o.settleMs)
    this.state = new ClusterState(
      this.names,
      this.health,
      new StickyHold(o.hold, o.random),
      scheduler,
      this.stats,
      (e) => this.emit(e),
      o.failback,
      o.random,
    )
    this.session = new Session(o.session, this.names.length, this.state, o.random)
    this.watchHealth()
    this.budget = new HedgeBudget(o.hedge.budget)
    this.policy = new Policy(o.policy)
    this.demand = new Demand(scheduler, o.lingerMs)
    this.logger = o.logger
    this.percentileCache = this.names.map(() => ({ samples: -1, value: 0 }))
  }

  /**
   * What a cluster entering or leaving `up` tells the silence watch and the session: a cluster that
   * comes back up (a probe answered, or an operation) is heard from then, whatever its stragglers;
   * one that leaves `up` may hold writes that never replicated (session.ts).
   */
  private watchHealth(): void {
    let before = this.health.current
    this.health.health$.subscribe((view) => {
      for (let c = 0; c < view.length; c++) {
        const up = view[c]?.state === 'up'
        if (up === (before[c]?.state === 'up')) continue
        if (up) this.silence.heard(c, this.clock.now(), -1)
        this.session.upChanged(c, up, this.clock.scheduler.now())
      }
      before = view
    })
  }

  /** The silence watch found a cluster silent: it becomes suspect, and the reads waiting on it move on. */
  private onSilent({ cluster, silentMs, thresholdMs, outstanding }: Silence): void {
    if (!this.state.silent(cluster, `SILENT: no answer for ${silentMs} ms (threshold ${thresholdMs} ms)`)) return
    this.stats.silences++
    const at = this.clock.scheduler.now()
    this.emit({
      type: 'silent',
      cluster: this.names[cluster] ?? String(cluster),
      operation: 'silence',
      at,
      elapsedMs: silentMs,
      silentMs,
      thresholdMs,
      outstanding,
    })
    this.stats.silenceReissues += moveReadsOff(this, cluster, silentMs)
  }

  /**
   * Where an operation starts: by its strategy (`primary-only`: the primary, `current-only`: the
   * active cluster), else by the session rules (session.ts) for a find and for an operation on one
   * document, and by the routing mode and the ramp for anything else. A write that moves its
   * document to another cluster waits first (a {@link Handoff}).
   */
  place(
    strategy: FailoverStrategy,
    isRead: boolean,
    isFind: boolean,
    key: string | undefined,
    ownWrite: Acknowledgment | undefined,
    now: number,
  ): number | Handoff {
    if (strategy === 'primary-only') return 0
    if (strategy === 'current-only') return this.state.active
    if (isFind) return this.session.placeFind(now)
    if (key === undefined) return this.state.startCluster()
    if (isRead) return this.session.placeRead(key, ownWrite)
    const placed = this.session.placeWrite(key, ownWrite, now)
    if (typeof placed !== 'number') this.stats.handoffs++
    return placed
  }

  hedgeDelay(cluster: number): number {
    const delay = this.o.hedge.delay
    if (typeof delay === 'number') return delay
    const samples = this.stats.samples(cluster, 'findById')
    if (samples < delay.minSamples) return delay.fallbackMs
    // getValueAtPercentile walks the histogram: refresh the cached value every 16 samples only.
    const cache = this.percentileCache[cluster] as { samples: number; value: number }
    if (cache.samples < 0 || samples - cache.samples >= 16) {
      cache.samples = samples
      cache.value = this.stats.percentile(cluster, 'findById', delay.percentile, delay.minSamples) ?? delay.fallbackMs
    }
    return Math.max(delay.minMs, cache.value)
  }

  emit(event: FailoverStoreEvent): void {
    this.logger?.debug({ event }, `ojai-failover ${event.type} ${event.operation} on ${event.cluster}`)
    this.events.next(event)
  }
}

/**
 * `T` types the documents (default: untyped {@link Document}), inferred from the clusters' stores:
 * `new FailoverStore([{ name, store: conn1.store<User>(path) }, …])` is a `FailoverStore<User>`.
 * A plain `Store` (of `Document`) is not a `Store<User>`: type the cluster stores, or use
 * `connectFailover<User>`. `T` is the caller's promise, not checked at run time (see {@link Store}).
 * @category Failover
 */
export class FailoverStore<T extends DocumentShape<T> = Document> implements Store<T> {
  readonly path: string
  /** The active cluster, since when and why; replays the current status on subscribe. Completes on close(). */
  readonly cluster$: Observable<ClusterStatus>
  /**
   * Health of every cluster (up / suspect / down, since, why, hold), from real operations and
   * probes; replays the current view on subscribe and emits on every change. Completes on close().
   */
  readonly health$: Observable<readonly ClusterHealth[]>
  /** Failovers, failbacks, reroutes, timeouts, stalls, probes, hedges and give-ups as they happen. Completes on close(). */
  readonly events$: Observable<FailoverStoreEvent>
  private readonly ctx: Context
  private readonly prober: Prober
  private readonly clusters: readonly ClusterConfig[]
  private readonly lifecycle: GracefulClose

  constructor(typedClusters: readonly ClusterConfig<T>[], options?: FailoverStoreOptions) {
    // The boundary of T: the failover core moves untyped documents between stores and callers
    // (T's fields are all Values); findById and find hand them back as T, the caller's promise.
    const clusters = typedClusters as readonly ClusterConfig[]
    validateClusters(clusters)
    // A copy: the caller's array may change later, close() must see the clusters it was built with.
    this.clusters = [...clusters]
    const o = resolveOptions(options)
    this.ctx = new Context(clusters, o)
    this.path = clusters[0]?.store.path ?? ''
    this.cluster$ = this.ctx.state.cluster$
    this.health$ = this.ctx.health.health$
    this.events$ = this.ctx.events.asObservable()
    this.prober = new Prober({
      clusters,
      state: this.ctx.state,
      health: this.ctx.health,
      demand$: this.ctx.demand.demand$,
      scheduler: o.scheduler,
      backoff: new Backoff(o.backoff, o.random),
      probeId: o.probeId,
      probeTimeoutMs: o.probeTimeoutMs,
      clock: this.ctx.clock,
      stats: this.ctx.stats,
      emit: (e) => this.ctx.emit(e),
    })
    this.prober.start()
    this.lifecycle = new GracefulClose(o.scheduler, {
      inFlight: () => this.ctx.inFlight.size,
      cutOff: () => this.cutOff(),
      release: () => this.shutDown(),
    })
  }

  /** The current status of `cluster$`. */
  get cluster(): ClusterStatus {
    return this.ctx.state.status
  }

  /** True from the first `close()` call on: new operations fail with ClosedError. */
  get closed(): boolean {
    return this.ctx.closed
  }

  /** What `JSON.stringify` shows: names and state, never the cluster stores (or their credentials). */
  toJSON(): { path: string; clusters: readonly string[]; active: string; closed: boolean } {
    return { path: this.path, clusters: this.ctx.names, active: this.ctx.state.status.name, closed: this.ctx.closed }
  }

  /** What `util.inspect` and `console.log` show: the same as {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `FailoverStore ${JSON.stringify(this.toJSON())}`
  }

  findById(id: DocumentId, options?: WholeDocumentOptions): Observable<T | null>
  findById(id: DocumentId, options?: FindByIdOptions): Observable<Projected<T> | null>
  findById(id: DocumentId, options?: FindByIdOptions): Observable<T | Projected<T> | null> {
    const fwd = forward(options)
    return this.run<Document | null>('findById', keyable(id), undefined, options, (s) => s.findById(id, fwd)) as Observable<T | null>
  }

  find(query?: QueryInput, options?: FindOptions): Observable<T> {
    const fwd = forward(options)
    let parsed: Query | undefined
    const parse = (): Query => (parsed ??= Query.from(query))
    const plan: FindPlan = {
      allowRestart: options?.allowRestart === true,
      isIdOrdered: () => parse().isIdOrdered,
      limit: () => parse().limit,
    }
    return this.run<Document>(
      'find',
      undefined,
      undefined,
      options,
      (s, resume) => (resume === undefined ? s.find(query, fwd) : s.find(parse().resumeAfter(resume.lastId, resume.delivered), fwd)),
      plan,
    ) as Observable<T>
  }

  insertOrReplace(doc: WithId<T>, options?: CallOptions): Observable<void> {
    const fwd = forward(options)
    return this.run<void>('insertOrReplace', idOf(doc), undefined, options, (s) => s.insertOrReplace(doc, fwd))
  }

  insert(doc: WithId<T>, options?: CallOptions): Observable<void> {
    const fwd = forward(options)
    return this.run<void>('insert', idOf(doc), undefined, options, (s) => s.insert(doc, fwd))
  }

  replace(doc: WithId<T>, options?: CallOptions): Observable<void> {
    const fwd = forward(options)
    return this.run<void>('replace', idOf(doc), undefined, options, (s) => s.replace(doc, fwd))
  }

  update(id: DocumentId, mutation: MutationInput, options?: CallOptions): Observable<void> {
    const fwd = forward(options)
    return this.run<void>('update', keyable(id), mutation, options, (s) => s.update(id, mutation, fwd))
  }

  increment(id: DocumentId, field: string, by: number | bigint, options?: CallOptions): Observable<void> {
    const fwd = forward(options)
    return this.run<void>('increment', keyable(id), undefined, options, (s) => s.increment(id, field, by, fwd))
  }

  delete(id: DocumentId, options?: CallOptions): Observable<void> {
    const fwd = forward(options)
    return this.run<void>('delete', keyable(id), undefined, options, (s) => s.delete(id, fwd))
  }

  checkAndMutate(id: DocumentId, condition: ConditionInput, mutation: MutationInput, options?: CallOptions): Observable<boolean> {
    const fwd = forward(options)
    return this.run<boolean>('checkAndMutate', keyable(id), mutation, options, (s) => s.checkAndMutate(id, condition, mutation, fwd))
  }

  checkAndReplace(doc: WithId<T>, condition: ConditionInput, options?: CallOptions): Observable<boolean> {
    const fwd = forward(options)
    return this.run<boolean>('checkAndReplace', idOf(doc), undefined, options, (s) => s.checkAndReplace(doc, condition, fwd))
  }

  checkAndDelete(id: DocumentId, condition: ConditionInput, options?: CallOptions): Observable<boolean> {
    const fwd = forward(options)
    return this.run<boolean>('checkAndDelete', keyable(id), undefined, options, (s) => s.checkAndDelete(id, condition, fwd))
  }

  /**
   * The class an operation would run under (for update / checkAndMutate: by its mutation).
   * Throws InvalidArgumentError for a name that is not a Store operation, InvalidMutationError
   * for a mutation that is malformed or empty.
   */
  classOf(operation: OperationName, mutation?: MutationInput): OperationClass {
    if (!OPERATION_NAMES.includes(operation)) {
      throw new InvalidArgumentError(
        `classOf: ${typeof operation === 'string' ? JSON.stringify(operation) : shown(operation)} is not a Store operation${didYouMean(String(operation), OPERATION_NAMES)}`,
      )
    }
    return classify(operation, mutation)
  }

  /** Counters, latency percentiles per cluster and operation, in-flight operations and live timers. */
  stats(): FailoverStats {
    const ctx = this.ctx
    const s = ctx.state.status
    return ctx.stats.snapshot({ index: s.index, name: s.name }, ctx.inFlight.size, ctx.clock, ctx.session.remembered)
  }

  /**
   * Maintenance: makes `cluster` the active cluster and holds it there until {@link release}; every
   * other cluster is drained (no operation starts on it or moves to it, no probe). The active
   * cluster no longer changes by itself: an operation whose attempt on the pinned cluster fails
   * waits on it up to `secondaryTimeoutMs`, then fails, and never goes to a drained cluster.
   * Operations already running elsewhere are not stopped (they move on only to the pinned one).
   * The pin obeys even when health says the cluster is down: the operator decides. Visible in
   * `cluster$` (`routing`, and `reason: 'operator'` when the active cluster moved) and `events$`
   * (`pinned`, the one event of that move). A later `pin` or `drain` replaces it.
   *
   * Throws UnknownClusterError (listing the names) for a name the store does not have,
   * InvalidOptionsError for bad options, ClosedError after `close()`; nothing changes then.
   */
  pin(cluster: string, options?: MaintenanceOptions): void {
    const reason = this.maintenance(options)
    this.ctx.state.pin(this.indexOf(cluster), reason)
  }

  /**
   * Maintenance: the named clusters get no traffic until {@link release} (no operation starts on
   * them or moves to them, no probe); routing stays automatic among the others. When the active
   * cluster is drained, the best of the others becomes active at once. At least one cluster must
   * stay (InvalidArgumentError otherwise). Otherwise as {@link pin}: `drained` event, same errors;
   * a later `pin` or `drain` replaces it (it does not add to it); a cluster the new one no longer
   * drains is released as by {@link release}.
   */
  drain(clusters: string | readonly string[], options?: MaintenanceOptions): void {
    const reason = this.maintenance(options)
    const names = typeof clusters === 'string' ? [clusters] : clusters
    if (!Array.isArray(names) || names.length === 0)
      throw new InvalidArgumentError('drain needs a cluster name or a non-empty array of names')
    let mask = 0
    for (const name of names) mask |= 1 << this.indexOf(name)
    if (mask === (1 << this.ctx.names.length) - 1)
      throw new InvalidArgumentError(`drain would leave no cluster to serve (${this.ctx.names.join(', ')}); drain fewer, or pin one`)
    this.ctx.state.drain(mask, reason)
  }

  /**
   * Ends a {@link pin} or {@link drain}: routing is automatic again (`released` event). Each
   * drained cluster is probed at once and gets no operation until its own probe succeeds (another
   * cluster's probe does not count); then it takes traffic again, and a failback to it, when it
   * ranks above the active cluster, takes the usual ramp. Does nothing under automatic routing.
   * ClosedError after `close()`.
   */
  release(): void {
    this.maintenance(undefined)
    this.ctx.state.release()
  }

  /** Checks a maintenance call: the store open, the options valid; returns the reason. */
  private maintenance(options: MaintenanceOptions | undefined): string | undefined {
    if (this.ctx.closed) throw new ClosedError(`FailoverStore ${this.path} is closed`)
    return maintenanceReason(options)
  }

  private indexOf(cluster: string): number {
    const index = typeof cluster === 'string' ? this.ctx.names.indexOf(cluster) : -1
    if (index < 0) throw new UnknownClusterError(String(cluster), this.ctx.names)
    return index
  }

  /**
   * Closes the store. New operations fail with ClosedError at once; operations in flight (find
   * streams and writes waiting for an attempt they left behind included) may finish within
   * `graceMs` (default: the `closeGraceMs` option, 10 s), keeping their normal failover behaviour;
   * whatever is still running then is cancelled (its gRPC calls with it) and ends with ClosedError.
   * `close({ graceMs: 0 })` cancels them at once. Probes stop at once: no failback starts during the
   * grace.
   *
   * Once no operation is left, `cluster$`, `health$` and `events$` complete, every timer is
   * released, and each cluster's `close` is called (in cluster order), if it has one: stores passed
   * in without `close` are not closed, their owner (who created the connections) closes them.
   * The promise resolves when all of that is done; it never rejects because operations were
   * cancelled. Every cluster's `close` is called even if an earlier one fails; the promise then
   * rejects with the first such failure. Idempotent: a second call returns the same promise (and
   * a shorter `graceMs` brings the cut-off forward). Bad options reject without closing anything.
   */
  close(options?: CloseOptions): Promise<void> {
    let graceMs: number
    try {
      graceMs = closeGrace(options, this.ctx.o.closeGraceMs)
    } catch (error) {
      return Promise.reject(error)
    }
    const ctx = this.ctx
    if (!ctx.closed) {
      ctx.closed = true
      this.prober.stop()
    }
    return this.lifecycle.close(graceMs)
  }

  /** Ends every operation still in flight with ClosedError: the end of the grace. */
  private cutOff(): void {
    for (const run of this.ctx.inFlight.toArray())
      run.subscriber?.error(new ClosedError(`FailoverStore ${this.path} was closed during ${run.name}`))
  }

  /** Once no operation is left: streams complete, timers go, clusters close. */
  private async shutDown(): Promise<void> {
    const ctx = this.ctx
    abandonWitnesses(ctx)
    ctx.clock.dispose()
    ctx.demand.stop()
    ctx.state.complete()
    ctx.health.complete()
    ctx.events.complete()
    const results = await Promise.allSettled(this.clusters.map(async (cluster) => cluster.close?.()))
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure !== undefined) throw failure.reason
  }

  /**
   * One operation. `document`: the `_id` it acts on, if any. It places the operation (session.ts),
   * and fences a write: a fenced document's write fails at once with PendingWriteError
   * (write-fence.ts). Reads are never fenced.
   */
  private run<T>(
    name: OperationName,
    document: DocumentId | undefined,
    mutation: MutationInput | undefined,
    options: CallOptions | undefined,
    attempt: AttemptFactory<T>,
    find?: FindPlan,
  ): Observable<T> {
    const ctx = this.ctx
    return new Observable<T>((subscriber) => {
      if (ctx.closed) {
        subscriber.error(new ClosedError(`FailoverStore ${this.path} is closed`))
        return undefined
      }
      let run: Run<T>
      let hedged: boolean
      try {
        checkCallOptions(name, options, CALL_OPTIONS)
        const perCall = options?.strategy
        const timeoutMs = options?.timeoutMs ?? ctx.o.timeoutMs
        const cls = classify(name, mutation)
        const strategy = ctx.policy.strategy(cls, perCall)
        if (strategy === 'primary-only' && ctx.state.isDrained(0)) throw drainedPrimary(ctx.state.status.routing, ctx.names[0] ?? '', name)
        hedged = name === 'findById' && strategy === 'failover' && (options?.hedge ?? ctx.o.hedge.enabled)
        const now = ctx.clock.scheduler.now()
        const isRead = READ_OPERATIONS.has(name)
        const fenced = document === undefined || isRead ? undefined : ctx.fence.check(name, document, now)
        if (fenced !== undefined) {
          ctx.stats.fencedWrites++
          throw fenced
        }
        const key = document === undefined ? undefined : keyOf(document)
        const ownWrite = key === undefined ? undefined : ctx.session.ownWrite(key, now)
        const placed = ctx.place(strategy, isRead, find !== undefined, key, ownWrite, now)
        const first = typeof placed === 'number' ? placed : placed.cluster
        const handoffMs = typeof placed === 'number' ? 0 : placed.waitMs
        run = new Run<T>(
          ctx,
          name,
          strategy,
          settlesBeforeAck(name, cls),
          timeoutMs,
          attempt,
          find,
          first,
          document,
          key,
          ownWrite,
          handoffMs,
        )
      } catch (error) {
        subscriber.error(error)
        return undefined
      }
      run.subscriber = subscriber
      ctx.inFlight.add(run as Run<unknown>)
      ctx.demand.begin()
      const inner = traceOperation(this, run, hedged, operation(run, hedged)).subscribe(subscriber)
      return () => {
        inner.unsubscribe()
        // Whatever may still land of this write fences its document (write-fence.ts).
        if (document !== undefined && !run.isRead) ctx.fence.raise(document, run.inDoubt(), ctx.clock.scheduler.now())
        run.dispose()
        ctx.inFlight.delete(run as Run<unknown>)
        ctx.demand.end()
        this.lifecycle.ended()
      }
    })
  }
}
