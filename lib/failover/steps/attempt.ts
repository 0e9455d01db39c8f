/**
 * Step 1, the hot one: one attempt on one cluster, raced against its limit on the runnable clock.
 *
 * ```
 * Every way it ends without an answer reaches the next step as an {@link AttemptFailure}
 * (cluster, timeout or error, the error); a semantic error is an answer and passes as it is.
 *
 * store      ---a|            answered in time: passed through, the cluster recorded up
 * result     ---a|
 *
 * store      ----------       silent past the limit (10), somewhere better to go:
 * result     ---------#       TimeoutError at 10 (a read's call is cancelled; a write's is kept
 *                             running as a straggler until it settles, see settle.ts)
 *
 * store      -------------a|  silent past the limit, nowhere better (others down or held):
 * result     -------------a|  keeps waiting, up to secondaryTimeoutMs from its start
 *
 * store      ----------a|     a read on a cluster that fell silent (silence.ts) at 4, somewhere
 * result     ----#            better to go: a failure at once for the next step to move on; the
 *                             attempt stays as the cluster's witness (its answer at 10 clears the
 *                             suspicion); a write keeps its attempt as before
 * ```
 *
 * An attempt is in one {@link Phase}. How it ends matters to a write (settle.ts): *answered*,
 * *failed unsent* (the error proves the request never reached a gateway), or *unknown* (a
 * transport error, reset, keepalive close, cancellation or deadline after it may have been sent),
 * recorded on the Run with {@link Run.lost}.
 *
 * A find's limit bounds every gap between documents, not the whole stream. Answers and timeouts
 * are reported to the cluster's health here; an error is reported by the step that acts on it
 * ({@link Run.reportFailure}), so a step in between (a retry) may still try the same cluster. Hand-written (one Subscriber per attempt,
 * one entry in the shared timekeeper, no timer of its own) because every operation runs it.
 */
import { Observable, Subscriber } from 'rxjs'
import { isAvailabilityError, isUnsent, TimeoutError } from '../../ojai/errors.js'
import type { Store } from '../../store.js'
import { attemptAnswered, attemptCancelled, attemptFailed, attemptSettled, attemptStarted, attemptTimedOut } from '../diagnostics.js'
import { ANSWERED } from '../health.js'
import { AttemptFailure, reasonOf, type Core, type Run, type Straggler, type StragglerEnd } from '../run.js'
import type { DeadlineList, TimedEntry } from '../timekeeper.js'

/** The attempt of `run` on `cluster`, limited to `limitMs`. Cold: one attempt per subscription. */
export function attempt<T>(run: Run<T>, cluster: number, limitMs: number): Observable<T> {
  return new Observable<T>((out) => {
    const leg = new Leg<T>(run, cluster, limitMs, out)
    leg.start()
    return leg
  })
}

/**
 * `cluster` fell silent for `silentMs`: every read waiting on it moves on at once where routing
 * finds a cluster up and not held. Returns how many moved. Writes keep their attempts.
 */
export function moveReadsOff(core: Core, cluster: number, silentMs: number): number {
  let moved = 0
  for (const entry of core.clock.entries()) if (entry instanceof Leg && entry.cluster === cluster && entry.silenced(silentMs)) moved++
  return moved
}

/** Cancels the reads left running on silent clusters as witnesses: the store is closing. */
export function abandonWitnesses(core: Core): void {
  for (const entry of core.clock.entries()) if (entry instanceof Leg) entry.abandonWitness()
}

/**
 * Where an attempt is:
 * - `waiting`: sent, no answer yet, within its limit;
 * - `extended`: timed out with nowhere better to go, waiting up to `secondaryTimeoutMs` from its start;
 * - `answering`: answered (a stream goes on answering; its limit bounds each gap);
 * - `straggling`: a write's attempt left running after the write moved on: only how it ends matters;
 * - `witnessing`: a read moved off its silent cluster, left running up to its own limit: its
 *   answer tells health the cluster is alive (and how slow), its timeout convicts it as before;
 * - `over`: ended, however it ended.
 */
type Phase = 'waiting' | 'extended' | 'answering' | 'straggling' | 'witnessing' | 'over'

/** What the end of a straggler says about its write: settled (answered, unsent) or unknown. */
function endOf(error: unknown): StragglerEnd {
  if (!isAvailabilityError(error)) return { kind: 'answered' }
  return { kind: isUnsent(error) ? 'unsent' : 'unknown', why: reasonOf(error) }
}

class Leg<T> extends Subscriber<T> implements TimedEntry, Straggler {
  due = 0
  prevEntry: TimedEntry | null = null
  nextEntry: TimedEntry | null = null
  list: DeadlineList | null = null
  private phase: Phase = 'waiting'
  /** Runnable-clock start, the base of the limit and of its extension. */
  private startedAt = 0
  /** Scheduler-clock start, for latency stats. */
  private wallStart = 0
  private lastActivity = 0
  /** The silence watch's epoch of this attempt's cluster when it went out. */
  private epoch = 0

  constructor(
    private readonly run: Run<T>,
    readonly cluster: number,
    private readonly limitMs: number,
    private readonly out: Subscriber<T>,
  ) {
    super()
  }

  /** Sets the start times from the scheduler time `wall` (read once per attempt); the request is out. */
  private started(wall: number): void {
    const run = this.run
    this.wallStart = wall
    this.startedAt = this.lastActivity = wall - run.core.clock.stalledMs
    if (run.startedAt < 0) run.startedAt = wall
    this.epoch = run.core.silence.sent(this.cluster, this.startedAt)
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
      this.failed(error)
      return
    }
    this.started(run.core.clock.arm(this, this.limitMs))
    source.subscribe(this)
  }

  /** The caller (or the step after) let go: a straggler or a witness keeps running, anything else is cancelled. */
  override unsubscribe(): void {
    if (this.phase !== 'straggling' && this.phase !== 'witnessing') this.cancel()
  }

  abandonWitness(): void {
    if (this.phase === 'witnessing') this.cancel()
  }

  cancel(): void {
    attemptCancelled(this, this.phase === 'answering')
    this.end()
    this.run.core.clock.disarm(this)
    super.unsubscribe()
  }

  /** The attempt is over: no longer outstanding on its cluster. */
  private end(): void {
    if (this.phase === 'over') return
    this.phase = 'over'
    this.run.core.silence.ended(this.cluster, this.epoch)
  }

  expire(): void {
    const phase = this.phase
    if (this.closed || phase === 'over' || phase === 'straggling') return
    const run = this.run
    const core = run.core
    if (phase === 'witnessing') {
      // The witness of a silent cluster got no answer within its own limit either: convicted as any timeout.
      this.timedOut()
      return this.cancel()
    }
    if (phase === 'answering') {
      // A stream's limit bounds the gap since its last document.
      const idle = core.clock.now() - this.lastActivity
      if (idle < this.limitMs) {
        core.clock.arm(this, this.limitMs, this.lastActivity)
        return
      }
    }
    const name = run.clusterName(this.cluster)
    const error = new TimeoutError(
      `${run.name} on ${name}: no answer within ${phase === 'extended' ? core.secondaryTimeoutMs : this.limitMs} ms`,
      this.limitMs,
    )
    if (phase !== 'extended') this.timedOut()
    const next = run.nextAfter(this.cluster, 'timeout', error)
    if (next < 0 && phase === 'waiting' && core.secondaryTimeoutMs > this.limitMs) {
      // Nowhere better to go: a slow cluster beats a dead or held one.
      this.phase = 'extended'
      core.clock.arm(this, core.secondaryTimeoutMs, this.startedAt)
      return
    }
    this.moveOn(error, next >= 0)
  }

  /** The limit passed without an answer: counted, an event, and the cluster's health told. */
  private timedOut(): void {
    const run = this.run
    const core = run.core
    const now = core.clock.scheduler.now()
    core.stats.op(this.cluster, run.name).timeouts++
    core.emit({
      type: 'timeout',
      cluster: run.clusterName(this.cluster),
      operation: run.name,
      at: now,
      elapsedMs: now - run.startedAt,
      timeoutMs: this.limitMs,
    })
    core.state.report(this.cluster, { kind: 'timed-out', why: 'TIMEOUT' }, run.name)
  }

  /**
   * Its cluster fell silent: a read still waiting moves on at once if routing finds somewhere
   * better. The attempt is not cancelled: it stays as the cluster's witness up to its own limit,
   * so a cluster that is only slower than it was is heard again, and its new latency learned. A
   * find already streaming is cancelled and resumed elsewhere, as after a timeout.
   */
  silenced(silentMs: number): boolean {
    const run = this.run
    if (this.closed || (this.phase !== 'waiting' && this.phase !== 'answering') || !run.isRead) return false
    const name = run.clusterName(this.cluster)
    const error = new TimeoutError(
      `${run.name} on ${name}: ${name} silent for ${silentMs} ms, longer than its latency explains`,
      this.limitMs,
    )
    if (run.nextAfter(this.cluster, 'timeout', error) < 0) return false
    if (this.phase === 'answering') {
      run.core.clock.disarm(this)
      this.moveOn(error, true)
      return true
    }
    this.phase = 'witnessing'
    attemptTimedOut(this, error, true)
    run.addCause(this.cluster, error)
    run.timedOutMask |= 1 << this.cluster
    this.out.error(new AttemptFailure(this.cluster, 'timeout', error))
    return true
  }

  /** The witness of a silent cluster heard back (an answer, or an error that is one): health learns it. */
  private witnessed(error?: unknown): void {
    const core = this.run.core
    attemptSettled(this, error !== undefined && isAvailabilityError(error) ? 'failed' : 'answered')
    this.cancel()
    if (error !== undefined && isAvailabilityError(error))
      return core.state.report(this.cluster, { kind: 'failed', why: reasonOf(error) }, this.run.name)
    const now = core.clock.now()
    core.silence.heard(this.cluster, now, now - this.startedAt)
    core.state.report(this.cluster, ANSWERED, this.run.name)
  }

  /**
   * The operation leaves this attempt unanswered (`error` says why) for the next step to move it
   * on, `elsewhere` when routing found a cluster. A write's attempt that could still land keeps
   * running as a straggler; one that is cancelled after it may have been sent is unknown.
   */
  private moveOn(error: TimeoutError, elsewhere: boolean): void {
    const run = this.run
    run.addCause(this.cluster, error)
    run.timedOutMask |= 1 << this.cluster
    attemptTimedOut(this, error, run.isWrite && elsewhere)
    if (run.isWrite && elsewhere) {
      this.phase = 'straggling'
      run.keep(this)
    } else {
      if (!run.isRead) run.lost(this.cluster, 'cancelled after it may have been sent')
      this.cancel()
    }
    this.out.error(new AttemptFailure(this.cluster, 'timeout', error))
  }

  protected override _next(value: T): void {
    const run = this.run
    if (this.phase === 'straggling') return this.settle({ kind: 'answered' })
    if (this.phase === 'witnessing') return this.witnessed()
    if (run.streaming) {
      const now = run.core.clock.now()
      this.lastActivity = now
      if (this.phase === 'answering') run.core.silence.heard(this.cluster, now, -1)
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
    if (this.phase === 'straggling') return this.settle(endOf(error))
    if (this.phase === 'witnessing') return this.witnessed(error)
    this.failed(error)
  }

  protected override _complete(): void {
    this.run.core.clock.disarm(this)
    super.unsubscribe()
    if (this.phase === 'straggling') return this.settle({ kind: 'answered' })
    if (this.phase === 'witnessing') return this.witnessed()
    this.answer()
    attemptAnswered(this)
    this.end()
    this.out.complete()
  }

  /** The attempt ended with `error` (from the store, or thrown building the call). */
  private failed(error: unknown): void {
    attemptFailed(this, error)
    const run = this.run
    const core = run.core
    const counters = core.stats.op(this.cluster, run.name)
    if (!isAvailabilityError(error)) {
      // An answer, not a fault: another cluster would say the same.
      counters.semanticErrors++
      this.answer()
      this.end()
    } else {
      this.end()
      counters.availabilityErrors++
      run.addCause(this.cluster, error)
      if (!run.isRead && !isUnsent(error)) run.lost(this.cluster, reasonOf(error))
      // Health hears of it from the step that acts on it (Run.reportFailure), after any step between.
      return this.out.error(new AttemptFailure(this.cluster, 'error', error))
    }
    this.out.error(error)
  }

  /** The first answer: counted once, the latency learned, and the cluster is up. */
  private answer(): void {
    if (this.phase === 'answering') return
    this.phase = 'answering'
    const run = this.run
    run.answeredOn = this.cluster
    const core = run.core
    const wall = core.clock.scheduler.now()
    // The session learns where this store's latest write of the document is, before the caller hears (session.ts).
    if (!run.isRead && run.documentKey !== undefined) core.session.acknowledged(run.documentKey, this.cluster, wall)
    const counters = core.stats.op(this.cluster, run.name)
    counters.ok++
    counters.record(wall - this.wallStart)
    const now = wall - core.clock.stalledMs
    core.silence.heard(this.cluster, now, now - this.startedAt)
    core.state.report(this.cluster, ANSWERED, run.name)
  }

  private settle(end: StragglerEnd): void {
    attemptSettled(this, end.kind === 'answered' ? 'answered' : 'failed')
    this.cancel()
    this.run.core.state.report(this.cluster, end.kind === 'answered' ? ANSWERED : { kind: 'failed', why: end.why }, this.run.name)
    this.run.settled(this, end)
  }
}
