/**
 * Operation and attempt lifecycles of every FailoverStore, published on `node:diagnostics_channel`
 * for whoever listens: `ojai-failover/otel` turns them into OpenTelemetry spans and metrics, an APM
 * agent or a test may subscribe to the channels directly.
 *
 * | channel                           | message            | when                                               |
 * |-----------------------------------|--------------------|----------------------------------------------------|
 * | `ojai-failover:operation:start`   | {@link OperationRecord} | an operation is subscribed (in the caller's context) |
 * | `ojai-failover:operation:end`     | the same record    | it completed, failed or was unsubscribed           |
 * | `ojai-failover:attempt:start`     | {@link AttemptRecord}   | an attempt on one cluster starts                   |
 * | `ojai-failover:attempt:end`       | the same record    | it ended for its operation (`outcome` set)         |
 * | `ojai-failover:attempt:settle`    | the same record    | an attempt that ended `left-running` finished its call (`settled` set) |
 *
 * Free when nobody listens: every hook first reads `hasSubscribers` and returns; no record is
 * built, and an operation is not even wrapped. A subscriber that arrives mid-operation sees only
 * the operations and attempts that start after it. Each record is one object, published at start
 * and again, completed, at its end, so a subscriber can key its own state by it. Store-wide
 * happenings (stalls, switches of the active cluster, health) are not published here: they are
 * on the store's `events$` and `health$`, which {@link FailoverStoreInfo} carries.
 *
 * The hooks in the core are one line each: {@link traceOperation} in FailoverStore.run, and the
 * `attempt*` functions at the start and each end of an attempt (steps/attempt.ts).
 */
import { channel } from 'node:diagnostics_channel'
import { Observable, type SchedulerLike, Subscriber } from 'rxjs'
import { isAvailabilityError, isUnsent } from '../ojai/errors.js'
import type { FailoverStrategy, Store } from '../store.js'
import type { ClusterStatus } from './cluster-state.js'
import type { FailoverStoreEvent } from './events.js'
import type { ClusterHealth } from './health.js'
import type { OperationName } from './policy.js'
import type { Run } from './run.js'

/**
 * The channel names, for `diagnostics_channel.subscribe(name, fn)`.
 * @category Observability
 */
export const CHANNELS = Object.freeze({
  operationStart: 'ojai-failover:operation:start',
  operationEnd: 'ojai-failover:operation:end',
  attemptStart: 'ojai-failover:attempt:start',
  attemptEnd: 'ojai-failover:attempt:end',
  attemptSettle: 'ojai-failover:attempt:settle',
} as const)

const operationStart = channel(CHANNELS.operationStart)
const operationEnd = channel(CHANNELS.operationEnd)
const attemptStart = channel(CHANNELS.attemptStart)
const attemptEnd = channel(CHANNELS.attemptEnd)
const attemptSettle = channel(CHANNELS.attemptSettle)

/**
 * One cluster of a FailoverStore as telemetry names it.
 * @category Observability
 */
export interface ClusterInfo {
  readonly name: string
  /** The gateway's `host:port`, when the cluster's store says (a driver DocumentStore does). */
  readonly target: string | undefined
}

/**
 * The FailoverStore an operation ran on: one object per store, the same in every record.
 * @category Observability
 */
export interface FailoverStoreInfo {
  /** The table path. */
  readonly path: string
  /** Primary first. */
  readonly clusters: readonly ClusterInfo[]
  /** The store's clock (asyncScheduler unless the caller gave one, e.g. a TestScheduler). */
  readonly scheduler: SchedulerLike
  readonly events$: Observable<FailoverStoreEvent>
  readonly health$: Observable<readonly ClusterHealth[]>
  readonly cluster$: Observable<ClusterStatus>
}

/**
 * Why an attempt ended, for its operation:
 * - `answered`: the cluster answered (a value, the end of a stream, or a semantic error such as
 *   DocumentExists, which any cluster would give);
 * - `failed`: an availability error that provably never reached a gateway (refused, unsent);
 * - `unknown`: an availability error after which the request may have been applied (reset, GOAWAY…);
 * - `timed-out`: no answer within its limit; the call was cancelled;
 * - `cancelled`: nobody wanted the answer any more (the other arm of a hedge won, the caller left);
 * - `left-running`: the operation moved on and the attempt keeps running: a write's attempt that
 *   timed out, until it settles, so the write is not acknowledged while it could still land (see
 *   steps/settle.ts); or a read's on a cluster that fell silent, as its witness (silence.ts).
 *   `settled` says how it ended.
 * @category Observability
 */
export type AttemptOutcome = 'answered' | 'failed' | 'unknown' | 'timed-out' | 'cancelled' | 'left-running'

/**
 * How an attempt left running ended: answered (applied), failed, or cancelled unanswered (its
 * operation ended first: UnsettledWriteError, close, or the caller left).
 * @category Observability
 */
export type SettleOutcome = 'answered' | 'failed' | 'cancelled'

/**
 * Why an attempt was made: `first` on the cluster the operation started on; `hedge` alongside a
 * slow first attempt still running; `failover` on another cluster after one failed or timed out
 * (a find's resume included); `retry` on a cluster this operation already tried.
 * @category Observability
 */
export type AttemptKind = 'first' | 'hedge' | 'failover' | 'retry'

/**
 * One operation. Published at start (`outcome` undefined) and again at its end.
 * @category Observability
 */
export interface OperationRecord {
  readonly store: FailoverStoreInfo
  readonly operation: OperationName
  readonly strategy: FailoverStrategy
  readonly hedged: boolean
  /** Attempts started so far. */
  attempts: number
  /** Index of every cluster contacted, in the order first contacted. */
  readonly contacted: number[]
  /** Attempts started and not yet ended (a `left-running` one has ended). */
  running: number
  /** The cluster whose attempt answered, or -1. */
  answeredOn: number
  /** find: documents delivered. */
  delivered: number
  /**
   * `ok` (completed, or a single-answer operation unsubscribed once it answered), `error` (see
   * `error`), `cancelled` (the caller unsubscribed before the answer, or in the middle of a find).
   */
  outcome: 'ok' | 'error' | 'cancelled' | undefined
  error: unknown
}

/**
 * One attempt of an operation on one cluster. Published at start, at its end (`outcome` set), and
 * for a `left-running` attempt once more when it settles (`settled` set).
 * @category Observability
 */
export interface AttemptRecord {
  readonly operation: OperationRecord
  /** 1-based, in start order. */
  readonly number: number
  readonly cluster: number
  readonly kind: AttemptKind
  /** A find continued on this attempt after this many documents; undefined otherwise. */
  readonly resumedAfter: number | undefined
  outcome: AttemptOutcome | undefined
  error: unknown
  settled: SettleOutcome | undefined
}

/** What the hooks need of an attempt (the Leg of steps/attempt.ts). */
interface AttemptLike {
  readonly cluster: number
}

/** The public face of a FailoverStore the store info is read from. */
interface StoreLike {
  readonly path: string
  readonly events$: Observable<FailoverStoreEvent>
  readonly health$: Observable<readonly ClusterHealth[]>
  readonly cluster$: Observable<ClusterStatus>
}

const stores = new WeakMap<object, FailoverStoreInfo>()
const operations = new WeakMap<object, OperationRecord>()
const attempts = new WeakMap<object, AttemptRecord>()

function storeInfo(store: StoreLike, run: Run<unknown>): FailoverStoreInfo {
  let info = stores.get(store)
  if (info === undefined) {
    const core = run.core
    info = Object.freeze({
      path: store.path,
      clusters: core.names.map((name, c) => ({ name, target: targetOf(core.stores[c]) })),
      scheduler: core.clock.scheduler,
      events$: store.events$,
      health$: store.health$,
      cluster$: store.cluster$,
    })
    stores.set(store, info)
  }
  return info
}

function targetOf(store: Store | undefined): string | undefined {
  const target = store?.target
  return typeof target === 'string' && target !== '' ? target : undefined
}

/**
 * Hook: FailoverStore.run, around the operation's pipeline. Returns `source` itself when nobody
 * listens; otherwise the same operation, published at subscribe and at its end.
 */
export function traceOperation<T>(store: StoreLike, run: Run<T>, hedged: boolean, source: Observable<T>): Observable<T> {
  if (!operationStart.hasSubscribers && !operationEnd.hasSubscribers) return source
  return new Observable<T>((out) => {
    const record: OperationRecord = {
      store: storeInfo(store, run as Run<unknown>),
      operation: run.name,
      strategy: run.strategy,
      hedged,
      attempts: 0,
      contacted: [],
      running: 0,
      answeredOn: -1,
      delivered: 0,
      outcome: undefined,
      error: undefined,
    }
    operations.set(run, record)
    operationStart.publish(record)
    let answered = false
    const end = (outcome: 'ok' | 'error' | 'cancelled', error?: unknown): void => {
      if (record.outcome !== undefined) return
      record.outcome = outcome
      record.error = error
      record.answeredOn = run.answeredOn
      record.delivered = run.delivered
      operations.delete(run)
      operationEnd.publish(record)
    }
    const inner = source.subscribe(
      new Subscriber<T>({
        next: (value) => {
          answered = true
          out.next(value)
        },
        error: (error: unknown) => {
          end('error', error)
          out.error(error)
        },
        complete: () => {
          end('ok')
          out.complete()
        },
      }),
    )
    return () => {
      inner.unsubscribe()
      // `firstValueFrom` lets go of a single-answer operation at its answer, before completion.
      end(answered && !run.streaming ? 'ok' : 'cancelled')
    }
  })
}

/** Hook: an attempt of `run` starts (first line of its start). */
export function attemptStarted(run: Run<unknown>, leg: AttemptLike): void {
  if (!attemptStart.hasSubscribers) return
  const op = operations.get(run)
  if (op === undefined) return
  const cluster = leg.cluster
  const seen = op.contacted.includes(cluster)
  const record: AttemptRecord = {
    operation: op,
    number: ++op.attempts,
    cluster,
    kind: op.attempts === 1 ? 'first' : op.running > 0 ? 'hedge' : seen ? 'retry' : 'failover',
    resumedAfter: run.resume?.delivered,
    outcome: undefined,
    error: undefined,
    settled: undefined,
  }
  if (!seen) op.contacted.push(cluster)
  op.running++
  attempts.set(leg, record)
  attemptStart.publish(record)
}

function end(leg: AttemptLike, outcome: AttemptOutcome, error?: unknown): void {
  const record = attempts.get(leg)
  if (record === undefined || record.outcome !== undefined) return
  record.outcome = outcome
  record.error = error
  record.operation.running--
  if (outcome !== 'left-running') attempts.delete(leg)
  attemptEnd.publish(record)
}

/** Hook: the attempt completed (its stream ended, or its single answer came). */
export function attemptAnswered(leg: AttemptLike): void {
  if (attemptEnd.hasSubscribers) end(leg, 'answered')
}

/** Hook: the attempt's store ended it with `error`: a semantic error is an answer. */
export function attemptFailed(leg: AttemptLike, error: unknown): void {
  if (!attemptEnd.hasSubscribers) return
  const outcome = !isAvailabilityError(error) ? 'answered' : isUnsent(error) ? 'failed' : 'unknown'
  end(leg, outcome, error)
}

/** Hook: the attempt passed its limit; a write's attempt may be left running to settle. */
export function attemptTimedOut(leg: AttemptLike, error: unknown, leftRunning: boolean): void {
  if (attemptEnd.hasSubscribers) end(leg, leftRunning ? 'left-running' : 'timed-out', error)
}

/**
 * Hook: the attempt was cancelled (also called after it ended, then nothing happens). After its
 * first answer (a find cut at its `$limit`, or left by the caller mid-stream) it counts as
 * answered; left running, it settles as cancelled.
 */
export function attemptCancelled(leg: AttemptLike, answered: boolean): void {
  if (!attemptEnd.hasSubscribers && !attemptSettle.hasSubscribers) return
  const record = attempts.get(leg)
  if (record === undefined) return
  if (record.outcome === 'left-running') attemptSettled(leg, 'cancelled')
  else end(leg, answered ? 'answered' : 'cancelled')
}

/** Hook: an attempt left running finished its call. */
export function attemptSettled(leg: AttemptLike, settled: SettleOutcome): void {
  if (!attemptSettle.hasSubscribers && !attemptEnd.hasSubscribers) return
  const record = attempts.get(leg)
  if (record === undefined || record.settled !== undefined) return
  record.settled = settled
  attempts.delete(leg)
  if (attemptSettle.hasSubscribers) attemptSettle.publish(record)
}
