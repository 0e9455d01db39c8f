/**
 * Step 1, the hot one: one attempt on one cluster, raced against its limit on the runnable clock.
 *
 * ```
 * store      ---a|            answered in time: passed through, the cluster recorded up
 * result     ---a|
 *
 * store      ----------       silent past the limit (10), somewhere better to go:
 * result     ---------#       TimeoutError at 10 (a read's call is cancelled; a write's is kept
 *                             running as a straggler until it settles, see settle.ts)
 *
 * store      -------------a|  silent past the limit, nowhere better (others down or held):
 * result     -------------a|  keeps waiting, up to secondaryTimeoutMs from its start
 * ```
 *
 * A find's limit bounds every gap between documents, not the whole stream. Every outcome is
 * reported once to the cluster's health and the stats. Hand-written (one Subscriber per attempt,
 * one entry in the shared timekeeper, no timer of its own) because every operation runs it.
 */
import { Observable, Subscriber } from 'rxjs'
import { isAvailabilityError, TimeoutError } from '../../ojai/errors.js'
import type { Store } from '../../store.js'
import { attemptAnswered, attemptCancelled, attemptFailed, attemptSettled, attemptStarted, attemptTimedOut } from '../diagnostics.js'
import { ANSWERED } from '../health.js'
import { reasonOf, type Run, type Straggler } from '../run.js'
import type { DeadlineList, TimedEntry } from '../timekeeper.js'

/** The attempt of `run` on `cluster`, limited to `limitMs`. Cold: one attempt per subscription. */
export function attempt<T>(run: Run<T>, cluster: number, limitMs: number): Observable<T> {
  return new Observable<T>((out) => {
    const leg = new Leg<T>(run, cluster, limitMs, out)
    leg.start()
    return leg
  })
}

class Leg<T> extends Subscriber<T> implements TimedEntry, Straggler {
  due = 0
  prevEntry: TimedEntry | null = null
  nextEntry: TimedEntry | null = null
  list: DeadlineList | null = null
  /** Runnable-clock start, the base of the limit and of its extension. */
  private startedAt = 0
  /** Scheduler-clock start, for latency stats. */
  private wallStart = 0
  private lastActivity = 0
  private answered = false
  private timedOut = false
  private extended = false
  /** Left running after the operation moved on; only its settling matters now. */
  private straggling = false

  constructor(
    private readonly run: Run<T>,
    readonly cluster: number,
    private readonly limitMs: number,
    private readonly out: Subscriber<T>,
  ) {
    super()
  }

  /** Sets the start times from the scheduler time `wall` (read once per attempt). */
  private started(wall: number): void {
    const run = this.run
    this.wallStart = wall
    this.startedAt = this.lastActivity = wall - run.core.clock.stalledMs
    if (run.startedAt < 0) run.startedAt = wall
  }

  start(): void {
    const run = this.run
    attemptStarted(run as Run<unknown>, this)
    run.tried |= 1 << this.cluster
    let source: Observable<T>
    try {
      source = run.attempt(run.core.stores[this.cluster] as Store, run.resume)
    } catch (error) {
      // A store that throws instead of returning an erroring Observable (e.g. invalid input).
      this.started(run.core.clock.scheduler.now())
      this.closed = true
      this.ended(error)
      return
    }
    this.started(run.core.clock.arm(this, this.limitMs))
    source.subscribe(this)
  }

  /** The caller (or the step after) let go: a straggler keeps running, anything else is cancelled. */
  override unsubscribe(): void {
    if (!this.straggling) this.cancel()
  }

  cancel(): void {
    attemptCancelled(this, this.answered)
    this.run.core.clock.disarm(this)
    super.unsubscribe()
  }

  expire(): void {
    if (this.closed) return
    const run = this.run
    const core = run.core
    if (this.answered) {
      // A stream's limit bounds the gap since its last document.
      const idle = core.clock.now() - this.lastActivity
      if (idle < this.limitMs) {
        core.clock.arm(this, this.limitMs, this.lastActivity)
        return
      }
    }
    const name = run.clusterName(this.cluster)
    const now = core.clock.scheduler.now()
    const error = new TimeoutError(`${run.name} on ${name}: no answer within ${this.extended ? core.secondaryTimeoutMs : this.limitMs} ms`, this.limitMs)
    if (!this.timedOut) {
      this.timedOut = true
      core.stats.op(this.cluster, run.name).timeouts++
      core.emit({ type: 'timeout', cluster: name, operation: run.name, at: now, elapsedMs: now - run.startedAt, timeoutMs: this.limitMs })
      core.state.report(this.cluster, { kind: 'timed-out', why: 'TIMEOUT' }, run.name)
    }
    const next = run.nextAfter(this.cluster, 'timeout', error)
    if (next < 0 && !this.extended && !this.answered && core.secondaryTimeoutMs > this.limitMs) {
      // Nowhere better to go: a slow cluster beats a dead or held one.
      this.extended = true
      core.clock.arm(this, core.secondaryTimeoutMs, this.startedAt)
      return
    }
    run.addCause(this.cluster, error)
    run.lastFailed = this.cluster
    run.lastFailure = 'timeout'
    run.timedOutMask |= 1 << this.cluster
    if (run.isWrite && next >= 0) {
      this.straggling = true
      run.keep(this)
    } else super.unsubscribe()
    attemptTimedOut(this, error, this.straggling)
    this.out.error(error)
  }

  protected override _next(value: T): void {
    const run = this.run
    if (this.straggling) return this.settle({ kind: 'answered' })
    if (run.streaming) {
      this.lastActivity = run.core.clock.now()
      run.delivered++
      const id = (value as { _id?: unknown } | null)?._id
      run.lastId = typeof id === 'string' || id instanceof Uint8Array ? id : undefined
    } else run.core.clock.disarm(this)
    this.answer()
    this.out.next(value)
  }

  protected override _error(error: unknown): void {
    this.run.core.clock.disarm(this)
    super.unsubscribe()
    if (this.straggling) return this.settle(isAvailabilityError(error) ? { kind: 'failed', why: reasonOf(error) } : { kind: 'answered' })
    this.ended(error)
  }

  protected override _complete(): void {
    this.run.core.clock.disarm(this)
    super.unsubscribe()
    if (this.straggling) return this.settle({ kind: 'answered' })
    this.answer()
    attemptAnswered(this)
    this.out.complete()
  }

  /** The attempt ended with `error` (from the store, or thrown building the call). */
  private ended(error: unknown): void {
    const run = this.run
    const core = run.core
    const counters = core.stats.op(this.cluster, run.name)
    if (!isAvailabilityError(error)) {
      // An answer, not a fault: another cluster would say the same.
      counters.semanticErrors++
      this.answer()
    } else {
      counters.availabilityErrors++
      run.addCause(this.cluster, error)
      run.lastFailed = this.cluster
      run.lastFailure = 'error'
      core.state.report(this.cluster, { kind: 'failed', why: reasonOf(error) }, run.name)
    }
    attemptFailed(this, error)
    this.out.error(error)
  }

  /** The first answer: counted once, and the cluster is up. */
  private answer(): void {
    if (this.answered) return
    this.answered = true
    const run = this.run
    run.answeredOn = this.cluster
    const core = run.core
    const counters = core.stats.op(this.cluster, run.name)
    counters.ok++
    counters.record(core.clock.scheduler.now() - this.wallStart)
    core.state.report(this.cluster, ANSWERED, run.name)
  }

  private settle(outcome: { kind: 'answered' } | { kind: 'failed'; why: string }): void {
    this.straggling = false
    attemptSettled(this, outcome.kind)
    this.cancel()
    this.run.core.state.report(this.cluster, outcome, this.run.name)
    this.run.settled(this)
  }
}
