/**
 * A modelled cluster: a `Store` (and a `ping`) with a capacity, a latency distribution, a FIFO
 * queue when it is over capacity, and faults. It answers on the fleet's virtual clock and counts
 * every request the fleet sends it, per second of virtual time.
 *
 * Service model: the cluster starts one request every `1000 / capacityPerSec` ms at most (a
 * request that finds it busy waits in the queue, in arrival order); a started request answers
 * after a latency drawn from a log-normal distribution (the cluster's own work plus the network,
 * independent of the queue). A caller that gives up (its operation timed out and was unsubscribed)
 * cancels the call: a request still queued leaves the queue without using capacity, as a cancelled
 * gRPC call that no handler has picked up yet; one already started has used its slot.
 *
 * | fault        | a request sent to the cluster                                            |
 * |--------------|--------------------------------------------------------------------------|
 * | `black-hole` | is never answered (nothing comes back; the caller's limit ends it)       |
 * | `refuse`     | fails after `refuseMs` with UNAVAILABLE, provably unsent (connection refused) |
 * | `slow`       | is served as usual, its latency multiplied by `factor`                   |
 *
 * Load is what the fleet *sends*: operations, hedges, probe pings and probe reads, whatever the
 * fault does with them; that is the cluster's request rate an operator would see at its door.
 */
import { Observable, type Subscriber, type Subscription } from 'rxjs'
import { UnavailableError, UnsupportedOperationError } from '../../lib/ojai/errors.js'
import type { Document, DocumentId } from '../../lib/ojai/values.js'
import type { Store } from '../../lib/store.js'
import type { Random } from '../../lib/chaos/distribution.js'
import type { FleetScheduler } from './scheduler.js'

export type Fault =
  | { readonly kind: 'none' }
  | { readonly kind: 'black-hole' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'slow'; readonly factor: number }

export const HEALTHY: Fault = Object.freeze({ kind: 'none' })

export interface LatencyModel {
  /** Median latency of a served request, ms. */
  readonly medianMs: number
  /** Log-normal shape: p99 is about `medianMs * exp(2.33 * sigma)`. */
  readonly sigma: number
}

export interface ClusterModelOptions {
  readonly name: string
  /** Requests the cluster starts per virtual second at most. */
  readonly capacityPerSec: number
  readonly latency: LatencyModel
  readonly scheduler: FleetScheduler
  readonly random: Random
  /** Width of a load bucket, ms. Default 1000. */
  readonly bucketMs?: number
  /** Key of the probes' read, to count probe reads apart from operations. */
  readonly probeId: DocumentId
  /** Delay of a refusal, ms. Default 1. */
  readonly refuseMs?: number
}

const ANSWER: Document = Object.freeze({ _id: 'k', v: 1 }) as Document

/** What a request is for: the load figures count probes apart from operations. */
export type RequestKind = 'op' | 'probe'

/** Load counters of one cluster, one entry per bucket of virtual time. */
export class LoadSeries {
  /** Requests sent to the cluster (operations, hedges, probe pings and reads). */
  readonly sent: number[] = []
  /** Of which probe pings and probe reads. */
  readonly probes: number[] = []
  /** Requests the cluster started serving. */
  readonly served: number[] = []

  constructor(readonly bucketMs: number) {}

  add(series: number[], at: number): void {
    const b = Math.floor(at / this.bucketMs)
    while (series.length <= b) series.push(0)
    series[b] = (series[b] as number) + 1
  }
}

class Request<T> {
  queued = true
  cancelled = false
  answer: Subscription | null = null

  constructor(
    readonly cluster: ModelCluster,
    readonly subscriber: Subscriber<T>,
    readonly value: T,
    /** A ping: completes without a value. */
    readonly silent: boolean,
  ) {}

  /** Teardown: the caller let go. */
  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    if (this.queued) this.cluster.cancelledInQueue++
    this.answer?.unsubscribe()
  }
}

function deliver<T>(this: unknown, request: Request<T> | undefined): void {
  if (request === undefined || request.cancelled) return
  if (!request.silent) request.subscriber.next(request.value)
  request.subscriber.complete()
}

function refuse(this: unknown, subscriber: Subscriber<unknown> | undefined): void {
  subscriber?.error(new UnavailableError('connection refused (modelled)', { unsent: true }))
}

function drain(this: unknown, cluster: ModelCluster | undefined): void {
  cluster?.onDrain()
}

export class ModelCluster implements Store {
  readonly path = '/fleet/table'
  readonly name: string
  fault: Fault = HEALTHY
  readonly load: LoadSeries
  /** Requests that left the queue because their caller gave up before they were started. */
  cancelledInQueue = 0
  /** Longest the queue has been. */
  maxQueue = 0
  /** Pings received: one per probe (every probe starts with one). */
  pings = 0
  private readonly intervalMs: number
  private readonly latency: LatencyModel
  private readonly scheduler: FleetScheduler
  private readonly random: Random
  private readonly probeId: DocumentId
  private readonly refuseMs: number
  private queue: Request<unknown>[] = []
  private head = 0
  private nextFree = 0
  private draining: Subscription | null = null
  private spareNormal: number | null = null

  constructor(o: ClusterModelOptions) {
    if (!(o.capacityPerSec > 0)) throw new RangeError(`capacityPerSec must be positive, got ${o.capacityPerSec}`)
    this.name = o.name
    this.intervalMs = 1000 / o.capacityPerSec
    this.latency = o.latency
    this.scheduler = o.scheduler
    this.random = o.random
    this.probeId = o.probeId
    this.refuseMs = o.refuseMs ?? 1
    this.load = new LoadSeries(o.bucketMs ?? 1000)
  }

  /** Requests waiting to be started. */
  get queueLength(): number {
    return this.queue.length - this.head
  }

  /** The probe's liveness check (the gateway's Ping). */
  ping(): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      this.pings++
      return this.request<unknown>('probe', undefined, true).subscribe(subscriber)
    })
  }

  findById(id: DocumentId): Observable<Document | null> {
    return this.request<Document | null>(id === this.probeId ? 'probe' : 'op', ANSWER, false)
  }

  insertOrReplace(): Observable<void> {
    return this.request<void>('op', undefined, false)
  }
  insert(): Observable<void> {
    return this.request<void>('op', undefined, false)
  }
  replace(): Observable<void> {
    return this.request<void>('op', undefined, false)
  }
  update(): Observable<void> {
    return this.request<void>('op', undefined, false)
  }
  increment(): Observable<void> {
    return this.request<void>('op', undefined, false)
  }
  delete(): Observable<void> {
    return this.request<void>('op', undefined, false)
  }
  checkAndMutate(): Observable<boolean> {
    return this.request<boolean>('op', true, false)
  }
  checkAndReplace(): Observable<boolean> {
    return this.request<boolean>('op', true, false)
  }
  checkAndDelete(): Observable<boolean> {
    return this.request<boolean>('op', true, false)
  }
  find(): Observable<Document> {
    return new Observable<Document>((subscriber) =>
      subscriber.error(new UnsupportedOperationError('the modelled cluster serves single-document operations only')),
    )
  }

  /** One call: on answer `value` is emitted (not for a `silent` ping), then completion. Cold. */
  private request<T>(kind: RequestKind, value: T, silent: boolean): Observable<T> {
    return new Observable<T>((subscriber) => {
      const now = this.scheduler.now()
      this.load.add(this.load.sent, now)
      if (kind === 'probe') this.load.add(this.load.probes, now)
      switch (this.fault.kind) {
        case 'black-hole':
          return undefined
        case 'refuse': {
          const refusal = this.scheduler.schedule(refuse, this.refuseMs, subscriber as Subscriber<unknown>)
          return () => refusal.unsubscribe()
        }
        default: {
          const r = new Request<T>(this, subscriber, value, silent)
          this.enqueue(r as Request<unknown>)
          return () => r.cancel()
        }
      }
    })
  }

  private enqueue(r: Request<unknown>): void {
    const now = this.scheduler.now()
    if (this.queueLength === 0 && this.nextFree <= now) return this.start(r, now, now)
    this.queue.push(r)
    if (this.queueLength > this.maxQueue) this.maxQueue = this.queueLength
    if (this.draining === null) this.draining = this.scheduler.schedule(drain, Math.max(0, this.nextFree - now), this)
  }

  /** @internal slots have come free: start what waits, one request per slot. */
  onDrain(): void {
    this.draining = null
    const now = this.scheduler.now()
    // The clock moves in whole ms and a slot may be shorter: use every slot that began by now.
    while (this.head < this.queue.length && this.nextFree <= now) {
      const r = this.queue[this.head] as Request<unknown>
      this.queue[this.head++] = undefined as unknown as Request<unknown>
      r.queued = false
      if (r.cancelled) continue
      this.start(r, this.nextFree, now)
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    if (this.queueLength > 0) this.draining = this.scheduler.schedule(drain, Math.max(0, this.nextFree - now), this)
  }

  /** Starts `r` in the slot beginning at `slot`, now. */
  private start(r: Request<unknown>, slot: number, now: number): void {
    r.queued = false
    this.nextFree = slot + this.intervalMs
    this.load.add(this.load.served, now)
    const factor = this.fault.kind === 'slow' ? this.fault.factor : 1
    const latency = this.sampleLatency() * factor
    r.answer = this.scheduler.schedule(deliver, latency, r)
  }

  /** Log-normal latency (Box-Muller from the cluster's own random source). */
  private sampleLatency(): number {
    let z = this.spareNormal
    if (z === null) {
      const u = 1 - this.random()
      const v = this.random()
      const r = Math.sqrt(-2 * Math.log(u))
      z = r * Math.cos(2 * Math.PI * v)
      this.spareNormal = r * Math.sin(2 * Math.PI * v)
    } else this.spareNormal = null
    return this.latency.medianMs * Math.exp(this.latency.sigma * z)
  }
}
