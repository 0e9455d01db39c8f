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
import { mayMoveOn, READ_OPERATIONS, type OperationName } from './policy.js'
import { bestAfter, type Failure } from './routing.js'
import type { ResolvedOptions } from './options.js'
import type { Acknowledgment, Session } from './session.js'
import type { SilenceWatch } from './silence.js'
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
  readonly silence: SilenceWatch
  readonly session: Session
  /** The store's options, resolved: a step reads its own option here. */
  readonly o: ResolvedOptions
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

/**
 * How an attempt of a write that did not give the write its answer ended, as far as the write's
 * acknowledgment is concerned. Answered and provably unsent attempts are settled and leave no
 * trace; these are the two that are not.
 * - `pending`: still running (left behind when the write moved on); it may yet answer.
 * - `unknown`: ended without an answer after it may have been sent (reset, closed connection,
 *   keepalive, a transport error that is not provably unsent): it may be applied later, and
 *   nothing will ever say whether it was.
 */
export type Unanswered =
  { readonly kind: 'pending'; readonly attempt: Straggler } | { readonly kind: 'unknown'; readonly cluster: number; readonly why: string }

/** How a straggler ended: answered (a value, a completion or a semantic error), provably unsent, or unknown. */
export type StragglerEnd =
  { readonly kind: 'answered' } | { readonly kind: 'unsent'; readonly why: string } | { readonly kind: 'unknown'; readonly why: string }

/**
 * What an attempt that ended without an answer (it timed out, its cluster fell silent, or it
 * failed with an availability error) passes to the steps after it, on the error channel: which
 * cluster, how, and the error itself. Semantic errors are answers and pass as they are. It never
 * reaches the caller: fail-over.ts unwraps it when it gives up.
 */
export class AttemptFailure {
  constructor(
    readonly cluster: number,
    readonly failure: Failure,
    readonly error: unknown,
  ) {}
}

const NOTHING_IN_DOUBT: readonly { cluster: number; why: string }[] = Object.freeze([])

export class Run<T> implements InFlightEntry {
  prevOp: InFlightEntry | null = null
  nextOp: InFlightEntry | null = null
  tracked = false
  /** Bit c set: cluster c has been tried. */
  tried = 0
  causes: ClusterCause[] | null = null
  /** Bit c set: an attempt on cluster c ended by timing out (slow, maybe not down). */
  timedOutMask = 0
  /** Scheduler time the operation started (set by its first attempt: one clock read less per operation). */
  startedAt = -1
  /** find: documents delivered so far and the last `_id`. */
  delivered = 0
  lastId: DocumentId | undefined = undefined
  resume: ResumePoint | undefined = undefined
  /** The cluster whose attempt answered (first value, completion or semantic error), or -1. */
  answeredOn = -1
  /** A write's attempts that did not answer and are not provably unsent (see settle.ts). */
  unanswered: Unanswered[] | null = null
  /** Called when the last pending attempt has ended (set by the settle step). */
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
    /** The cluster of the first attempt (failover-store.ts places it). */
    readonly first: number,
    /** The `_id` of the one document the operation acts on, if it has one, and its key (session.ts). */
    readonly document: DocumentId | undefined,
    readonly documentKey: string | undefined,
    /** This store's latest write of the document, while it counts (session.ts). */
    readonly ownWrite: Acknowledgment | undefined,
    /** A write's wait before its first attempt while its document moves to another cluster (session.ts), else 0. */
    readonly handoffMs: number,
  ) {}

  get streaming(): boolean {
    return this.find !== undefined
  }

  /** findById or find: nothing to apply, so an attempt in flight may be abandoned for another. */
  get isRead(): boolean {
    return READ_OPERATIONS.has(this.name)
  }

  clusterName(c: number): string {
    return this.core.names[c] ?? String(c)
  }

  /**
   * Where this operation goes after its attempt on `from` ended without an answer (`failure`
   * says how, `error` with what), or -1 when it stays: policy forbids moving, or routing finds
   * nowhere better. The one place an operation's exclusions are built: clusters it tried, and
   * clusters an operator drained, are never a choice (a silent one ranks below any up cluster,
   * routing.ts). With `secondChance`, clusters where it only timed out are allowed again.
   */
  nextAfter(from: number, failure: Failure, error: unknown, secondChance = false): number {
    if (!mayMoveOn(this.strategy, error)) return -1
    const tried = secondChance ? this.tried & ~this.timedOutMask : this.tried
    return bestAfter(this.core.health.current, from, failure, tried | this.core.state.closedToTraffic, this.core.clock.scheduler.now())
  }

  /**
   * After a fast failure with nowhere left to go, a cluster that only timed out gets one more try
   * (a slow cluster beats none): reads and other `failover` operations only, once.
   */
  secondChance(from: number, failure: AttemptFailure): number {
    if (failure.failure !== 'error' || this.strategy !== 'failover' || this.timedOutMask === 0) return -1
    return this.nextAfter(from, 'error', failure.error, true)
  }

  /**
   * Tells health what `failure` found, once a step acts on it (moves on, gives up, or waits for a
   * hedge): an error marks the cluster down, and may switch the active cluster. A timeout was
   * reported when the limit passed (steps/attempt.ts); a read moved off a silent cluster reports
   * nothing: suspicion is not a verdict.
   */
  reportFailure(failure: AttemptFailure): void {
    if (failure.failure === 'error') this.core.state.report(failure.cluster, { kind: 'failed', why: reasonOf(failure.error) }, this.name)
  }

  addCause(cluster: number, error: unknown): void {
    ;(this.causes ??= []).push({ cluster: this.clusterName(cluster), error })
  }

  /** A write moved on and left `straggler` running: its answer is still awaited. */
  keep(straggler: Straggler): void {
    ;(this.unanswered ??= []).push({ kind: 'pending', attempt: straggler })
  }

  /** A write's attempt on `cluster` ended without an answer after it may have been sent. */
  lost(cluster: number, why: string): void {
    ;(this.unanswered ??= []).push({ kind: 'unknown', cluster, why })
  }

  /** `straggler` ended: settled when answered or unsent, unknown otherwise. */
  settled(straggler: Straggler, end: StragglerEnd): void {
    const list = this.unanswered
    if (list === null) return
    const i = list.findIndex((u) => u.kind === 'pending' && u.attempt === straggler)
    if (i < 0) return
    if (end.kind === 'unknown') list[i] = { kind: 'unknown', cluster: straggler.cluster, why: end.why }
    else list.splice(i, 1)
    if (!list.some((u) => u.kind === 'pending')) this.onSettled?.()
  }

  /** Attempts still running that may yet answer. */
  get pending(): number {
    const list = this.unanswered
    if (list === null) return 0
    let n = 0
    for (const u of list) if (u.kind === 'pending') n++
    return n
  }

  /** The clusters where an attempt of this write may still land (unknown, or still running), and why. */
  inDoubt(): readonly { cluster: number; why: string }[] {
    // Every write asks when it ends; nearly always nothing is in doubt: no array for that.
    if (this.unanswered === null) return NOTHING_IN_DOUBT
    return this.unanswered.map((u) =>
      u.kind === 'unknown' ? { cluster: u.cluster, why: u.why } : { cluster: u.attempt.cluster, why: 'still running' },
    )
  }

  /** Cancels whatever this operation left running. */
  dispose(): void {
    const list = this.unanswered
    if (list === null) return
    this.unanswered = null
    for (const u of list) if (u.kind === 'pending') u.attempt.cancel()
  }
}
