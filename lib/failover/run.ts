/**
 * What the steps of one operation share: the store-wide {@link Core} and the operation's own
 * {@link Run} (clusters tried, causes, find progress, attempts left behind unanswered).
 *
 * The decisions are pure functions (routing.ts, policy.ts); a Run only remembers facts.
 */
import type { Observable, Subscriber } from 'rxjs'
import { OjaiError } from '../ojai/errors.js'
import type { DocumentId } from '../ojai/values.js'
import type { FailoverStrategy, Store } from '../store.js'
import type { ClusterState } from './cluster-state.js'
import type { ClusterCause } from './errors.js'
import type { FailoverStoreEvent } from './events.js'
import type { HealthBook } from './health.js'
import type { HedgeBudget } from './hedge-budget.js'
import type { InFlightEntry } from './in-flight.js'
import { mayMoveOn, type OperationName } from './policy.js'
import { bestAfter, type Failure } from './routing.js'
import type { StatsRecorder } from './stats.js'
import type { Timekeeper } from './timekeeper.js'
import { messageOf } from '../ojai/message-of.js'

/** Where a resumed find continues: after `lastId`, `delivered` documents into the original query. */
export interface ResumePoint {
  readonly lastId: DocumentId
  readonly delivered: number
}

/** Builds one attempt on one store; for a find, `resume` asks for the continuation query. */
export type AttemptFactory<T> = (store: Store, resume: ResumePoint | undefined) => Observable<T>

/** What a find needs beyond a single-answer operation. */
export interface FindPlan {
  readonly allowRestart: boolean
  /** True when the results come in ascending `_id` order (may throw InvalidQueryError). */
  isIdOrdered(): boolean
  /** The query's `$limit`, if any (may throw InvalidQueryError). */
  limit(): number | undefined
}

/** The store-wide parts the steps use. */
export interface Core {
  readonly stores: readonly Store[]
  readonly names: readonly string[]
  readonly clock: Timekeeper
  readonly health: HealthBook
  readonly state: ClusterState
  readonly stats: StatsRecorder
  readonly budget: HedgeBudget
  readonly secondaryTimeoutMs: number
  readonly settleMs: number
  hedgeDelay(cluster: number): number
  emit(event: FailoverStoreEvent): void
}

/** One text for an error in events, causes and messages. */
export function reasonOf(error: unknown): string {
  return error instanceof OjaiError ? error.code : messageOf(error)
}

/** An attempt left running after its operation moved on (a write that may still be applied). */
export interface Straggler {
  readonly cluster: number
  cancel(): void
}

export class Run<T> implements InFlightEntry {
  prevOp: InFlightEntry | null = null
  nextOp: InFlightEntry | null = null
  tracked = false
  /** Bit c set: cluster c has been tried. */
  tried = 0
  causes: ClusterCause[] | null = null
  /** The cluster of the attempt that failed last, and how. */
  lastFailed = -1
  lastFailure: Failure = 'error'
  /** Bit c set: an attempt on cluster c ended by timing out (slow, maybe not down). */
  timedOutMask = 0
  /** Scheduler time the operation started (set by its first attempt: one clock read less per operation). */
  startedAt = -1
  readonly first: number
  /** find: documents delivered so far and the last `_id`. */
  delivered = 0
  lastId: DocumentId | undefined = undefined
  resume: ResumePoint | undefined = undefined
  /** The cluster whose attempt answered (first value, completion or semantic error), or -1. */
  answeredOn = -1
  /** Attempts of a write left unanswered when the operation moved on. */
  stragglers: Straggler[] | null = null
  /** Called when the last straggler settles (set by the settle step). */
  onSettled: (() => void) | null = null
  /** The caller of this operation, for close(). */
  subscriber: Subscriber<T> | null = null

  constructor(
    readonly core: Core,
    readonly name: OperationName,
    readonly strategy: FailoverStrategy,
    /** Writes keep attempts they leave behind until they settle (see settle.ts). */
    readonly isWrite: boolean,
    readonly timeoutMs: number,
    readonly attempt: AttemptFactory<T>,
    readonly find: FindPlan | undefined,
  ) {
    this.first = strategy === 'primary-only' ? 0 : strategy === 'current-only' ? core.state.active : core.state.startCluster()
  }

  get streaming(): boolean {
    return this.find !== undefined
  }

  clusterName(c: number): string {
    return this.core.names[c] ?? String(c)
  }

  /**
   * Where this operation would go after its attempt on `from` failed with `error` (`failure`
   * says how), or -1 when it stays (policy forbids moving, or routing finds nowhere better; a
   * cluster an operator drained is never a choice).
   */
  nextAfter(from: number, failure: Failure, error: unknown): number {
    if (!mayMoveOn(this.strategy, error)) return -1
    return bestAfter(this.core.health.current, from, failure, this.tried | this.core.state.closedToTraffic, this.core.clock.scheduler.now())
  }

  addCause(cluster: number, error: unknown): void {
    ;(this.causes ??= []).push({ cluster: this.clusterName(cluster), error })
  }

  keep(straggler: Straggler): void {
    ;(this.stragglers ??= []).push(straggler)
  }

  settled(straggler: Straggler): void {
    const list = this.stragglers
    if (list === null) return
    const i = list.indexOf(straggler)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.onSettled?.()
  }

  /** Cancels whatever this operation left running. */
  dispose(): void {
    const list = this.stragglers
    if (list === null) return
    this.stragglers = null
    for (const s of list) s.cancel()
  }
}
